import '@tensorflow/tfjs-backend-cpu';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { InvalidInputError } from '../core/errors';
import { syntheticDisks } from './__fixtures__/syntheticDisks';
import { predictBatch } from './inference';
import { loadModel, MODEL_FORMAT_VERSION, saveModel, type ModelMetadata } from './modelStore';
import { trainSegmentation, type TrainedModel } from './train';

const size = 8;
const disks = syntheticDisks(2, size, 3);
let root: string;
let trained: TrainedModel;

beforeAll(async () => {
  await tf.setBackend('cpu');
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'scanselect-models-'));
  // One epoch moves the BatchNorm statistics away from their initial values, so the round trip
  // covers the non-trainable weights too.
  trained = await trainSegmentation(
    { images: disks.images, masks: disks.masks, size },
    { classes: 2, depth: 2, baseChannels: 2, dropout: 0.15, epochs: 1, seed: 43, ids: ['scan-a', 'scan-b'] },
  );
}, 60_000);

afterAll(async () => {
  trained.dispose();
  await fs.rm(root, { recursive: true, force: true });
});

async function copyDir(from: string, to: string): Promise<void> {
  await fs.mkdir(to, { recursive: true });
  for (const f of await fs.readdir(from)) await fs.copyFile(path.join(from, f), path.join(to, f));
}

describe('saveModel / loadModel', () => {
  it('round-trips weights, metadata and predictions exactly', async () => {
    const dir = path.join(root, 'round-trip');
    await saveModel(trained, dir);
    expect((await fs.readdir(dir)).sort()).toEqual(['metadata.json', 'model.json', 'weights.bin']);
    const meta = JSON.parse(await fs.readFile(path.join(dir, 'metadata.json'), 'utf8')) as ModelMetadata;
    expect(meta).toMatchObject({
      formatVersion: MODEL_FORMAT_VERSION,
      classes: 2,
      inputSize: size,
      depth: 2,
      baseChannels: 2,
      dropout: 0.15,
      seed: 43,
      trainingIds: ['scan-a', 'scan-b'],
      backend: 'cpu',
      epochs: 1,
      batchSize: 2,
      learningRate: 1e-3,
      finalLoss: trained.finalLoss,
    });
    expect(Number.isNaN(Date.parse(meta.createdAt))).toBe(false);

    const before = tf.memory().numTensors;
    const loaded = await loadModel(dir);
    expect(loaded.config).toEqual(trained.config);
    expect(loaded.ids).toEqual(['scan-a', 'scan-b']);
    expect(loaded.lossHistory).toEqual(trained.lossHistory);
    const w0 = trained.model.getWeights().map((w) => Array.from(w.dataSync()));
    const w1 = loaded.model.getWeights().map((w) => Array.from(w.dataSync()));
    expect(w1).toEqual(w0);
    const p0 = predictBatch(trained.model, disks.images, size);
    const p1 = predictBatch(loaded.model, disks.images, size);
    p0.forEach((p, i) => {
      expect(Array.from(p1[i]!.probabilities)).toEqual(Array.from(p.probabilities));
      expect(p1[i]!.meanEntropy).toBe(p.meanEntropy);
    });
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('explains a missing or corrupt directory', async () => {
    const good = path.join(root, 'good');
    await saveModel(trained, good);

    await expect(loadModel(path.join(root, 'nope'))).rejects.toThrow(/no saved model/);

    const noWeights = path.join(root, 'no-weights');
    await copyDir(good, noWeights);
    await fs.rm(path.join(noWeights, 'weights.bin'));
    await expect(loadModel(noWeights)).rejects.toThrow(/weights\.bin is missing/);

    const noMeta = path.join(root, 'no-meta');
    await copyDir(good, noMeta);
    await fs.rm(path.join(noMeta, 'metadata.json'));
    await expect(loadModel(noMeta)).rejects.toThrow(/metadata\.json is missing/);

    const badJson = path.join(root, 'bad-json');
    await copyDir(good, badJson);
    await fs.writeFile(path.join(badJson, 'model.json'), '{"modelTopology": ');
    await expect(loadModel(badJson)).rejects.toThrow(/model\.json is not valid JSON/);

    const truncated = path.join(root, 'truncated');
    await copyDir(good, truncated);
    const bytes = await fs.readFile(path.join(truncated, 'weights.bin'));
    await fs.writeFile(path.join(truncated, 'weights.bin'), bytes.subarray(0, bytes.length - 8));
    await expect(loadModel(truncated)).rejects.toThrow(/bytes, the manifest describes/);

    const future = path.join(root, 'future');
    await copyDir(good, future);
    const meta = JSON.parse(await fs.readFile(path.join(future, 'metadata.json'), 'utf8')) as Record<string, unknown>;
    await fs.writeFile(path.join(future, 'metadata.json'), JSON.stringify({ ...meta, formatVersion: 99 }));
    await expect(loadModel(future)).rejects.toThrow(/format version 99/);

    const mismatch = path.join(root, 'mismatch');
    await copyDir(good, mismatch);
    await fs.writeFile(path.join(mismatch, 'metadata.json'), JSON.stringify({ ...meta, classes: 3 }));
    const before = tf.memory().numTensors;
    await expect(loadModel(mismatch)).rejects.toThrow(/metadata says 8×8 images and 3 classes/);
    expect(tf.memory().numTensors).toBe(before);

    await expect(loadModel(truncated)).rejects.toThrow(InvalidInputError);
  });
});
