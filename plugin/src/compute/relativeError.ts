/**
 * Relative error of `actual` against `expected`: max|a − b| / max(max|b|, 1e-6). Scaling by the
 * largest reference magnitude (not element-wise) keeps near-zero entries of a gradient from
 * blowing the error up while still catching any element that is off. Used to check kernels of one
 * backend against another.
 * @throws Error when the arrays differ in length.
 */
export function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) {
    throw new Error(`relativeError: length ${actual.length} vs ${expected.length}`);
  }
  let maxDiff = 0;
  let maxRef = 0;
  for (let i = 0; i < expected.length; i++) {
    const diff = Math.abs(actual[i]! - expected[i]!);
    // NaN must fail the comparison, not vanish in Math.max.
    if (Number.isNaN(diff)) return Number.POSITIVE_INFINITY;
    if (diff > maxDiff) maxDiff = diff;
    const ref = Math.abs(expected[i]!);
    if (ref > maxRef) maxRef = ref;
  }
  return maxDiff / Math.max(maxRef, 1e-6);
}
