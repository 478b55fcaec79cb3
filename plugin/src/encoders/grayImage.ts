import { InvalidInputError } from '../core/errors';
import { reportProgress, type ProgressCallback } from '../core/progress';
import { GrayImage } from './types';

/** Throws {@link InvalidInputError} unless `image` has a positive integer size, matching data and finite pixels. */
export function validateGrayImage(image: GrayImage, index: number): void {
  const { width, height, data } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new InvalidInputError('empty-input', `image ${index} has invalid size ${width}×${height}`);
  }
  if (data.length !== width * height) {
    throw new InvalidInputError('ragged-rows', `image ${index} has ${data.length} values for ${width}×${height} pixels`);
  }
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new InvalidInputError('not-finite', `image ${index} pixel ${i} is ${data[i]}`);
  }
}

/** Z-scored copy (mean 0, standard deviation 1); a constant image becomes all zeros. */
export function zScore(image: GrayImage): GrayImage {
  const { data } = image;
  let mean = 0;
  for (let i = 0; i < data.length; i++) mean += data[i];
  mean /= data.length;
  let variance = 0;
  for (let i = 0; i < data.length; i++) variance += (data[i] - mean) ** 2;
  const std = Math.sqrt(variance / data.length);
  const out = new Float32Array(data.length);
  // A constant image has no contrast to standardise; zeros keep it comparable and finite.
  if (std > 0) for (let i = 0; i < data.length; i++) out[i] = (data[i] - mean) / std;
  return { width: image.width, height: image.height, data: out };
}

/** Min–max scaled copy in [0, 1]; a constant image becomes all zeros. */
export function minMaxScale(image: GrayImage): GrayImage {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < image.data.length; i++) {
    if (image.data[i] < lo) lo = image.data[i];
    if (image.data[i] > hi) hi = image.data[i];
  }
  const out = new Float32Array(image.data.length);
  if (hi > lo) for (let i = 0; i < out.length; i++) out[i] = (image.data[i] - lo) / (hi - lo);
  return { width: image.width, height: image.height, data: out };
}

/** For each output index, the source indices it overlaps and the overlap fractions (summing to 1). */
function areaWeights(src: number, dst: number): Array<{ index: number[]; weight: number[] }> {
  const scale = src / dst;
  const out: Array<{ index: number[]; weight: number[] }> = [];
  for (let j = 0; j < dst; j++) {
    const start = j * scale;
    const end = (j + 1) * scale;
    const index: number[] = [];
    const weight: number[] = [];
    for (let i = Math.floor(start); i < Math.min(src, Math.ceil(end)); i++) {
      const overlap = Math.min(end, i + 1) - Math.max(start, i);
      if (overlap > 0) { index.push(i); weight.push(overlap / scale); }
    }
    out.push({ index, weight });
  }
  return out;
}

/**
 * Resamples by exact area averaging (each output pixel is the mean of the source area it
 * covers). Unlike point sampling it does not alias when shrinking a 512² X-ray to 8², which is
 * what makes thumbnails stable under small shifts; separable, so O(pixels).
 */
export function resizeArea(image: GrayImage, width: number, height: number): GrayImage {
  const wx = areaWeights(image.width, width);
  const wy = areaWeights(image.height, height);
  const tmp = new Float64Array(image.height * width);
  for (let y = 0; y < image.height; y++) {
    const row = y * image.width;
    for (let x = 0; x < width; x++) {
      const { index, weight } = wx[x];
      let s = 0;
      for (let k = 0; k < index.length; k++) s += image.data[row + index[k]] * weight[k];
      tmp[y * width + x] = s;
    }
  }
  const out = new Float32Array(width * height);
  for (let y = 0; y < height; y++) {
    const { index, weight } = wy[y];
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (let k = 0; k < index.length; k++) s += tmp[index[k] * width + x] * weight[k];
      out[y * width + x] = s;
    }
  }
  return { width, height, data: out };
}

/**
 * The embed loop of a per-image feature function: validates every image, then fills one row of
 * `dimensions` values per image, reporting progress as stage `stage`.
 */
export function embedEach(
  images: readonly GrayImage[], dimensions: number, features: (image: GrayImage) => ArrayLike<number>, stage: string, onProgress?: ProgressCallback,
): Float32Array {
  images.forEach((image, i) => validateGrayImage(image, i));
  const out = new Float32Array(images.length * dimensions);
  reportProgress(onProgress, stage, 0);
  images.forEach((image, i) => {
    out.set(features(image), i * dimensions);
    reportProgress(onProgress, stage, (i + 1) / images.length);
  });
  return out;
}
