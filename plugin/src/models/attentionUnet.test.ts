import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { InvalidInputError } from '../core/errors';
import { attentionUnetChannels, buildAttentionUnet } from './attentionUnet';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/**
 * Trainable parameters of MONAI's AttentionUnet(spatial_dims=2, in=1, out=C, channels, strides=2),
 * counted module by module from MONAI's source (conv + bias, BN γ/β, PReLU's single slope; the
 * merge conv's InstanceNorm has no affine parameters).
 */
function monaiTrainableParams(depth: number, base: number, classes: number): number {
  const conv = (k: number, i: number, o: number) => k * k * i * o + o;
  const bn = (c: number) => 2 * c;
  const ch = attentionUnetChannels({ depth, baseChannels: base });
  let n = 0;
  for (let l = 0; l < depth; l++) n += conv(3, l === 0 ? 1 : ch[l - 1]!, ch[l]!) + bn(ch[l]!) + conv(3, ch[l]!, ch[l]!) + bn(ch[l]!);
  for (let l = 0; l < depth - 1; l++) {
    const c = ch[l]!;
    const fInt = c / 2;
    n += conv(3, ch[l + 1]!, c) + bn(c); // UpConv (transposed: same count)
    n += 2 * (conv(1, c, fInt) + bn(fInt)) + conv(1, fInt, 1) + bn(1); // attention gate
    n += conv(3, 2 * c, c) + 1; // merge conv + PReLU
  }
  return n + conv(1, ch[0]!, classes);
}

function weightsOf(model: tfl.LayersModel): Float32Array[] {
  return model.getWeights().map((w) => w.dataSync() as Float32Array);
}

describe('buildAttentionUnet', () => {
  it('maps [b, S, S, 1] to softmax probabilities [b, S, S, C]', () => {
    const model = buildAttentionUnet({ inputSize: 16, classes: 3, depth: 3, baseChannels: 4, seed: 1 });
    expect(model.inputs[0]!.shape).toEqual([null, 16, 16, 1]);
    expect(model.outputs[0]!.shape).toEqual([null, 16, 16, 3]);
    const x = tf.randomNormal([2, 16, 16, 1], 0, 1, 'float32', 5);
    const y = model.predict(x) as tf.Tensor;
    expect(y.shape).toEqual([2, 16, 16, 3]);
    const sums = tf.sum(y, -1);
    for (const s of sums.dataSync()) expect(s).toBeCloseTo(1, 5);
    tf.dispose([x, y, sums]);
    model.dispose();
  });

  it('has MONAI’s parameter count (small and default configs)', () => {
    const small = buildAttentionUnet({ inputSize: 16, classes: 2, depth: 3, baseChannels: 4, seed: 1 });
    const trainable = (m: tfl.LayersModel) => m.trainableWeights.reduce((s, w) => s + w.shape.reduce((a, b) => a! * b!, 1)!, 0);
    expect(trainable(small)).toBe(monaiTrainableParams(3, 4, 2));
    expect(trainable(small)).toBe(7736);
    // Non-trainable: BN moving mean/variance only (the merge InstanceNorms have no parameters).
    const bnChannels = (4 + 4 + 8 + 8 + 16 + 16) + (4 + 2 + 2 + 1) + (8 + 4 + 4 + 1);
    expect(small.countParams() - trainable(small)).toBe(2 * bnChannels);
    small.dispose();
    const paper = buildAttentionUnet({ inputSize: 256, classes: 3, seed: 42 }); // depth 4, channels 16…128
    expect(trainable(paper)).toBe(monaiTrainableParams(4, 16, 3));
    expect(trainable(paper)).toBe(494007);
    paper.dispose();
  });

  it('gives bit-identical initial weights for the same seed and different ones for another seed', () => {
    const config = { inputSize: 16, classes: 2, depth: 2, baseChannels: 4, dropout: 0.1 };
    const a = buildAttentionUnet({ ...config, seed: 42 });
    const b = buildAttentionUnet({ ...config, seed: 42 });
    const c = buildAttentionUnet({ ...config, seed: 43 });
    const [wa, wb, wc] = [weightsOf(a), weightsOf(b), weightsOf(c)];
    expect(wa.length).toBe(wb.length);
    wa.forEach((w, i) => expect(Buffer.from(w.buffer, w.byteOffset, w.byteLength).equals(Buffer.from(wb[i]!.buffer, wb[i]!.byteOffset, wb[i]!.byteLength))).toBe(true));
    const kernels = a.trainableWeights.map((w, i) => ({ name: w.name, i })).filter(({ name }) => /kernel/.test(name));
    expect(kernels.length).toBeGreaterThan(5);
    for (const { i } of kernels) expect(Array.from(wc[i]!)).not.toEqual(Array.from(wa[i]!));
    // Distinct layers get distinct seeds: two same-shape kernels of one model differ.
    const k1 = a.getLayer('enc0_conv2').getWeights()[0]!.dataSync();
    const k2 = a.getLayer('dec0_merge_conv').getWeights()[0]!.dataSync();
    expect(Array.from(k1.slice(0, 8))).not.toEqual(Array.from(k2.slice(0, 8)));
    [a, b, c].forEach((m) => m.dispose());
  });

  it('initialises like PyTorch: kernels and biases in ±1/√fan_in', () => {
    const model = buildAttentionUnet({ inputSize: 16, classes: 2, depth: 2, baseChannels: 4, seed: 3 });
    const [kernel, bias] = model.getLayer('enc1_conv1').getWeights(); // 3×3, 4 → 8
    const bound = 1 / Math.sqrt(9 * 4);
    for (const v of [...kernel!.dataSync(), ...bias!.dataSync()]) expect(Math.abs(v)).toBeLessThanOrEqual(bound + 1e-7);
    model.dispose();
  });

  it('validates the configuration', () => {
    expect(() => buildAttentionUnet({ inputSize: 20, classes: 2, depth: 4, seed: 1 })).toThrow(/multiple of 2\^\(depth − 1\) = 8/);
    expect(() => buildAttentionUnet({ inputSize: 20, classes: 2, depth: 4, seed: 1 })).toThrow(InvalidInputError);
    expect(() => buildAttentionUnet({ inputSize: 16, classes: 1, seed: 1 })).toThrow(/classes/);
    expect(() => buildAttentionUnet({ inputSize: 16, classes: 2, depth: 1, seed: 1 })).toThrow(/depth/);
    expect(() => buildAttentionUnet({ inputSize: 16, classes: 2, baseChannels: 1, seed: 1 })).toThrow(/baseChannels/);
    expect(() => buildAttentionUnet({ inputSize: 16, classes: 2, dropout: 1, seed: 1 })).toThrow(/dropout/);
    expect(() => buildAttentionUnet({ inputSize: 16, classes: 2, seed: 1.5 })).toThrow(/seed/);
  });

  it('releases every tensor on dispose', () => {
    const before = tf.memory().numTensors;
    buildAttentionUnet({ inputSize: 16, classes: 2, depth: 2, baseChannels: 2, seed: 1 }).dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
