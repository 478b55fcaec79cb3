import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { InvalidInputError } from '../core/errors';
import { imageEntropy, pixelEntropy } from '../selection/entropy';
import { syntheticDisks } from './__fixtures__/syntheticDisks';
import { buildAttentionUnet } from './attentionUnet';
import { predict, predictBatch } from './inference';

// An untrained network suffices here: these tests check the bookkeeping around the forward
// pass (the trained-model behaviour is in train.test.ts and modelStore.test.ts).
const size = 16;
const classes = 3;
let model: tfl.LayersModel;
const disks = syntheticDisks(3, size, 11);

beforeAll(async () => {
  await tf.setBackend('cpu');
  model = buildAttentionUnet({ inputSize: size, classes, depth: 2, baseChannels: 2, seed: 9 });
});
afterAll(() => model.dispose());

describe('predict', () => {
  it('returns channels-last probabilities, their argmax, eq. (5) per pixel and eq. (6) per image', () => {
    const p = predict(model, disks.images[0]!, size);
    expect(p.probabilities).toHaveLength(size * size * classes);
    expect(p.mask).toHaveLength(size * size);
    for (let u = 0; u < size * size; u++) {
      const row = Array.from(p.probabilities.subarray(u * classes, (u + 1) * classes));
      expect(row.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
      expect(row[p.mask[u]!]).toBe(Math.max(...row));
    }
    expect(Array.from(p.entropyMap)).toEqual(Array.from(pixelEntropy(p.probabilities, classes)));
    expect(p.meanEntropy).toBe(imageEntropy(p.probabilities, classes));
    expect(p.meanEntropy).toBeGreaterThan(0);
    expect(p.meanEntropy).toBeLessThanOrEqual(Math.log(classes));
  });

  it('gives the same result one by one and in batches, without leaking tensors', () => {
    const before = tf.memory().numTensors;
    const batched = predictBatch(model, disks.images, size, { batchSize: 2 });
    expect(batched).toHaveLength(3);
    batched.forEach((b, i) => {
      const single = predict(model, disks.images[i]!, size);
      expect(Array.from(b.probabilities)).toEqual(Array.from(single.probabilities));
      expect(b.meanEntropy).toBe(single.meanEntropy);
    });
    expect(predictBatch(model, [], size)).toEqual([]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('passes the ε of eq. (5) through', () => {
    const p = predict(model, disks.images[0]!, size, { epsilon: 0.5 });
    expect(Array.from(p.entropyMap)).toEqual(Array.from(pixelEntropy(p.probabilities, classes, 0.5)));
  });

  it('rejects images that do not fit the network', () => {
    expect(() => predict(model, new Float32Array(10), size)).toThrow(/image 0 has 10 values/);
    expect(() => predict(model, new Float32Array(64), 8)).toThrow(/expects 16×16×1/);
    expect(() => predict(model, new Float32Array(size * size).fill(Number.POSITIVE_INFINITY), size)).toThrow(InvalidInputError);
    expect(() => predictBatch(model, disks.images, size, { batchSize: 0 })).toThrow(/batchSize/);
  });
});
