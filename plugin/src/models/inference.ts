/**
 * Inference of the segmentation network for active selection (method paper, section 3.2.1):
 * per-pixel class probabilities p_{i,c}(u), the predicted mask, the per-pixel entropy map H_i(u)
 * of eq. (5) and the image-level mean entropy 𝓗(x_i) of eq. (6). The entropies are computed by
 * `selection/entropy.ts` from the very probabilities returned, so the acquisition score (eq. 10)
 * sees exactly what a caller inspecting the maps sees.
 */
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { InvalidInputError } from '../core/errors';
import { DEFAULT_ENTROPY_EPSILON, imageEntropy, pixelEntropy } from '../selection/entropy';

/** What the network says about one image. */
export interface SegmentationPrediction {
  /** p_c(u), S × S × C, channels-last (pixel u's C probabilities are contiguous). */
  readonly probabilities: Float32Array;
  /** argmax_c p_c(u) per pixel, S × S (ties go to the lower class). */
  readonly mask: Uint8Array;
  /** Eq. (5): H(u) = −Σ_c p_c(u) log(p_c(u) + ε), S × S. */
  readonly entropyMap: Float32Array;
  /** Eq. (6): mean of eq. (5) over all S × S pixels (accumulated in double precision). */
  readonly meanEntropy: number;
}

/** Options of {@link predict} and {@link predictBatch}. */
export interface PredictOptions {
  /** ε of eq. (5); default {@link DEFAULT_ENTROPY_EPSILON} as in the selection engine. */
  readonly epsilon?: number;
}

/** Options of {@link predictBatch}. */
export interface PredictBatchOptions extends PredictOptions {
  /** Images per forward pass (memory versus per-call overhead); default 4. */
  readonly batchSize?: number;
}

/** Runs the network on one S × S z-scored image (eq. 11) in inference mode. */
export function predict(model: tfl.LayersModel, image: Float32Array, size: number, options: PredictOptions = {}): SegmentationPrediction {
  return predictBatch(model, [image], size, options)[0]!;
}

/**
 * Runs the network on many S × S images, `batchSize` at a time; returns one prediction per image
 * in input order. Every tensor is released before returning.
 */
export function predictBatch(model: tfl.LayersModel, images: readonly Float32Array[], size: number, options: PredictBatchOptions = {}): SegmentationPrediction[] {
  const batchSize = options.batchSize ?? 4;
  const epsilon = options.epsilon ?? DEFAULT_ENTROPY_EPSILON;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new InvalidInputError('invalid-option', `batchSize must be a positive integer, got ${batchSize}`);
  const classes = checkModel(model, size);
  const pixels = size * size;
  images.forEach((image, i) => {
    if (image.length !== pixels) throw new InvalidInputError('ragged-rows', `image ${i} has ${image.length} values, expected ${size}×${size} = ${pixels}`);
    for (let u = 0; u < pixels; u++) {
      if (!Number.isFinite(image[u]!)) throw new InvalidInputError('not-finite', `image ${i} has a non-finite value at pixel ${u}`);
    }
  });

  const results: SegmentationPrediction[] = [];
  for (let start = 0; start < images.length; start += batchSize) {
    const chunk = images.slice(start, start + batchSize);
    const input = new Float32Array(chunk.length * pixels);
    chunk.forEach((image, b) => input.set(image, b * pixels));
    // The tensor leaves tidy, not its values: tidy walks every property of what its function
    // returns, which for a typed array of S²·C probabilities is a per-element loop (at 256² a
    // large part of the inference time in a CPU profile).
    const output = tf.tidy(() => {
      const out = model.predict(tf.tensor4d(input, [chunk.length, size, size, 1]));
      if (Array.isArray(out)) throw new Error('the segmentation model must have exactly one output');
      return out;
    });
    let all: Float32Array;
    try {
      all = output.dataSync() as Float32Array;
    } finally {
      output.dispose();
    }
    for (let b = 0; b < chunk.length; b++) {
      const probabilities = all.slice(b * pixels * classes, (b + 1) * pixels * classes);
      results.push({
        probabilities,
        mask: argmaxMask(probabilities, classes),
        entropyMap: pixelEntropy(probabilities, classes, epsilon),
        meanEntropy: imageEntropy(probabilities, classes, epsilon),
      });
    }
  }
  return results;
}

/** Checks that the model maps [b, S, S, 1] to [b, S, S, C]; returns C. */
function checkModel(model: tfl.LayersModel, size: number): number {
  const inShape = model.inputs[0]?.shape;
  const outShape = model.outputs[0]?.shape;
  if (model.inputs.length !== 1 || model.outputs.length !== 1 || !inShape || !outShape) {
    throw new InvalidInputError('invalid-option', 'the segmentation model must have exactly one input and one output');
  }
  if (inShape[1] !== size || inShape[2] !== size || inShape[3] !== 1) {
    throw new InvalidInputError('invalid-option', `the model expects ${String(inShape[1])}×${String(inShape[2])}×${String(inShape[3])} images, got size ${size}×${size}×1`);
  }
  const classes = outShape[3];
  if (outShape.length !== 4 || outShape[1] !== size || outShape[2] !== size || classes == null || classes < 1) {
    throw new InvalidInputError('invalid-option', `the model output [${outShape.join(', ')}] is not a ${size}×${size}×C probability map`);
  }
  return classes;
}

function argmaxMask(probabilities: Float32Array, classes: number): Uint8Array {
  const pixels = probabilities.length / classes;
  const mask = new Uint8Array(pixels);
  for (let u = 0; u < pixels; u++) {
    const offset = u * classes;
    let best = 0;
    for (let c = 1; c < classes; c++) if (probabilities[offset + c]! > probabilities[offset + best]!) best = c;
    mask[u] = best;
  }
  return mask;
}
