import type { DenseMatrix } from '../core/matrix';

/**
 * Medoid of a set of rows, eq. (2): the member minimising the sum of Euclidean distances to all
 * other members. Ties go to the member that comes first in `members`. Returns a row index.
 */
export function medoid(points: DenseMatrix, members: ArrayLike<number>): number {
  const m = members.length;
  if (m === 0) throw new RangeError('medoid of an empty set');
  if (m <= 2) return members[0]!;
  const { cols: d, data: x } = points;
  // Each distance is computed once and added to both endpoints' sums.
  const sums = new Float64Array(m);
  for (let a = 0; a < m; a++) {
    const i = members[a]!;
    for (let b = a + 1; b < m; b++) {
      const j = members[b]!;
      let s = 0;
      for (let c = 0; c < d; c++) {
        const t = x[i * d + c]! - x[j * d + c]!;
        s += t * t;
      }
      const dist = Math.sqrt(s);
      sums[a] += dist;
      sums[b] += dist;
    }
  }
  let best = 0;
  for (let a = 1; a < m; a++) if (sums[a]! < sums[best]!) best = a;
  return members[best]!;
}
