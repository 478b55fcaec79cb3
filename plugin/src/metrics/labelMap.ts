import { InvalidInputError } from '../core/errors';

/**
 * A 2-D segmentation label map: row-major, one class id per pixel (0 = background,
 * 1..C−1 = foreground structures). Prediction and ground truth share this type.
 */
export interface LabelMap {
  readonly width: number;
  readonly height: number;
  /** `width × height` class ids, row-major (the imaging readers' LabelMap fits this shape). */
  readonly labels: Uint8Array;
}

/**
 * Physical pixel size in millimetres as (row, column), i.e. DICOM PixelSpacing order:
 * `row` is the distance between rows (the vertical step), `col` between columns.
 */
export interface PixelSpacing {
  readonly row: number;
  readonly column: number;
}

/**
 * Checks that two label maps can be compared: same positive integer size, data of that length,
 * class ids below `numClasses`. Throws {@link InvalidInputError} naming the problem.
 */
export function validateLabelMapPair(prediction: LabelMap, truth: LabelMap, numClasses: number): void {
  if (!Number.isInteger(numClasses) || numClasses < 2 || numClasses > 256) {
    throw new InvalidInputError('invalid-option', `numClasses must be an integer in [2, 256], got ${numClasses}`);
  }
  for (const [name, map] of [['prediction', prediction], ['truth', truth]] as const) {
    if (!Number.isInteger(map.width) || !Number.isInteger(map.height) || map.width <= 0 || map.height <= 0) {
      throw new InvalidInputError('empty-input', `${name} has invalid size ${map.width}×${map.height}`);
    }
    if (map.labels.length !== map.width * map.height) {
      throw new InvalidInputError('ragged-rows', `${name} has ${map.labels.length} values for ${map.width}×${map.height} pixels`);
    }
    for (let i = 0; i < map.labels.length; i++) {
      if (map.labels[i] >= numClasses) {
        throw new InvalidInputError('invalid-option', `${name} pixel ${i} has class ${map.labels[i]} but numClasses is ${numClasses}`);
      }
    }
  }
  if (prediction.width !== truth.width || prediction.height !== truth.height) {
    throw new InvalidInputError('ragged-rows',
      `prediction is ${prediction.width}×${prediction.height} but truth is ${truth.width}×${truth.height}`);
  }
}

/** Checks a spacing: both components finite and > 0. */
export function validateSpacing(spacing: PixelSpacing): void {
  if (!(Number.isFinite(spacing.row) && spacing.row > 0 && Number.isFinite(spacing.column) && spacing.column > 0)) {
    throw new InvalidInputError('invalid-option', `pixel spacing must be positive and finite, got (${spacing.row}, ${spacing.column})`);
  }
}

/** Binary mask of one class: 1 where `map.labels === cls`. */
export function classMask(map: LabelMap, cls: number): Uint8Array {
  const out = new Uint8Array(map.labels.length);
  for (let i = 0; i < out.length; i++) out[i] = map.labels[i] === cls ? 1 : 0;
  return out;
}

/** Binary foreground mask: 1 where any class > 0 (the paper's image-level target for the brain set). */
export function foregroundMask(map: LabelMap): Uint8Array {
  const out = new Uint8Array(map.labels.length);
  for (let i = 0; i < out.length; i++) out[i] = map.labels[i] > 0 ? 1 : 0;
  return out;
}
