import { InvalidInputError } from '../core/errors';
import type { DenseMatrix } from '../core/matrix';
import { normaliseMinMax } from './entropy';
import { distanceFactor, validateGroupPenalty, type GroupPenalty } from './groupPenalty';
import { GroupQuota, validateGroupLimit, type GroupLimit } from './groupQuota';
import { validateAlpha, validateBudget } from './validation';
import type { SelectedIndex } from './types';

/** Default trade-off α of eq. (10), the paper's choice. */
export const DEFAULT_ALPHA = 0.3;
/** ε of eqs. (7) and (9). */
export const DEFAULT_NORMALISATION_EPSILON = 1e-8;

/** Input of {@link acquire}. Row i of `map` and `entropy` is the same image. */
export interface AcquisitionInput {
  /** 2-D map (N × 2) of every image in the pool, labelled or not. */
  readonly map: DenseMatrix;
  /** Rows already labelled (they are never selected; they count for diversity). */
  readonly labelled: ArrayLike<number>;
  /** Image-level entropy (eq. 6) per row; only unlabelled rows are read. */
  readonly entropy: ArrayLike<number>;
}

/** Options of {@link acquire}. */
export interface AcquisitionOptions {
  /** A: how many images to acquire in this round. */
  readonly count: number;
  /** α in [0, 1]: 0 is pure entropy, 1 pure diversity. Default 0.3. */
  readonly alpha?: number;
  /** ε of eqs. (7) and (9). Default 1e-8. */
  readonly epsilon?: number;
  /** At most this many picks per group (volume) in this round; none by default. */
  readonly groupLimit?: GroupLimit;
  /** A volume penalty on D (groupPenalty.ts): a distance within one volume counts (1 − penalty) times; none by default. */
  readonly groupPenalty?: GroupPenalty;
}

/** One acquired image with the terms of its score at the moment it was picked. */
export interface AcquiredIndex extends SelectedIndex {
  /** ℋ(x), eq. (6), as given. */
  readonly entropy: number;
  /** ℋ̃(x), eq. (7). */
  readonly entropyNormalised: number;
  /** D̃(i), eq. (9); null when nothing was labelled or picked yet (the first pick of a cold pool). */
  readonly diversity: number | null;
  /** S(i), eq. (10); null where diversity is null. */
  readonly score: number | null;
}

/** Result of {@link acquire}. */
export interface AcquisitionOutcome {
  readonly selected: readonly AcquiredIndex[];
  readonly notes: readonly string[];
}

/**
 * Active selection of section 3.2. The entropies of the unlabelled pool are min–max normalised
 * once (eq. 7). The first pick is the highest-entropy image; every later pick maximises
 * S = α·D̃ + (1 − α)·ℋ̃ (eq. 10), where D is the 2-D distance to the nearest image already
 * labelled or picked in this round (eq. 8) and D̃ = D / (D_max + ε) with D_max the largest
 * pairwise distance within the current candidate pool (eq. 9), recomputed as the pool shrinks.
 * Ties go to the candidate that comes first in the input. Under a per-volume cap, candidates of a
 * volume with that many picks in this round are passed over (they still count for D_max), until
 * no candidate is left under the cap: then it is lifted, with a note. Under a volume penalty, D
 * takes a distance to a labelled or picked image of the candidate's own volume as (1 − penalty) of
 * it; D_max is the map's own (a property of the pool, not of the picks).
 */
export function acquire(input: AcquisitionInput, options: AcquisitionOptions): AcquisitionOutcome {
  const n = input.map.rows;
  const count = validateBudget(options.count, 'count');
  const alpha = validateAlpha(options.alpha ?? DEFAULT_ALPHA);
  const epsilon = options.epsilon ?? DEFAULT_NORMALISATION_EPSILON;
  if (input.entropy.length !== n) throw new InvalidInputError('missing-score', `${input.entropy.length} entropies for ${n} images`);
  const labelled = new Uint8Array(n);
  for (let t = 0; t < input.labelled.length; t++) {
    const row = input.labelled[t]!;
    if (!Number.isInteger(row) || row < 0 || row >= n) throw new InvalidInputError('labelled-not-in-pool', `labelled row ${row} is not in the pool of ${n}`);
    labelled[row] = 1;
  }
  const candidates: number[] = [];
  for (let i = 0; i < n; i++) {
    if (labelled[i]) continue;
    const h = input.entropy[i]!;
    // Not required to be ≥ 0: with ε inside the log (eq. 5) a near-certain image scores about −ε.
    if (!Number.isFinite(h)) throw new InvalidInputError('not-finite', `entropy of row ${i} is ${h}; it must be a finite number`);
    candidates.push(i);
  }
  const notes: string[] = [];
  if (candidates.length === 0) throw new InvalidInputError('invalid-budget', 'every image in the pool is already labelled: nothing to acquire');
  if (count > candidates.length) notes.push(`count ${count} > ${candidates.length} unlabelled images: all of them are selected`);
  const entropyTilde = normaliseMinMax(candidates.map((i) => input.entropy[i]!), epsilon);
  const x = input.map.data;
  const nearest = new Float64Array(candidates.length).fill(Infinity);
  const open = new Uint8Array(candidates.length).fill(1);
  const penalty = options.groupPenalty === undefined ? undefined : validateGroupPenalty(options.groupPenalty, n);
  const updateNearest = (row: number): void => {
    for (let a = 0; a < candidates.length; a++) {
      if (!open[a]) continue;
      const i = candidates[a]!;
      const dist = distanceFactor(penalty, i, row) * Math.hypot(x[2 * i]! - x[2 * row]!, x[2 * i + 1]! - x[2 * row + 1]!);
      if (dist < nearest[a]!) nearest[a] = dist;
    }
  };
  for (let i = 0; i < n; i++) if (labelled[i]) updateNearest(i);
  const diameter = new CandidateDiameter(x, candidates);
  const selected: AcquiredIndex[] = [];
  const take = Math.min(count, candidates.length);
  const quota = new GroupQuota(options.groupLimit === undefined ? undefined : validateGroupLimit(options.groupLimit, n));
  for (let pick = 0; pick < take; pick++) {
    const dMax = diameter.value(open);
    const useEntropyOnly = pick === 0;
    if (quota.active && !candidates.some((row, a) => open[a] && quota.allows(row))) notes.push(quota.relax(take, pick));
    let best = -1;
    let bestKey = -Infinity;
    for (let a = 0; a < candidates.length; a++) {
      if (!open[a] || !quota.allows(candidates[a]!)) continue;
      const key = useEntropyOnly ? entropyTilde[a]! : alpha * normalisedDistance(nearest[a]!, dMax, epsilon) + (1 - alpha) * entropyTilde[a]!;
      if (best < 0 || key > bestKey) {
        bestKey = key;
        best = a;
      }
    }
    const row = candidates[best]!;
    const hasDiversity = Number.isFinite(nearest[best]!);
    const diversity = hasDiversity ? normalisedDistance(nearest[best]!, dMax, epsilon) : null;
    selected.push({
      index: row,
      rank: pick + 1,
      cluster: null,
      reason: useEntropyOnly ? 'entropy' : 'score',
      entropy: input.entropy[row]!,
      entropyNormalised: entropyTilde[best]!,
      diversity,
      score: diversity === null ? null : alpha * diversity + (1 - alpha) * entropyTilde[best]!,
    });
    open[best] = 0;
    quota.take(row);
    diameter.removed(best);
    updateNearest(row);
  }
  return { selected, notes };
}

/** D̃ of eq. (9); 0 when D_max + ε is 0 (a single candidate left, with ε = 0). */
function normalisedDistance(distance: number, dMax: number, epsilon: number): number {
  const denom = dMax + epsilon;
  return denom > 0 ? distance / denom : 0;
}

/**
 * D_max of eq. (9) over the open candidates: the diameter of their convex hull, recomputed only
 * when one of the two points realising it leaves the pool (removing any other point cannot
 * change the maximum).
 */
class CandidateDiameter {
  private current: { value: number; a: number; b: number } | null = null;

  constructor(private readonly x: ArrayLike<number>, private readonly candidates: readonly number[]) {}

  value(open: Uint8Array): number {
    if (!this.current) this.current = this.compute(open);
    return this.current.value;
  }

  removed(a: number): void {
    if (this.current && (this.current.a === a || this.current.b === a)) this.current = null;
  }

  private compute(open: Uint8Array): { value: number; a: number; b: number } {
    const hull = convexHull(this.x, this.candidates, open);
    let best = { value: 0, a: -1, b: -1 };
    for (let p = 0; p < hull.length; p++) {
      for (let q = p + 1; q < hull.length; q++) {
        const i = this.candidates[hull[p]!]!;
        const j = this.candidates[hull[q]!]!;
        const d = Math.hypot(this.x[2 * i]! - this.x[2 * j]!, this.x[2 * i + 1]! - this.x[2 * j + 1]!);
        if (d > best.value) best = { value: d, a: hull[p]!, b: hull[q]! };
      }
    }
    return best;
  }
}

/** Andrew's monotone chain over the open candidates; returns candidate positions on the hull. */
function convexHull(x: ArrayLike<number>, candidates: readonly number[], open: Uint8Array): number[] {
  const pts: number[] = [];
  for (let a = 0; a < candidates.length; a++) if (open[a]) pts.push(a);
  const px = (a: number): number => x[2 * candidates[a]!]!;
  const py = (a: number): number => x[2 * candidates[a]! + 1]!;
  pts.sort((a, b) => px(a) - px(b) || py(a) - py(b));
  if (pts.length <= 2) return pts;
  const cross = (o: number, a: number, b: number): number => (px(a) - px(o)) * (py(b) - py(o)) - (py(a) - py(o)) * (px(b) - px(o));
  const lower: number[] = [];
  for (const p of pts) {
    while (lower.length >= 2 && cross(lower[lower.length - 2]!, lower[lower.length - 1]!, p) <= 0) lower.pop();
    lower.push(p);
  }
  const upper: number[] = [];
  for (let t = pts.length - 1; t >= 0; t--) {
    const p = pts[t]!;
    while (upper.length >= 2 && cross(upper[upper.length - 2]!, upper[upper.length - 1]!, p) <= 0) upper.pop();
    upper.push(p);
  }
  lower.pop();
  upper.pop();
  const hull = lower.concat(upper);
  return hull.length > 0 ? hull : [pts[0]!];
}
