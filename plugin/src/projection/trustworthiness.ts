import { InvalidInputError } from '../core/errors';
import type { DenseMatrix, Points2D } from '../core/matrix';

/**
 * Trustworthiness of a 2-D embedding, exactly as `sklearn.manifold.trustworthiness` (Euclidean):
 *
 *   T(k) = 1 − 2 / (n·k·(2n − 3k − 1)) · Σ_i Σ_{j ∈ U_k(i)} max(0, r(i, j) − k)
 *
 * where U_k(i) are the k nearest neighbours of i in the embedding and r(i, j) is the rank of j
 * among i's neighbours in the original space (1 = nearest). Self is excluded in both spaces. Ties
 * in the original space are ranked by index (scikit-learn's argsort leaves them unspecified); ties
 * in the embedding also favour the lower index. O(n²·k) time, O(n) extra memory.
 *
 * @throws InvalidInputError 'invalid-option' unless 1 ≤ k < n/2 (scikit-learn's condition) and sizes match
 */
export function trustworthiness(high: DenseMatrix, low: Points2D, k: number): number {
  const n = high.rows;
  if (low.length !== 2 * n) throw new InvalidInputError('invalid-option', `trustworthiness: low has ${low.length / 2} points, high has ${n}`);
  if (!Number.isInteger(k) || k < 1 || k >= n / 2) {
    throw new InvalidInputError('invalid-option', `trustworthiness: k must be an integer with 1 ≤ k < n/2 = ${n / 2}, got ${k}`);
  }
  const d = high.cols;
  const x = high.data;
  const highDist = new Float64Array(n);
  const lowDist = new Float64Array(n);
  const nearest = new Int32Array(k);
  let penalty = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let c = 0; c < d; c++) {
        const t = x[i * d + c]! - x[j * d + c]!;
        s += t * t;
      }
      highDist[j] = s;
      const dx = low[2 * i]! - low[2 * j]!;
      const dy = low[2 * i + 1]! - low[2 * j + 1]!;
      lowDist[j] = dx * dx + dy * dy;
    }
    kNearest(lowDist, i, k, nearest);
    for (let t = 0; t < k; t++) {
      const j = nearest[t]!;
      const rank = rankOf(highDist, i, j);
      if (rank > k) penalty += rank - k;
    }
  }
  return 1 - penalty * (2 / (n * k * (2 * n - 3 * k - 1)));
}

/** Rank (1-based) of j among all points ≠ i ordered by (distance, index). */
function rankOf(dist: Float64Array, i: number, j: number): number {
  const dj = dist[j]!;
  let rank = 1;
  for (let l = 0; l < dist.length; l++) {
    if (l === i || l === j) continue;
    const dl = dist[l]!;
    if (dl < dj || (dl === dj && l < j)) rank++;
  }
  return rank;
}

/** The k smallest entries of dist other than `self`, by (distance, index), into out. */
function kNearest(dist: Float64Array, self: number, k: number, out: Int32Array): void {
  let size = 0;
  for (let j = 0; j < dist.length; j++) {
    if (j === self) continue;
    const dj = dist[j]!;
    if (size === k && dj >= dist[out[k - 1]!]!) continue; // ties keep the lower index already in
    let p = size < k ? size++ : k - 1;
    while (p > 0 && dist[out[p - 1]!]! > dj) {
      out[p] = out[p - 1]!;
      p--;
    }
    out[p] = j;
  }
}
