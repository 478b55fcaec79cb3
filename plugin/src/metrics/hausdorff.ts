import { squaredDistanceTransform } from './distanceTransform';
import { classMask, foregroundMask, LabelMap, PixelSpacing, validateLabelMapPair, validateSpacing } from './labelMap';
import { percentileLinear } from './percentile';

/**
 * HD95 as MONAI's `compute_hausdorff_distance(percentile=95, directed=False)`:
 * surface = mask XOR binary_erosion(mask) with SciPy's default cross-shaped (4-neighbour)
 * structuring element and pixels outside the image counted as background; directed distances
 * from every surface pixel of A to the nearest surface pixel of B (exact EDT, anisotropic
 * spacing); HD95 = max of the two directed 95th percentiles (NumPy linear interpolation).
 */

/**
 * `ok`: both masks non-empty. `both-empty`: neither has a pixel, HD95 = 0 (perfect agreement).
 * `one-empty`: exactly one is empty, HD95 = NaN: no surface to measure against, and any finite
 * stand-in (image diagonal, a cap) would make the mean depend on the image size. MONAI returns
 * NaN/inf here too; we flag the case and leave it out of means, reporting how many were left out,
 * so that one missed structure cannot silently dominate or vanish from a summary.
 */
export type HausdorffStatus = 'ok' | 'both-empty' | 'one-empty';

/** HD95 of one pair of binary masks. */
export interface BinaryHausdorff {
  readonly value: number;
  readonly status: HausdorffStatus;
}

/** Surface pixels: in the mask and with a 4-neighbour outside it (or outside the image). */
export function surfaceMask(mask: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(mask.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      if (mask[i] === 0) continue;
      const interior = x > 0 && x < width - 1 && y > 0 && y < height - 1
        && mask[i - 1] !== 0 && mask[i + 1] !== 0 && mask[i - width] !== 0 && mask[i + width] !== 0;
      if (!interior) out[i] = 1;
    }
  }
  return out;
}

/** Distances from each surface pixel of `from` to the nearest surface pixel of `to`. */
function directedSurfaceDistances(
  from: Uint8Array, to: Uint8Array, width: number, height: number, spacing: PixelSpacing,
): Float64Array {
  const d2 = squaredDistanceTransform(to, width, height, spacing.row, spacing.column);
  let count = 0;
  for (let i = 0; i < from.length; i++) if (from[i] !== 0) count++;
  const out = new Float64Array(count);
  let k = 0;
  for (let i = 0; i < from.length; i++) if (from[i] !== 0) out[k++] = Math.sqrt(d2[i]);
  return out;
}

function isEmpty(mask: Uint8Array): boolean {
  for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) return false;
  return true;
}

/**
 * Symmetric percentile Hausdorff distance of two binary masks (non-zero = inside), in the units
 * of `spacing` (default 1 × 1 = pixels). See {@link HausdorffStatus} for the empty cases.
 */
export function binaryHausdorff(
  a: Uint8Array, b: Uint8Array, width: number, height: number,
  spacing: PixelSpacing = { row: 1, column: 1 }, percentile = 95,
): BinaryHausdorff {
  const emptyA = isEmpty(a);
  const emptyB = isEmpty(b);
  if (emptyA && emptyB) return { value: 0, status: 'both-empty' };
  if (emptyA || emptyB) return { value: NaN, status: 'one-empty' };
  const surfA = surfaceMask(a, width, height);
  const surfB = surfaceMask(b, width, height);
  const ab = percentileLinear(directedSurfaceDistances(surfA, surfB, width, height, spacing), percentile);
  const ba = percentileLinear(directedSurfaceDistances(surfB, surfA, width, height, spacing), percentile);
  return { value: Math.max(ab, ba), status: 'ok' };
}

/** HD95 of a predicted label map against the truth, per class and summarised. */
export interface HausdorffResult {
  /** HD95 in pixels of the given grid, indexed by class id (0 = background, for completeness). */
  readonly perClass: number[];
  /** HD95 in mm per class when a spacing was given, else `null`. */
  readonly perClassMm: number[] | null;
  /** How each class was scored; `one-empty` entries are NaN. */
  readonly status: HausdorffStatus[];
  /** Mean pixel HD95 over foreground classes 1..C−1 that are not `one-empty`; NaN if none is left. */
  readonly meanForeground: number;
  /** Same mean in mm, or `null` without spacing. */
  readonly meanForegroundMm: number | null;
  /** Number of foreground classes left out of the means because exactly one mask was empty. */
  readonly excludedFromMean: number;
  /** HD95 (pixels) of foreground (any class > 0) vs background: the image-level variant. */
  readonly imageLevel: number;
  readonly imageLevelMm: number | null;
  readonly imageLevelStatus: HausdorffStatus;
}

/** Options for {@link hausdorffScores}. */
export interface HausdorffOptions {
  /** Pixel spacing in mm (row, column). When given, the `…Mm` fields are filled in. */
  readonly spacing?: PixelSpacing;
  /** Percentile, 95 unless told (100 = classic Hausdorff distance). */
  readonly percentile?: number;
}

function meanExcludingNaN(values: number[]): number {
  let sum = 0;
  let n = 0;
  for (const v of values) if (!Number.isNaN(v)) { sum += v; n++; }
  return n === 0 ? NaN : sum / n;
}

/**
 * Per-class, mean-foreground and image-level HD95, in pixels and (with a spacing) millimetres.
 * O(pixels) per class: two exact distance transforms per class and unit.
 */
export function hausdorffScores(
  prediction: LabelMap, truth: LabelMap, numClasses: number, options: HausdorffOptions = {},
): HausdorffResult {
  validateLabelMapPair(prediction, truth, numClasses);
  if (options.spacing) validateSpacing(options.spacing);
  const q = options.percentile ?? 95;
  const { width, height } = prediction;
  const unit: PixelSpacing = { row: 1, column: 1 };
  const perClass: number[] = [];
  const perClassMm: number[] = [];
  const status: HausdorffStatus[] = [];
  for (let c = 0; c < numClasses; c++) {
    const a = classMask(prediction, c);
    const b = classMask(truth, c);
    const px = binaryHausdorff(a, b, width, height, unit, q);
    perClass.push(px.value);
    status.push(px.status);
    if (options.spacing) perClassMm.push(binaryHausdorff(a, b, width, height, options.spacing, q).value);
  }
  const fgA = foregroundMask(prediction);
  const fgB = foregroundMask(truth);
  const image = binaryHausdorff(fgA, fgB, width, height, unit, q);
  return {
    perClass,
    perClassMm: options.spacing ? perClassMm : null,
    status,
    meanForeground: meanExcludingNaN(perClass.slice(1)),
    meanForegroundMm: options.spacing ? meanExcludingNaN(perClassMm.slice(1)) : null,
    excludedFromMean: status.slice(1).filter((s) => s === 'one-empty').length,
    imageLevel: image.value,
    imageLevelMm: options.spacing ? binaryHausdorff(fgA, fgB, width, height, options.spacing, q).value : null,
    imageLevelStatus: image.status,
  };
}
