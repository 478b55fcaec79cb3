/**
 * Resizing and normalisation for the encoders. The resize conventions are fixed and
 * documented so that embeddings computed here match a PyTorch pipeline on the same images.
 */
import { InvalidInputError } from '../core/errors';
import { toGrayscale } from './toGrayscale';
import { Image2D, PixelSpacing } from './types';

/** Target size: a number for a square, or explicit width and height. */
export type TargetSize = number | { width: number; height: number };

function dims(size: TargetSize): { width: number; height: number } {
  const d = typeof size === 'number' ? { width: size, height: size } : size;
  if (!Number.isInteger(d.width) || !Number.isInteger(d.height) || d.width < 1 || d.height < 1) {
    throw new InvalidInputError('invalid-option', `target size must be positive integers, got ${d.width}×${d.height}`);
  }
  return d;
}

/** Source coordinate of output index `i` (half-pixel centres; negative clamped to 0, as PyTorch does). */
function sourceCoord(i: number, scale: number): number {
  return Math.max(0, (i + 0.5) * scale - 0.5);
}

function scaledSpacing(spacing: PixelSpacing | null, from: { width: number; height: number }, to: { width: number; height: number }): PixelSpacing | null {
  if (!spacing) return null;
  return { row: (spacing.row * from.height) / to.height, column: (spacing.column * from.width) / to.width, unit: 'mm' };
}

/**
 * Bilinear resize with align_corners = false and NO anti-aliasing: identical to PyTorch
 * `F.interpolate(x, size, mode='bilinear', align_corners=False)` (antialias=False, the default).
 * Not identical to skimage `resize`, which anti-aliases when shrinking by default.
 * Spacing is scaled so that it stays the physical size of one output pixel.
 */
export function resizeBilinear(image: Image2D, size: TargetSize): Image2D {
  const out = dims(size);
  const { width: w, height: h, channels: ch } = image;
  const sx = w / out.width;
  const sy = h / out.height;
  const data = new Float32Array(out.width * out.height * ch);
  for (let y = 0; y < out.height; y++) {
    const fy = sourceCoord(y, sy);
    const y0 = Math.min(Math.floor(fy), h - 1);
    const y1 = Math.min(y0 + 1, h - 1);
    const wy = fy - y0;
    for (let x = 0; x < out.width; x++) {
      const fx = sourceCoord(x, sx);
      const x0 = Math.min(Math.floor(fx), w - 1);
      const x1 = Math.min(x0 + 1, w - 1);
      const wx = fx - x0;
      for (let k = 0; k < ch; k++) {
        const a = image.data[(y0 * w + x0) * ch + k];
        const b = image.data[(y0 * w + x1) * ch + k];
        const c = image.data[(y1 * w + x0) * ch + k];
        const d = image.data[(y1 * w + x1) * ch + k];
        data[(y * out.width + x) * ch + k] = (1 - wy) * ((1 - wx) * a + wx * b) + wy * ((1 - wx) * c + wx * d);
      }
    }
  }
  return { ...image, width: out.width, height: out.height, data, spacing: scaledSpacing(image.spacing, image, out), source: { ...image.source } };
}

/**
 * Nearest-neighbour resize for label maps (never interpolates classes). Source index is
 * `floor(i * in / out)`, the convention of PyTorch `F.interpolate(mode='nearest')`.
 */
export function resizeNearest(labelMap: Uint8Array, width: number, height: number, size: TargetSize): Uint8Array {
  if (labelMap.length !== width * height) throw new InvalidInputError('invalid-option', `label map has ${labelMap.length} values, expected ${width}×${height}`);
  const out = dims(size);
  const result = new Uint8Array(out.width * out.height);
  for (let y = 0; y < out.height; y++) {
    const sy = Math.min(h1(y, height, out.height), height - 1);
    for (let x = 0; x < out.width; x++) {
      result[y * out.width + x] = labelMap[sy * width + Math.min(h1(x, width, out.width), width - 1)];
    }
  }
  return result;
}

function h1(i: number, from: number, to: number): number {
  return Math.floor((i * from) / to);
}

/**
 * Per-image z-score (eq. 11 of the method paper): (I − μ) / (σ + ε), with μ and the population
 * standard deviation σ (ddof = 0) of this image, accumulated in double precision.
 */
export function zScore(data: ArrayLike<number>, eps = 1e-8): Float32Array {
  const n = data.length;
  if (n === 0) throw new InvalidInputError('empty-input', 'cannot z-score an empty image');
  let sum = 0;
  for (let i = 0; i < n; i++) sum += data[i];
  const mean = sum / n;
  let sq = 0;
  for (let i = 0; i < n; i++) sq += (data[i] - mean) ** 2;
  const denom = Math.sqrt(sq / n) + eps;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (data[i] - mean) / denom;
  return out;
}

/** Encoder input made by {@link preprocessImage}. */
export interface PreprocessedImage {
  /** size × size, row-major, grey, z-scored. */
  data: Float32Array;
  size: number;
  originalWidth: number;
  originalHeight: number;
  /** Millimetres per pixel of the resized grid (so distances on it can be reported in mm), or null. */
  spacing: PixelSpacing | null;
}

/** Grey (BT.601 luma if RGB) → bilinear resize to size × size → per-image z-score. */
export function preprocessImage(image: Image2D, size: number): PreprocessedImage {
  const resized = resizeBilinear(toGrayscale(image), size);
  return {
    data: zScore(resized.data),
    size,
    originalWidth: image.width,
    originalHeight: image.height,
    spacing: resized.spacing,
  };
}
