/**
 * Trains the site encoder on the project's own unlabelled pool (SimCLR, Chen et al. 2020): each
 * step draws N images, makes two augmented views of each (augment.ts), and pulls the two views
 * of an image together and every other view apart (NT-Xent, ntXent.ts) with Adam. No labels, no
 * download. A hand-written loop like models/train.ts: cancellation between steps, progress per
 * epoch, every tensor accounted for; deterministic for a seed on a deterministic backend (cpu).
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { CancelledError, InvalidInputError } from '../../core/errors';
import { createRng, shuffleInPlace, type Rng } from '../../random/rng';
import { adamOptimizer } from '../../compute/nativeAdam';
import { validateGrayImage, zScore } from '../grayImage';
import type { GrayImage } from '../types';
import { augmentView, DEFAULT_AUGMENT_OPTIONS, validateAugmentOptions, type AugmentOptions } from './augment';
import { buildContrastiveModel, resolveContrastiveModelConfig } from './contrastiveModel';
import { trainingSource } from './networkInput';
import { DEFAULT_TEMPERATURE, ntXentLoss } from './ntXent';

/** Options of {@link trainSelfSupervised}. The defaults are reasonable, not tuned or measured. */
export interface SelfSupervisedTrainOptions {
  /** Fixes the initial weights, the batches and every augmentation. */
  readonly seed: number;
  /** Passes over the pool; default 20. */
  readonly epochs?: number;
  /** Images N per step (2N views); default 32, at most the pool size. */
  readonly batchSize?: number;
  /** Adam learning rate; default 1e-3. */
  readonly learningRate?: number;
  /** NT-Xent temperature τ; default 0.2. */
  readonly temperature?: number;
  /** Side S the network sees; default 64. */
  readonly inputSize?: number;
  /** Conv block widths; default 16, 32, 64, 128 (the last is the embedding length). */
  readonly channels?: readonly number[];
  /** Overrides of {@link DEFAULT_AUGMENT_OPTIONS}. */
  readonly augment?: Partial<AugmentOptions>;
  /** Checked between steps; aborting throws {@link CancelledError}. */
  readonly signal?: AbortSignal;
  readonly onProgress?: (progress: SelfSupervisedTrainProgress) => void;
}

/** Reported once per finished epoch. */
export interface SelfSupervisedTrainProgress {
  /** 1-based number of the epoch just finished. */
  readonly epoch: number;
  readonly epochs: number;
  /** Optimiser steps done so far. */
  readonly steps: number;
  /** Mean NT-Xent over the epoch's steps. */
  readonly loss: number;
  readonly seconds: number;
  /** Remaining seconds, extrapolated from the mean epoch time so far. */
  readonly etaSeconds: number;
}

/** What a training did (JSON-serialisable; saved with the weights). */
export interface SelfSupervisedTrainingSummary {
  readonly inputSize: number;
  readonly channels: readonly number[];
  /** Length of the representation (the embedding). */
  readonly dimensions: number;
  readonly projectionDims: number;
  readonly seed: number;
  readonly epochs: number;
  readonly steps: number;
  /** Images per step actually used (the option, capped at the pool size). */
  readonly batchSize: number;
  readonly learningRate: number;
  readonly temperature: number;
  /** Pool size. */
  readonly images: number;
  readonly augment: AugmentOptions;
  /** Mean loss of each epoch. */
  readonly lossHistory: readonly number[];
  readonly finalLoss: number;
  readonly seconds: number;
  /** tfjs backend trained on. */
  readonly backend: string;
}

/** The trained representation network (projection head already discarded) and its summary. */
export interface SelfSupervisedTraining {
  /** `[b, S, S, 1]` z-scored images → `[b, dimensions]`; owned by the caller (or the encoder built from it). */
  readonly representation: tfl.LayersModel;
  readonly summary: SelfSupervisedTrainingSummary;
  /** Releases the weights. */
  dispose(): void;
}

/** Adam's β1, β2, ε as in PyTorch, like models/train.ts. */
const ADAM_BETA1 = 0.9;
const ADAM_BETA2 = 0.999;
const ADAM_EPSILON = 1e-8;

/**
 * Trains the representation network of contrastiveModel.ts on `images` (any sizes and
 * intensity ranges; each is resized to S × S and scaled to [0, 1] once, then augmented per view).
 * An epoch is ⌊n / N⌋ steps over a fresh shuffle (the remainder waits for the next shuffle).
 */
export async function trainSelfSupervised(images: readonly GrayImage[], options: SelfSupervisedTrainOptions): Promise<SelfSupervisedTraining> {
  const settings = validate(images, options);
  const { epochs, batchSize, learningRate, temperature, augment } = settings;
  const config = resolveContrastiveModelConfig({ inputSize: options.inputSize, channels: options.channels, seed: options.seed });
  throwIfAborted(options.signal);
  const size = config.inputSize;
  const sources = images.map((image) => trainingSource(image, size));
  const root = createRng(options.seed);
  const orderRng = root.fork();
  const augmentRng = root.fork();

  const started = performance.now();
  const { representation, head } = buildContrastiveModel(config);
  const optimizer = adamOptimizer(learningRate, ADAM_BETA1, ADAM_BETA2, ADAM_EPSILON);
  const variables = [...representation.trainableWeights, ...head.trainableWeights].map((w) => w.read() as tf.Variable);
  const order = Int32Array.from({ length: images.length }, (_, i) => i);
  const stepsPerEpoch = Math.floor(images.length / batchSize);
  const lossHistory: number[] = [];
  let steps = 0;
  let succeeded = false;
  try {
    for (let epoch = 1; epoch <= epochs; epoch++) {
      shuffleInPlace(order, orderRng);
      let lossSum = 0;
      for (let s = 0; s < stepsPerEpoch; s++) {
        // Let abort events and timers run, then honour them before spending a step.
        await new Promise<void>((resolve) => setImmediate(resolve));
        throwIfAborted(options.signal);
        const views = viewBatch(sources, order.subarray(s * batchSize, (s + 1) * batchSize), size, augmentRng, augment);
        const cost = tf.tidy((): tf.Scalar => {
          const x = tf.tensor4d(views, [2 * batchSize, size, size, 1]);
          const scalar = optimizer.minimize(() => {
            const h = representation.apply(x, { training: true }) as tf.Tensor2D;
            return ntXentLoss(head.apply(h, { training: true }) as tf.Tensor2D, temperature);
          }, true, variables);
          if (scalar === null) throw new Error('optimizer returned no loss');
          return scalar;
        });
        const value = (await cost.data())[0]!;
        cost.dispose();
        steps++;
        if (!Number.isFinite(value)) {
          throw new InvalidInputError('not-finite', `self-supervised training diverged (loss ${value} at step ${steps}); lower the learning rate (${learningRate})`);
        }
        lossSum += value;
      }
      const loss = lossSum / stepsPerEpoch;
      lossHistory.push(loss);
      const seconds = (performance.now() - started) / 1000;
      options.onProgress?.({ epoch, epochs, steps, loss, seconds, etaSeconds: (seconds / epoch) * (epochs - epoch) });
    }
    throwIfAborted(options.signal);
    succeeded = true;
  } finally {
    optimizer.dispose();
    head.dispose();
    if (!succeeded) representation.dispose();
  }
  const summary: SelfSupervisedTrainingSummary = {
    inputSize: size,
    channels: [...config.channels],
    dimensions: config.channels[config.channels.length - 1]!,
    projectionDims: config.projectionDims,
    seed: options.seed,
    epochs,
    steps,
    batchSize,
    learningRate,
    temperature,
    images: images.length,
    augment,
    lossHistory,
    finalLoss: lossHistory[lossHistory.length - 1]!,
    seconds: (performance.now() - started) / 1000,
    backend: tf.getBackend(),
  };
  return { representation, summary, dispose: () => representation.dispose() };
}

/**
 * `[2N, S, S, 1]` input values: row i is the first view of image `batch[i]`, row N + i its second
 * view, each z-scored like the encoder's input. Views are drawn in row-pair order from `rng`.
 */
function viewBatch(sources: readonly GrayImage[], batch: Int32Array, size: number, rng: Rng, augment: AugmentOptions): Float32Array {
  const n = batch.length;
  const pixels = size * size;
  const out = new Float32Array(2 * n * pixels);
  batch.forEach((index, i) => {
    const source = sources[index]!;
    out.set(zScore(augmentView(source, size, rng, augment)).data, i * pixels);
    out.set(zScore(augmentView(source, size, rng, augment)).data, (n + i) * pixels);
  });
  return out;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError('self-supervised training cancelled');
}

interface Settings {
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly temperature: number;
  readonly augment: AugmentOptions;
}

function validate(images: readonly GrayImage[], options: SelfSupervisedTrainOptions): Settings {
  const epochs = options.epochs ?? 20;
  const requestedBatch = options.batchSize ?? 32;
  const learningRate = options.learningRate ?? 1e-3;
  const temperature = options.temperature ?? DEFAULT_TEMPERATURE;
  const augment: AugmentOptions = { ...DEFAULT_AUGMENT_OPTIONS, ...options.augment };
  if (!Number.isInteger(epochs) || epochs < 1) throw new InvalidInputError('invalid-option', `epochs must be a positive integer, got ${epochs}`);
  if (!Number.isInteger(requestedBatch) || requestedBatch < 2) {
    throw new InvalidInputError('invalid-option', `batchSize must be an integer ≥ 2 (each image needs other images as negatives), got ${requestedBatch}`);
  }
  if (!(learningRate > 0 && Number.isFinite(learningRate))) throw new InvalidInputError('invalid-option', `learningRate must be positive, got ${learningRate}`);
  if (!(temperature > 0 && Number.isFinite(temperature))) throw new InvalidInputError('invalid-option', `temperature must be positive, got ${temperature}`);
  validateAugmentOptions(augment);
  if (images.length < 2) throw new InvalidInputError('empty-input', `self-supervised training needs at least 2 images, got ${images.length}`);
  images.forEach((image, i) => validateGrayImage(image, i));
  return { epochs, batchSize: Math.min(requestedBatch, images.length), learningRate, temperature, augment };
}
