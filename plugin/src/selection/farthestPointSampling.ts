import type { DenseMatrix } from '../core/matrix';
import { distanceFactor, type GroupPenalty } from './groupPenalty';

/**
 * Greedy farthest-point selection: starting from the already-selected rows `seeds`, repeatedly
 * adds the member of `members` whose minimum Euclidean distance to the selected set is largest
 * (ties: the member that comes first in `members`). Returns the `count` added rows in the order
 * they were picked. Seeds are never picked again.
 */
export function farthestPointSampling(points: DenseMatrix, members: ArrayLike<number>, seeds: ArrayLike<number>, count: number): Int32Array {
  const sampler = new FarthestPointSampler(points, members, seeds);
  const out = new Int32Array(count);
  for (let p = 0; p < count; p++) {
    const row = sampler.next();
    if (row < 0) throw new RangeError(`farthest-point sampling: asked for ${count} of ${members.length} members`);
    out[p] = row;
  }
  return out;
}

/**
 * {@link farthestPointSampling} one pick at a time, so that picks can be interleaved with other
 * samplers and restricted to rows a caller allows (e.g. a per-volume cap). With a volume
 * `penalty`, a distance within one volume counts (1 − penalty) times (groupPenalty.ts).
 */
export class FarthestPointSampler {
  private readonly minDist: Float64Array;
  private readonly taken: Uint8Array;

  constructor(private readonly points: DenseMatrix, private readonly members: ArrayLike<number>, seeds: ArrayLike<number>, private readonly penalty?: GroupPenalty) {
    const m = members.length;
    this.minDist = new Float64Array(m).fill(Infinity);
    this.taken = new Uint8Array(m);
    const seedSet = new Set<number>(Array.from(seeds));
    for (let a = 0; a < m; a++) if (seedSet.has(members[a]!)) this.taken[a] = 1;
    for (let s = 0; s < seeds.length; s++) this.update(seeds[s]!);
  }

  /** Picks the farthest member that `allows` (default: any); -1 when none is left. */
  next(allows?: (row: number) => boolean): number {
    let best = -1;
    for (let a = 0; a < this.members.length; a++) {
      if (this.taken[a] || (allows !== undefined && !allows(this.members[a]!))) continue;
      if (best < 0 || this.minDist[a]! > this.minDist[best]!) best = a;
    }
    if (best < 0) return -1;
    const row = this.members[best]!;
    this.taken[best] = 1;
    this.update(row);
    return row;
  }

  /** Counts `row` as selected (picked elsewhere): members near it become less attractive. */
  update(row: number): void {
    this.measure(row, false);
  }

  /**
   * A row picked outside this sampler's members (another cluster's pick): only members of its
   * volume take the penalised distance to it; nothing changes without a penalty.
   */
  notePickElsewhere(row: number): void {
    if (this.penalty !== undefined) this.measure(row, true);
  }

  private measure(row: number, sameVolumeOnly: boolean): void {
    const { cols: d, data: x } = this.points;
    for (let a = 0; a < this.members.length; a++) {
      const i = this.members[a]!;
      if (i === row) this.taken[a] = 1;
      if (this.taken[a]) continue;
      const factor = distanceFactor(this.penalty, i, row);
      if (sameVolumeOnly && factor === 1) continue;
      let s = 0;
      for (let c = 0; c < d; c++) {
        const t = x[i * d + c]! - x[row * d + c]!;
        s += t * t;
      }
      s *= factor * factor; // squared distances
      if (s < this.minDist[a]!) this.minDist[a] = s;
    }
  }
}
