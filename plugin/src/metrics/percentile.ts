/**
 * The q-th percentile of `values` with linear interpolation between order statistics, computed
 * exactly as `numpy.percentile(values, q)` (method "linear", including NumPy's two-sided lerp so
 * that results agree to the last bits). Empty input → NaN (NumPy raises; callers decide).
 */
export function percentileLinear(values: ArrayLike<number>, q: number): number {
  const n = values.length;
  if (n === 0) return NaN;
  const sorted = Float64Array.from(values).sort();
  const virtual = (n - 1) * (q / 100);
  const lower = Math.floor(virtual);
  const upper = Math.min(lower + 1, n - 1);
  const t = virtual - lower;
  const a = sorted[lower];
  const b = sorted[upper];
  const diff = b - a;
  // NumPy's _lerp: a + diff·t, but b − diff·(1 − t) when t ≥ 0.5 (more accurate near b).
  return t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
}
