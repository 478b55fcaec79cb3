import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { CancelledError, InvalidInputError } from '../../core/errors';
import type { GrayImage } from '../types';
import { toyPool } from './testImages';
import { trainSelfSupervised, type SelfSupervisedTrainOptions, type SelfSupervisedTrainProgress } from './trainSelfSupervised';

// The tfjs cpu backend's conv gradient is a naive loop: at 16² a step of the default widths
// (16…128) takes seconds on a busy 2-core machine, so these trainings use narrow blocks and a
// handful of steps.
const tiny: SelfSupervisedTrainOptions = { seed: 1, inputSize: 16, channels: [4, 8, 16, 32], batchSize: 4 };

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const weightsOf = (t: { representation: { getWeights(): tf.Tensor[] } }): number[][] => t.representation.getWeights().map((w) => Array.from(w.dataSync()));

describe('trainSelfSupervised', () => {
  const pool = toyPool(16, 2); // 2 disks, 2 stripes

  it.each<[string, readonly GrayImage[], Partial<SelfSupervisedTrainOptions>, RegExp]>([
    ['one image', pool.slice(0, 1), {}, /at least 2 images/],
    ['batch of 1', pool, { batchSize: 1 }, /batchSize must be an integer ≥ 2/],
    ['zero epochs', pool, { epochs: 0 }, /epochs/],
    ['non-positive learning rate', pool, { learningRate: 0 }, /learningRate/],
    ['zero temperature', pool, { temperature: 0 }, /temperature/],
    ['too small input', pool, { inputSize: 4 }, /inputSize/],
    ['a bad augmentation', pool, { augment: { cropArea: [0, 1] } }, /cropArea/],
    ['a NaN pixel', [...pool, { width: 2, height: 2, data: Float32Array.of(0, 1, Number.NaN, 2) }], {}, /image 4 pixel 2/],
    ['ragged image', [...pool, { width: 2, height: 2, data: new Float32Array(3) }], {}, /3 values/],
  ])('rejects %s with InvalidInputError and leaks nothing', async (_name, images, options, message) => {
    const before = tf.memory().numTensors;
    const run = trainSelfSupervised(images, { ...tiny, epochs: 1, ...options });
    await expect(run).rejects.toThrow(InvalidInputError);
    await expect(trainSelfSupervised(images, { ...tiny, epochs: 1, ...options })).rejects.toThrow(message);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is deterministic for a seed, differs for another, is finite and leaks no tensor', async () => {
    const before = tf.memory().numTensors;
    const progress: SelfSupervisedTrainProgress[] = [];
    const a = await trainSelfSupervised(pool, { ...tiny, epochs: 2, onProgress: (p) => progress.push(p) });
    const b = await trainSelfSupervised(pool, { ...tiny, epochs: 2 });
    const c = await trainSelfSupervised(pool, { ...tiny, epochs: 2, seed: 2 });
    expect(a.summary.lossHistory).toHaveLength(2);
    expect(a.summary.lossHistory.every(Number.isFinite)).toBe(true);
    expect(b.summary.lossHistory).toEqual(a.summary.lossHistory);
    expect(weightsOf(b)).toEqual(weightsOf(a));
    expect(c.summary.lossHistory).not.toEqual(a.summary.lossHistory);
    expect(weightsOf(a).every((w) => w.every(Number.isFinite))).toBe(true);
    expect(a.summary).toMatchObject({ inputSize: 16, dimensions: 32, epochs: 2, steps: 2, batchSize: 4, images: 4, backend: 'cpu', temperature: 0.2 });
    expect(a.summary.finalLoss).toBe(a.summary.lossHistory[1]);
    expect(progress.map((p) => [p.epoch, p.epochs, p.steps])).toEqual([[1, 2, 1], [2, 2, 2]]);
    expect(progress[1]!.loss).toBe(a.summary.lossHistory[1]);
    // The representation network alone: image in, 32-d vector out; the projection head is gone.
    expect(a.representation.outputs[0]!.shape).toEqual([null, 32]);
    for (const t of [a, b, c]) t.dispose();
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);

  it('stops with CancelledError when aborted, before or during training, and leaks nothing', async () => {
    const before = tf.memory().numTensors;
    const aborted = new AbortController();
    aborted.abort();
    await expect(trainSelfSupervised(pool, { ...tiny, signal: aborted.signal })).rejects.toThrow(CancelledError);
    const during = new AbortController();
    await expect(trainSelfSupervised(pool, { ...tiny, epochs: 50, signal: during.signal, onProgress: () => during.abort() })).rejects.toThrow(CancelledError);
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);

  it('lowers the contrastive loss on disks vs stripes within a few steps', async () => {
    // 8 steps of 16 views. Each epoch's loss is one batch with fresh augmentations, so single
    // steps are noisy; the first and last three are compared (cpu is deterministic: no flakiness).
    const trained = await trainSelfSupervised(toyPool(16, 4), { ...tiny, batchSize: 8, epochs: 8, learningRate: 1e-2 });
    const history = trained.summary.lossHistory;
    const mean = (values: readonly number[]): number => values.reduce((s, v) => s + v, 0) / values.length;
    expect(history[0]).toBeGreaterThan(Math.log(15) - 0.5); // about chance at the start: log(2N − 1)
    expect(mean(history.slice(-3))).toBeLessThan(mean(history.slice(0, 3)) - 0.2);
    trained.dispose();
  }, 60_000);
});
