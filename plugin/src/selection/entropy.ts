import { InvalidInputError } from '../core/errors';

/** ε inside the logarithm of eq. (5). */
export const DEFAULT_ENTROPY_EPSILON = 1e-8;

/**
 * Eq. (5): per-pixel entropy H(u) = −Σ_c p_c(u) · log(p_c(u) + ε) (natural log) of a
 * channels-last probability map (`pixels × classes`, each pixel's row summing to 1).
 */
export function pixelEntropy(probabilities: ArrayLike<number>, classes: number, epsilon = DEFAULT_ENTROPY_EPSILON): Float32Array {
  checkShape(probabilities, classes);
  const pixels = probabilities.length / classes;
  const out = new Float32Array(pixels);
  for (let u = 0; u < pixels; u++) out[u] = entropyAt(probabilities, u * classes, classes, epsilon);
  return out;
}

/** Eq. (6): the image-level entropy, the mean of eq. (5) over all pixels Ω. */
export function imageEntropy(probabilities: ArrayLike<number>, classes: number, epsilon = DEFAULT_ENTROPY_EPSILON): number {
  checkShape(probabilities, classes);
  const pixels = probabilities.length / classes;
  let total = 0;
  for (let u = 0; u < pixels; u++) total += entropyAt(probabilities, u * classes, classes, epsilon);
  return total / pixels;
}

/**
 * Eq. (7): min–max normalisation over the unlabelled pool,
 * H̃ = (H − min H) / (max H − min H + ε). All-equal entropies map to 0.
 */
export function normaliseMinMax(values: ArrayLike<number>, epsilon: number): Float64Array {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    min = Math.min(min, values[i]!);
    max = Math.max(max, values[i]!);
  }
  const out = new Float64Array(values.length);
  const denom = max - min + epsilon;
  for (let i = 0; i < values.length; i++) out[i] = (values[i]! - min) / denom;
  return out;
}

function entropyAt(p: ArrayLike<number>, offset: number, classes: number, epsilon: number): number {
  let h = 0;
  for (let c = 0; c < classes; c++) {
    const v = p[offset + c]!;
    h -= v * Math.log(v + epsilon);
  }
  return h;
}

function checkShape(probabilities: ArrayLike<number>, classes: number): void {
  if (!Number.isInteger(classes) || classes < 1) throw new InvalidInputError('invalid-option', `classes must be a positive integer, got ${classes}`);
  if (probabilities.length === 0 || probabilities.length % classes !== 0) {
    throw new InvalidInputError('ragged-rows', `a probability map of ${probabilities.length} values is not a whole number of pixels × ${classes} classes`);
  }
}
