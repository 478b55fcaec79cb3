import type { DenseMatrix } from '../core/matrix';

/**
 * Medoid of a set of rows, eq. (2): the member minimising the sum of Euclidean distances to all
 * other members. Ties go to the member that comes first in `members`. Returns a row index.
 * With `eligible`, the best member among those it accepts (distances still to all members), or
 * -1 when it accepts none.
 */
export function medoid(points: DenseMatrix, members: ArrayLike<number>, eligible?: (row: number) => boolean): number {
  const m = members.length;
  if (m === 0) throw new RangeError('medoid of an empty set');
  if (m <= 2 && eligible === undefined) return members[0]!;
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
  let best = -1;
  for (let a = 0; a < m; a++) {
    if (eligible !== undefined && !eligible(members[a]!)) continue;
    if (best < 0 || sums[a]! < sums[best]!) best = a;
  }
  return best < 0 ? -1 : members[best]!;
}
