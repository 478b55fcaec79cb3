import type { DecodedPng } from './pngDecode';

/** A model's predicted label map, checked against the open image: ready to write into its labelmap. */
export interface PredictedLabels {
  /** rows × columns, row by row; value = class index = segment index (0 background). */
  readonly labels: Uint8Array;
  /** Pixels per class (background excluded), as `labelCounts()` reports a labelmap. */
  readonly counts: Record<number, number>;
}

export class PredictionError extends Error {}

/** Pixels per non-zero value. */
export function countLabels(labels: ArrayLike<number>): Record<number, number> {
  const counts: Record<number, number> = {};
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i]!;
    if (v) counts[v] = (counts[v] ?? 0) + 1;
  }
  return counts;
}

/**
 * Checks a decoded prediction against the image it is for — the same size (columns × rows, so
 * that it can be written pixel for pixel) and no value above the project's last class — and
 * answers its labels and class counts. Throws {@link PredictionError} saying what does not fit.
 */
export function predictionLabels(png: DecodedPng, image: { readonly rows: number; readonly columns: number }, classCount: number): PredictedLabels {
  if (png.width !== image.columns || png.height !== image.rows) {
    throw new PredictionError(`the prediction is ${png.width} × ${png.height} pixels but the image is ${image.columns} × ${image.rows}`);
  }
  if (png.values.length !== png.width * png.height) throw new PredictionError(`the prediction has ${png.values.length} values for ${png.width} × ${png.height} pixels`);
  const counts = countLabels(png.values);
  const unknown = Object.keys(counts).map(Number).filter((v) => v > classCount);
  if (unknown.length > 0) throw new PredictionError(`the prediction holds value${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}, but the project has ${classCount} class${classCount === 1 ? '' : 'es'}`);
  return { labels: png.values, counts };
}

/** Total painted pixels of a `labelCounts()` answer. */
export function paintedPixels(counts: Readonly<Record<number, number>>): number {
  return Object.values(counts).reduce((sum, n) => sum + n, 0);
}
