/**
 * Training of the segmentation network on the labelled set (method paper, section 4.2): Attention
 * U-Net, Dice + cross-entropy loss, Adam, batch size 2, learning rate 1e-3, retrained from scratch
 * in every active-learning round from weights fixed by the run seed (section 4.1.2: "within a
 * run, all models share identical initial weights and differ only in the labeled set").
 *
 * A hand-written loop (rather than `model.fit`) so that cancellation is checked between batches,
 * progress is reported per epoch, dropout is reseeded deterministically at each step, and every
 * tensor it creates is accounted for. It runs on whatever tfjs backend is active.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { CancelledError, InvalidInputError } from '../core/errors';
import { createRng, shuffleInPlace, type Rng } from '../random/rng';
import { buildAttentionUnet, resolveAttentionUnetConfig, type ResolvedAttentionUnetConfig } from './attentionUnet';
import { diceCeLoss, oneHotMasks } from './losses';
import { adamOptimizer } from '../compute/nativeAdam';

/** Labelled images: S × S z-scored intensities (eq. 11) and S × S label maps with values 0 … C − 1. */
export interface SegmentationData {
  readonly images: readonly Float32Array[];
  readonly masks: readonly Uint8Array[];
  /** Side S of every image and mask. */
  readonly size: number;
}

/** Reported once per finished epoch. */
export interface TrainProgress {
  /** 1-based number of the epoch just finished. */
  readonly epoch: number;
  readonly epochs: number;
  /** Mean training loss over the epoch's batches. */
  readonly loss: number;
  /** Wall-clock seconds since training started. */
  readonly seconds: number;
  /** Remaining seconds, extrapolated from the mean epoch time so far. */
  readonly etaSeconds: number;
}

/** Options of {@link trainSegmentation}; defaults follow the paper (section 4.2). */
export interface TrainOptions {
  /** Classes C, background included. */
  readonly classes: number;
  /** Paper: 120 (chest X-ray), 150 (brain). */
  readonly epochs: number;
  /** Default 2. */
  readonly batchSize?: number;
  /** Adam learning rate η; default 1e-3. */
  readonly learningRate?: number;
  /** Run seed: fixes the initial weights, the shuffling and the dropout masks. */
  readonly seed: number;
  readonly depth?: number;
  readonly baseChannels?: number;
  /** Paper: 0.15 (chest X-ray), 0.10 (brain); default 0. */
  readonly dropout?: number;
  /** Checked between batches; aborting throws {@link CancelledError}. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: TrainProgress) => void;
  /** Identifiers of the training images, recorded in the saved metadata. */
  readonly ids?: readonly string[];
}

/** A trained network and what is needed to reproduce or describe it. */
export interface TrainedModel {
  /** Maps `[batch, S, S, 1]` images to `[batch, S, S, C]` softmax probabilities. */
  readonly model: tfl.LayersModel;
  readonly config: ResolvedAttentionUnetConfig;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  /** Mean loss of each epoch. */
  readonly lossHistory: readonly number[];
  /** Mean loss of the last epoch (NaN if none was recorded). */
  readonly finalLoss: number;
  /** Training image ids (empty when none were given). */
  readonly ids: readonly string[];
  /** The tfjs backend the model was trained on. */
  readonly backend: string;
  /** Wall-clock training time. */
  readonly seconds: number;
  /** Releases the weights; the model cannot be used afterwards. */
  dispose(): void;
}

/** Adam's β1, β2 and ε as in PyTorch (`torch.optim.Adam` defaults). */
const ADAM_BETA1 = 0.9;
const ADAM_BETA2 = 0.999;
const ADAM_EPSILON = 1e-8;

/**
 * Trains a fresh Attention U-Net (weights from `buildAttentionUnet({ seed })`) on the labelled
 * set and returns it. Deterministic for a given seed on a deterministic backend (cpu): same
 * data, options and seed → same loss history and weights.
 */
export async function trainSegmentation(data: SegmentationData, options: TrainOptions): Promise<TrainedModel> {
  const { batchSize, learningRate, epochs } = validate(data, options);
  const config = resolveAttentionUnetConfig({
    inputSize: data.size,
    classes: options.classes,
    depth: options.depth,
    baseChannels: options.baseChannels,
    dropout: options.dropout,
    seed: options.seed,
  });
  throwIfAborted(options.signal);

  // Independent streams for shuffling and dropout, derived from the run seed (section 4.1.2).
  const root = createRng(options.seed);
  const shuffleRng = root.fork();
  const dropoutRng = root.fork();

  const started = performance.now();
  const model = buildAttentionUnet(config);
  const optimizer = adamOptimizer(learningRate, ADAM_BETA1, ADAM_BETA2, ADAM_EPSILON);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const dropouts = model.layers.filter((layer) => layer.getClassName() === 'Dropout');
  const initialDropoutSeeds = dropouts.map((layer) => Reflect.get(layer, 'seed') as unknown);
  const n = data.images.length;
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const lossHistory: number[] = [];
  let succeeded = false;
  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      shuffleInPlace(order, shuffleRng);
      let lossSum = 0;
      let batches = 0;
      for (let start = 0; start < n; start += batchSize) {
        // Let abort events and timers run, then honour them before spending a step.
        await new Promise<void>((resolve) => setImmediate(resolve));
        throwIfAborted(options.signal);
        const batch = order.subarray(start, Math.min(start + batchSize, n));
        reseedDropout(dropouts, dropoutRng);
        const cost = tf.tidy((): tf.Scalar => {
          const [x, y] = batchTensors(data, batch, options.classes);
          const scalar = optimizer.minimize(() => diceCeLoss(y, model.apply(x, { training: true }) as tf.Tensor4D), true, variables);
          if (scalar === null) throw new Error('optimizer returned no loss');
          return scalar;
        });
        const value = (await cost.data())[0]!;
        cost.dispose();
        lossSum += value;
        batches++;
      }
      const loss = lossSum / batches;
      lossHistory.push(loss);
      const seconds = (performance.now() - started) / 1000;
      options.onProgress?.({ epoch, epochs, loss, seconds, etaSeconds: (seconds / epoch) * (epochs - epoch) });
    }
    throwIfAborted(options.signal);
    succeeded = true;
  } finally {
    optimizer.dispose();
    // Put back the build-time seeds so that the saved topology equals the freshly built one.
    dropouts.forEach((layer, i) => Reflect.set(layer, 'seed', initialDropoutSeeds[i]));
    if (!succeeded) model.dispose();
  }
  return {
    model,
    config,
    epochs,
    batchSize,
    learningRate,
    lossHistory,
    finalLoss: lossHistory.length > 0 ? lossHistory[lossHistory.length - 1]! : Number.NaN,
    ids: options.ids ? [...options.ids] : [],
    backend: tf.getBackend(),
    seconds: (performance.now() - started) / 1000,
    dispose: () => {
      model.dispose();
    },
  };
}

/**
 * tfjs draws a seeded dropout layer's mask from a generator re-created from that seed on every
 * call, i.e. the same mask at every step. A fresh seed per layer and step from the run's stream
 * keeps dropout random across steps yet reproducible across runs. (The seed is a private field
 * of tfjs' Dropout that `call` reads each time; Reflect keeps this type-safe without casts.)
 */
function reseedDropout(layers: readonly tfl.LayersModel['layers'][number][], rng: Rng): void {
  for (const layer of layers) Reflect.set(layer, 'seed', rng.nextUint32());
}

/** `[b, S, S, 1]` images and `[b, S, S, C]` one-hot masks for the given sample indices. */
function batchTensors(data: SegmentationData, batch: Int32Array, classes: number): [tf.Tensor4D, tf.Tensor4D] {
  const pixels = data.size * data.size;
  const x = new Float32Array(batch.length * pixels);
  const labels = new Int32Array(batch.length * pixels);
  batch.forEach((index, b) => {
    x.set(data.images[index]!, b * pixels);
    labels.set(data.masks[index]!, b * pixels);
  });
  return [tf.tensor4d(x, [batch.length, data.size, data.size, 1]), oneHotMasks(labels, batch.length, data.size, classes)];
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError('segmentation training cancelled');
}

function validate(data: SegmentationData, options: TrainOptions): { batchSize: number; learningRate: number; epochs: number } {
  const batchSize = options.batchSize ?? 2;
  const learningRate = options.learningRate ?? 1e-3;
  const { epochs, classes } = options;
  if (!Number.isInteger(epochs) || epochs < 1) throw new InvalidInputError('invalid-option', `epochs must be a positive integer, got ${epochs}`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new InvalidInputError('invalid-option', `batchSize must be a positive integer, got ${batchSize}`);
  if (!(learningRate > 0 && Number.isFinite(learningRate))) throw new InvalidInputError('invalid-option', `learningRate must be positive, got ${learningRate}`);
  if (!Number.isInteger(classes) || classes < 2 || classes > 256) {
    throw new InvalidInputError('invalid-option', `classes must be an integer in [2, 256], got ${classes}`);
  }
  const { images, masks, size } = data;
  if (images.length === 0) throw new InvalidInputError('empty-input', 'at least one labelled image is needed to train');
  if (masks.length !== images.length) throw new InvalidInputError('ragged-rows', `${images.length} images but ${masks.length} masks`);
  if (!Number.isInteger(size) || size < 1) throw new InvalidInputError('invalid-option', `size must be a positive integer, got ${size}`);
  const pixels = size * size;
  for (let i = 0; i < images.length; i++) {
    const image = images[i]!;
    const mask = masks[i]!;
    if (image.length !== pixels) throw new InvalidInputError('ragged-rows', `image ${i} has ${image.length} values, expected ${size}×${size} = ${pixels}`);
    if (mask.length !== pixels) throw new InvalidInputError('ragged-rows', `mask ${i} has ${mask.length} values, expected ${size}×${size} = ${pixels}`);
    for (let u = 0; u < pixels; u++) {
      if (!Number.isFinite(image[u]!)) throw new InvalidInputError('not-finite', `image ${i} has a non-finite value at pixel ${u}`);
      if (mask[u]! >= classes) throw new InvalidInputError('invalid-option', `mask ${i} has label ${mask[u]} at pixel ${u}, but classes = ${classes} (labels 0…${classes - 1})`);
    }
  }
  if (options.ids !== undefined) {
    if (options.ids.length !== images.length) throw new InvalidInputError('ragged-rows', `${options.ids.length} ids for ${images.length} images`);
    const seen = new Set<string>();
    for (const id of options.ids) {
      if (seen.has(id)) throw new InvalidInputError('duplicate-id', `training id ${id} appears twice`);
      seen.add(id);
    }
  }
  return { batchSize, learningRate, epochs };
}
