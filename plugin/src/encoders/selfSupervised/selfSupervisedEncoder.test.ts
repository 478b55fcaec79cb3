import '@tensorflow/tfjs-backend-cpu';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { InvalidInputError } from '../../core/errors';
import { BACKEND_ENV_VAR } from '../../compute/backend';
import { createEncoderRegistry } from '../encoderRegistry';
import { phantom, rings } from '../testImages';
import { buildContrastiveModel } from './contrastiveModel';
import { SelfSupervisedEncoder } from './selfSupervisedEncoder';
import { loadSelfSupervisedEncoder, saveSelfSupervisedEncoder } from './selfSupervisedStore';
import { disk, stripes, toyPool } from './testImages';
import { trainSelfSupervised } from './trainSelfSupervised';

/** An untrained representation network: forward passes only, cheap on the cpu backend. */
async function untrained(seed: number, inputSize = 16): Promise<SelfSupervisedEncoder> {
  const { representation, head } = buildContrastiveModel({ seed, inputSize });
  head.dispose();
  return SelfSupervisedEncoder.create(representation, { batchSize: 2 });
}

const images = [phantom(40), rings(33), { width: 20, height: 9, data: new Float32Array(180).fill(7) }, disk(16, 1), stripes(24, 2)];

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('SelfSupervisedEncoder', () => {
  it('returns L2-normalised 128-d rows (default widths), deterministically and independent of the batch', async () => {
    const encoder = await untrained(3);
    expect(encoder.dimensions()).toBe(128);
    expect(encoder.inputSize).toBe(16);
    const stages: number[] = [];
    const e = await encoder.embed(images, (p) => stages.push(p.fraction));
    expect(e.length).toBe(images.length * 128);
    for (let i = 0; i < images.length; i++) {
      const row = e.subarray(i * 128, (i + 1) * 128);
      const norm = Math.sqrt(row.reduce((s, v) => s + v * v, 0));
      // Image 2 is constant: it z-scores to zeros, which the untrained network (no conv bias,
      // BatchNorm still at mean 0 / shift 0) maps to an all-zero vector, left as zeros.
      expect(norm).toBeCloseTo(i === 2 ? 0 : 1, 5);
    }
    expect(Array.from(await encoder.embed(images))).toEqual(Array.from(e));
    const one = await encoder.embed([images[1]!]);
    one.forEach((v, k) => expect(v).toBeCloseTo(e[128 + k]!, 5));
    expect(stages[0]).toBe(0);
    expect(stages[stages.length - 1]).toBe(1);
    expect(await encoder.embed([])).toEqual(new Float32Array(0));
    encoder.dispose();
  });

  it('version is self-supervised@<12 hex>, equal for equal weights, different when the weights change', async () => {
    const a = await untrained(3);
    const b = await untrained(3);
    const c = await untrained(4);
    expect(a.version).toMatch(/^self-supervised@[0-9a-f]{12}$/);
    expect(b.version).toBe(a.version);
    expect(c.version).not.toBe(a.version);
    // Same weights, one value nudged: another version.
    const weights = b.network.getWeights();
    const nudged = weights.map((w, i) => (i === 0 ? tf.add(w, 1e-3) : w));
    b.network.setWeights(nudged);
    tf.dispose(nudged[0]!);
    const d = await SelfSupervisedEncoder.create(b.network);
    expect(d.version).not.toBe(a.version);
    for (const e of [a, c, d]) e.dispose();
  });

  it('refuses bad images and a network of the wrong shape with InvalidInputError', async () => {
    const encoder = await untrained(5);
    await expect(encoder.embed([{ width: 2, height: 2, data: new Float32Array(3) }])).rejects.toThrow(InvalidInputError);
    await expect(encoder.embed([{ width: 0, height: 2, data: new Float32Array(0) }])).rejects.toThrow(/invalid size/);
    await expect(encoder.embed([{ width: 1, height: 2, data: Float32Array.of(1, Number.POSITIVE_INFINITY) }])).rejects.toThrow(/Infinity/);
    const { head, representation } = buildContrastiveModel({ seed: 1, inputSize: 16 });
    await expect(SelfSupervisedEncoder.create(head)).rejects.toThrow(/\[b, S, S, 1\] → \[b, D\]/);
    await expect(SelfSupervisedEncoder.create(representation, { batchSize: 0 })).rejects.toThrow(/batchSize/);
    head.dispose();
    representation.dispose();
    encoder.dispose();
  });
});

describe('saving, loading and the registry entry', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'scanselect-ssl-'));
  });
  afterAll(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('save → load gives the same version, embeddings and training summary', async () => {
    const trained = await trainSelfSupervised(toyPool(16, 2), { seed: 2, inputSize: 16, channels: [4, 8, 8, 16], batchSize: 4, epochs: 1 });
    const encoder = await SelfSupervisedEncoder.create(trained.representation, { training: trained.summary });
    expect(encoder.dimensions()).toBe(16);
    const target = path.join(dir, 'pool-a');
    await saveSelfSupervisedEncoder(encoder, target);
    expect((await fs.readdir(target)).sort()).toEqual(['metadata.json', 'model.json', 'weights.bin']);
    const loaded = await loadSelfSupervisedEncoder(target);
    expect(loaded.version).toBe(encoder.version);
    expect(loaded.training).toEqual(trained.summary);
    expect(Array.from(await loaded.embed(images))).toEqual(Array.from(await encoder.embed(images)));
    loaded.dispose();
    encoder.dispose();
  }, 60_000);

  it('refuses a missing or corrupt directory with InvalidInputError', async () => {
    await expect(loadSelfSupervisedEncoder(path.join(dir, 'absent'))).rejects.toThrow(/not a directory. Train one/);
    const encoder = await untrained(6);
    const target = path.join(dir, 'corrupt');
    await saveSelfSupervisedEncoder(encoder, target);
    encoder.dispose();
    const weightsFile = path.join(target, 'weights.bin');
    const weights = await fs.readFile(weightsFile);
    weights[0] ^= 0xff;
    await fs.writeFile(weightsFile, weights);
    await expect(loadSelfSupervisedEncoder(target)).rejects.toThrow(/metadata.json says/);
    await fs.writeFile(weightsFile, weights.subarray(4));
    await expect(loadSelfSupervisedEncoder(target)).rejects.toThrow(/weights.bin has \d+ bytes, the manifest describes \d+/);
    await fs.writeFile(path.join(target, 'metadata.json'), '{"kind":"scanselect-attention-unet","formatVersion":1}');
    await expect(loadSelfSupervisedEncoder(target)).rejects.toThrow(InvalidInputError);
    await fs.rm(path.join(target, 'model.json'));
    await expect(loadSelfSupervisedEncoder(target)).rejects.toThrow(/model.json is missing/);
  });

  it('the self-supervised registry entry loads weights from `model` and names how to train them when absent', async () => {
    const factory = createEncoderRegistry().get('self-supervised');
    await expect(factory.create({})).rejects.toThrow(InvalidInputError);
    await expect(factory.create({})).rejects.toThrow(/trainSelfSupervised/);
    await expect(factory.create({ model: path.join(dir, 'absent') })).rejects.toThrow(/not a directory/);
    const encoder = await untrained(7);
    const target = path.join(dir, 'registry');
    await saveSelfSupervisedEncoder(encoder, target);
    // The factory initialises compute like tfjs-model does; keep this process on cpu.
    const previous = process.env[BACKEND_ENV_VAR];
    process.env[BACKEND_ENV_VAR] = 'cpu';
    try {
      const created = await factory.create({ model: target, inputSize: 256 });
      expect(created.version).toBe(encoder.version);
      expect(tf.getBackend()).toBe('cpu');
      created.dispose();
    } finally {
      if (previous === undefined) delete process.env[BACKEND_ENV_VAR];
      else process.env[BACKEND_ENV_VAR] = previous;
    }
    encoder.dispose();
  });
});
