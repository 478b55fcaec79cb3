import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { createRng } from '../random/rng';
import { initCompute, resetComputeCache } from './backend';
import { registerNativeKernels, unregisterNativeKernels } from './nativeKernels';
import { relativeError } from './relativeError';

const TOLERANCE = 1e-4;

function randomData(n: number, seed: number, scale = 1): Float32Array {
  const rng = createRng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = scale * rng.nextGaussian();
  return out;
}

type Shape4 = [number, number, number, number];
const WEIGHT_SHAPES: Record<string, Shape4> = {
  conv1: [3, 3, 3, 8], // stride 1
  conv2: [3, 3, 8, 8], // stride 2
  up: [2, 2, 8, 8], // transposed conv, stride 2: [h, w, outC, inC]
  gate: [1, 1, 8, 1], // 1×1 conv → sigmoid gate
  head: [1, 1, 16, 3], // 1×1 conv on the concatenation → softmax
};
const X_SHAPE: Shape4 = [2, 12, 12, 3];

/** Gradients of a small U-Net-like net's cross-entropy wrt all its weights, computed on `backend`. */
async function gradientsOn(backend: string): Promise<Record<string, Float32Array>> {
  await tf.setBackend(backend);
  expect(tf.getBackend()).toBe(backend);
  const names = Object.keys(WEIGHT_SHAPES);
  const weights = names.map((n, i) => tf.tensor4d(randomData(WEIGHT_SHAPES[n]!.reduce((a, b) => a * b), 10 + i, 0.3), WEIGHT_SHAPES[n]!));
  const x = tf.tensor4d(randomData(X_SHAPE.reduce((a, b) => a * b), 1), X_SHAPE);
  const rng = createRng(2);
  const classes = Int32Array.from({ length: 2 * 12 * 12 }, () => rng.nextInt(3));
  const labels = tf.tidy(() => tf.oneHot(tf.tensor3d(classes, [2, 12, 12], 'int32'), 3));

  const loss = (conv1: tf.Tensor, conv2: tf.Tensor, up: tf.Tensor, gate: tf.Tensor, head: tf.Tensor): tf.Scalar => {
    const h1 = tf.relu(tf.conv2d(x, conv1 as tf.Tensor4D, 1, 'same'));
    const h2 = tf.relu(tf.conv2d(h1, conv2 as tf.Tensor4D, 2, 'same'));
    const u = tf.conv2dTranspose(h2, up as tf.Tensor4D, [2, 12, 12, 8], 2, 'same');
    const g: tf.Tensor4D = tf.mul(h1, tf.sigmoid(tf.conv2d(h1, gate as tf.Tensor4D, 1, 'same')));
    const logits = tf.conv2d(tf.concat([u, g], 3), head as tf.Tensor4D, 1, 'same');
    const p = tf.softmax(logits);
    return tf.neg(tf.mean(tf.sum(tf.mul(labels, tf.log(tf.add(p, 1e-7))), -1))) as tf.Scalar;
  };
  const grads = tf.grads(loss)(weights);
  const out: Record<string, Float32Array> = {};
  for (let i = 0; i < names.length; i++) out[names[i]!] = (await grads[i]!.data()) as Float32Array;
  tf.dispose([...grads, ...weights, x, labels]);
  return out;
}

/** A small U-Net: conv s1/s2, batch norm, dropout, transposed conv, attention gate, concat, softmax. */
function buildUnet(size: number): tfl.LayersModel {
  const block = (x: tfl.SymbolicTensor, filters: number, strides: number): tfl.SymbolicTensor => {
    const c = tfl.layers.conv2d({ filters, kernelSize: 3, strides, padding: 'same', useBias: false, kernelInitializer: tfl.initializers.glorotUniform({ seed: filters + strides }) }).apply(x) as tfl.SymbolicTensor;
    const b = tfl.layers.batchNormalization().apply(c) as tfl.SymbolicTensor;
    return tfl.layers.reLU().apply(b) as tfl.SymbolicTensor;
  };
  const input = tfl.input({ shape: [size, size, 1] });
  const e1 = block(input, 8, 1);
  const down = block(e1, 16, 2);
  const e2 = tfl.layers.dropout({ rate: 0.1, seed: 3 }).apply(block(down, 16, 1)) as tfl.SymbolicTensor;
  const up = tfl.layers.conv2dTranspose({ filters: 8, kernelSize: 2, strides: 2, padding: 'same', kernelInitializer: tfl.initializers.glorotUniform({ seed: 4 }) }).apply(e2) as tfl.SymbolicTensor;
  const att = tfl.layers.conv2d({ filters: 1, kernelSize: 1, activation: 'sigmoid', kernelInitializer: tfl.initializers.glorotUniform({ seed: 5 }) }).apply(
    tfl.layers.reLU().apply(tfl.layers.add().apply([up, e1]) as tfl.SymbolicTensor) as tfl.SymbolicTensor,
  ) as tfl.SymbolicTensor;
  const gated = tfl.layers.multiply().apply([e1, att]) as tfl.SymbolicTensor;
  const merged = block(tfl.layers.concatenate().apply([up, gated]) as tfl.SymbolicTensor, 8, 1);
  const output = tfl.layers.conv2d({ filters: 2, kernelSize: 1, activation: 'softmax', kernelInitializer: tfl.initializers.glorotUniform({ seed: 6 }) }).apply(merged) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: output });
}

/** Soft Dice + cross-entropy, the segmentation loss the engine trains with. */
function diceCrossEntropy(labels: tf.Tensor, probs: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const ce = tf.neg(tf.mean(tf.sum(tf.mul(labels, tf.log(tf.clipByValue(probs, 1e-7, 1))), -1)));
    const inter = tf.sum(tf.mul(labels, probs), [0, 1, 2]);
    const denom = tf.add(tf.sum(labels, [0, 1, 2]), tf.sum(probs, [0, 1, 2]));
    const dice = tf.sub(1, tf.mean(tf.div(tf.add(tf.mul(2, inter), 1), tf.add(denom, 1))));
    return tf.add(ce, dice) as tf.Scalar;
  });
}

describe('training on wasm', () => {
  let previousBackend: string | undefined;

  beforeAll(async () => {
    previousBackend = tf.getBackend() as string | undefined;
    expect((await initCompute({ backend: 'wasm' })).backend).toBe('wasm');
  });

  afterAll(async () => {
    resetComputeCache();
    if (previousBackend !== undefined) await tf.setBackend(previousBackend);
  });

  // With the native kernels when they are built (the default), and with the wasm kernels alone.
  it.each(['default kernels', 'native kernels off'])('gives the same weight gradients as cpu for a small conv net (%s)', async (variant) => {
    const expected = await gradientsOn('cpu');
    if (variant === 'native kernels off') unregisterNativeKernels();
    try {
      const actual = await gradientsOn('wasm');
      for (const name of Object.keys(WEIGHT_SHAPES)) {
        const err = relativeError(actual[name]!, expected[name]!);
        expect({ name, ok: err <= TOLERANCE, err }).toEqual({ name, ok: true, err });
      }
    } finally {
      registerNativeKernels();
    }
  });

  it('runs Adam steps of a U-Net without leaking tensors', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const model = buildUnet(32);
    const optimizer = tf.train.adam(1e-3);
    const x = tf.tensor4d(randomData(2 * 32 * 32, 7), [2, 32, 32, 1]);
    const rng = createRng(8);
    const labels = tf.tidy(() => tf.oneHot(tf.tensor3d(Int32Array.from({ length: 2 * 32 * 32 }, () => rng.nextInt(2)), [2, 32, 32], 'int32'), 2));
    const step = (): number => {
      const cost = optimizer.minimize(() => diceCrossEntropy(labels, model.apply(x, { training: true }) as tf.Tensor), true);
      if (cost === null) throw new Error('minimize returned no cost');
      const value = cost.dataSync()[0]!;
      cost.dispose();
      return value;
    };
    const first = step(); // creates Adam's moment variables
    const steady = tf.memory().numTensors;
    const losses = [first, step(), step(), step()];
    expect(tf.memory().numTensors).toBe(steady);
    for (const l of losses) expect(Number.isFinite(l)).toBe(true);
    expect(losses[3]!).toBeLessThan(losses[0]!);
    tf.dispose([x, labels]);
    optimizer.dispose();
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
