import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { CancelledError, InvalidInputError } from '../core/errors';
import { pixelEntropy } from '../selection/entropy';
import { syntheticDisks } from './__fixtures__/syntheticDisks';
import { buildAttentionUnet } from './attentionUnet';
import { predict } from './inference';
import { trainSegmentation, type TrainOptions, type TrainProgress } from './train';

// The tfjs cpu backend's conv gradient is a naive loop (~1 s per step even at 16×16 on a busy
// 2-core machine), so every training here is a few steps of a tiny network.
const tiny = { classes: 2, depth: 2, baseChannels: 2, seed: 5 } as const;

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('trainSegmentation: validation', () => {
  const d = syntheticDisks(2, 8, 1);
  const data = { images: d.images, masks: d.masks, size: 8 };
  const opts: TrainOptions = { ...tiny, epochs: 1 };

  it.each<[string, Parameters<typeof trainSegmentation>[0], TrainOptions, RegExp]>([
    ['no image', { images: [], masks: [], size: 8 }, opts, /at least one/],
    ['masks ≠ images', { ...data, masks: [d.masks[0]!] }, opts, /2 images but 1 masks/],
    ['wrong image size', { ...data, images: [d.images[0]!, new Float32Array(10)] }, opts, /image 1 has 10 values/],
    ['label ≥ classes', { ...data, masks: [d.masks[0]!, new Uint8Array(64).fill(2)] }, opts, /mask 1 has label 2/],
    ['non-finite intensity', { ...data, images: [d.images[0]!, new Float32Array(64).fill(Number.NaN)] }, opts, /non-finite/],
    ['size not divisible', { images: [new Float32Array(36)], masks: [new Uint8Array(36)], size: 6 }, { ...opts, depth: 3 }, /multiple of 2\^\(depth − 1\) = 4/],
    ['zero epochs', data, { ...opts, epochs: 0 }, /epochs/],
    ['duplicate ids', data, { ...opts, ids: ['a', 'a'] }, /appears twice/],
  ])('rejects %s', async (_name, badData, badOptions, message) => {
    const before = tf.memory().numTensors;
    const run = trainSegmentation(badData, badOptions);
    await expect(run).rejects.toThrow(InvalidInputError);
    await expect(trainSegmentation(badData, badOptions)).rejects.toThrow(message);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('trainSegmentation: determinism, leaks, cancellation', () => {
  const d = syntheticDisks(4, 8, 2);
  const data = { images: d.images, masks: d.masks, size: 8 };
  const opts: TrainOptions = { ...tiny, epochs: 2, dropout: 0.2, ids: ['a', 'b', 'c', 'd'] };

  it('is reproducible for a seed, differs for another, and leaks no tensor', async () => {
    const before = tf.memory().numTensors;
    const a = await trainSegmentation(data, opts);
    const b = await trainSegmentation(data, opts);
    const c = await trainSegmentation(data, { ...opts, seed: 6 });
    expect(a.lossHistory).toHaveLength(2);
    expect(b.lossHistory).toEqual(a.lossHistory);
    expect(c.lossHistory).not.toEqual(a.lossHistory);
    const wa = a.model.getWeights().map((w) => Array.from(w.dataSync()));
    const wb = b.model.getWeights().map((w) => Array.from(w.dataSync()));
    expect(wb).toEqual(wa);
    expect(a.ids).toEqual(['a', 'b', 'c', 'd']);
    expect(a.backend).toBe('cpu');
    expect(a.finalLoss).toBe(a.lossHistory[1]);
    // Training reseeds dropout every step but restores the build-time seeds afterwards, so the
    // saved topology equals a freshly built network's.
    const fresh = buildAttentionUnet({ ...opts, inputSize: 8 });
    expect(a.model.getLayer('enc0_drop1').getConfig()).toEqual(fresh.getLayer('enc0_drop1').getConfig());
    fresh.dispose();
    [a, b, c].forEach((m) => m.dispose());
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);

  it('cancels between batches through the signal and releases everything', async () => {
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    const seen: number[] = [];
    const run = trainSegmentation(data, {
      ...opts,
      epochs: 50,
      signal: controller.signal,
      onProgress: (p) => {
        seen.push(p.epoch);
        controller.abort();
      },
    });
    await expect(run).rejects.toThrow(CancelledError);
    expect(seen).toEqual([1]);
    expect(tf.memory().numTensors).toBe(before);
    await expect(trainSegmentation(data, { ...opts, signal: AbortSignal.abort() })).rejects.toThrow(CancelledError);
    expect(tf.memory().numTensors).toBe(before);
  }, 60_000);
});

describe('trainSegmentation: bright disks on a dark background', () => {
  const size = 16;
  const train = syntheticDisks(6, size, 7);
  const heldOut = syntheticDisks(1, size, 99);
  const progress: TrainProgress[] = [];
  let trained: Awaited<ReturnType<typeof trainSegmentation>>;

  beforeAll(async () => {
    trained = await trainSegmentation(
      { images: train.images, masks: train.masks, size },
      // A learning rate above the paper's 1e-3 so that a few epochs suffice.
      { classes: 2, depth: 2, baseChannels: 2, dropout: 0.1, learningRate: 3e-2, epochs: 8, seed: 42, onProgress: (p) => progress.push(p) },
    );
  }, 120_000);
  afterAll(() => trained.dispose());

  it('reduces the loss clearly within a few epochs and reports progress per epoch', () => {
    expect(progress.map((p) => p.epoch)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(progress.every((p) => p.epochs === 8 && p.seconds > 0)).toBe(true);
    expect(progress[7]!.etaSeconds).toBe(0);
    const losses = trained.lossHistory;
    expect(losses[7]!).toBeLessThan(0.6 * losses[0]!);
  });

  it('segments a held-out disk, with entropy (eq. 5) highest at the disk boundary', () => {
    const p = predict(trained.model, heldOut.images[0]!, size);
    expect(Array.from(p.entropyMap)).toEqual(Array.from(pixelEntropy(p.probabilities, 2)));
    let correct = 0;
    p.mask.forEach((m, u) => (correct += m === heldOut.masks[0]![u] ? 1 : 0));
    expect(correct / (size * size)).toBeGreaterThan(0.85);
    // Distance of each pixel centre to the true circle.
    const [cy, cx] = heldOut.centres[0]!;
    const r = heldOut.radii[0]!;
    const band: number[] = [];
    const far: number[] = [];
    let argmax = 0;
    for (let u = 0; u < size * size; u++) {
      const d = Math.abs(Math.hypot(Math.floor(u / size) + 0.5 - cy, (u % size) + 0.5 - cx) - r);
      if (d < 1.5) band.push(p.entropyMap[u]!);
      else if (d > 4) far.push(p.entropyMap[u]!);
      if (p.entropyMap[u]! > p.entropyMap[argmax]!) argmax = u;
    }
    const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
    expect(mean(band)).toBeGreaterThan(1.5 * mean(far));
    const dMax = Math.abs(Math.hypot(Math.floor(argmax / size) + 0.5 - cy, (argmax % size) + 0.5 - cx) - r);
    expect(dMax).toBeLessThan(2);
  });
});
