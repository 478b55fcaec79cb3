import type { DenseMatrix } from '../core/matrix';

/**
 * Greedy farthest-point selection: starting from the already-selected rows `seeds`, repeatedly
 * adds the member of `members` whose minimum Euclidean distance to the selected set is largest
 * (ties: the member that comes first in `members`). Returns the `count` added rows in the order
 * they were picked. Seeds are never picked again.
 */
export function farthestPointSampling(points: DenseMatrix, members: ArrayLike<number>, seeds: ArrayLike<number>, count: number): Int32Array {
  const m = members.length;
  const { cols: d, data: x } = points;
  const minDist = new Float64Array(m).fill(Infinity);
  const taken = new Uint8Array(m);
  const seedSet = new Set<number>(Array.from(seeds));
  for (let a = 0; a < m; a++) if (seedSet.has(members[a]!)) taken[a] = 1;
  const update = (row: number): void => {
    for (let a = 0; a < m; a++) {
      if (taken[a]) continue;
      const i = members[a]!;
      let s = 0;
      for (let c = 0; c < d; c++) {
        const t = x[i * d + c]! - x[row * d + c]!;
        s += t * t;
      }
      if (s < minDist[a]!) minDist[a] = s;
    }
  };
  for (let s = 0; s < seeds.length; s++) update(seeds[s]!);
  const out = new Int32Array(count);
  for (let p = 0; p < count; p++) {
    let best = -1;
    for (let a = 0; a < m; a++) {
      if (taken[a]) continue;
      if (best < 0 || minDist[a]! > minDist[best]!) best = a;
    }
    if (best < 0) throw new RangeError(`farthest-point sampling: asked for ${count} of ${m} members`);
    taken[best] = 1;
    out[p] = members[best]!;
    update(members[best]!);
  }
  return out;
}
