import { sampleWithoutReplacement, type Rng } from '../random/rng';
import { GroupQuota, validateGroupLimit, type GroupLimit } from './groupQuota';
import { validateBudget } from './validation';
import type { ColdStartInput, ColdStartOptions, ColdStartOutcome, ColdStartStrategy } from './types';

/**
 * The paper's "random seeding" baseline: min(B, N) images drawn uniformly without replacement;
 * the rank is the order of drawing. Under a per-volume cap, rows of volumes already at the cap are
 * skipped in the drawing order.
 */
export function randomSelection(input: ColdStartInput, options: ColdStartOptions, rng: Rng): ColdStartOutcome {
  const n = input.map.rows;
  const budget = validateBudget(options.budget);
  const take = Math.min(budget, n);
  const notes = budget >= n ? [`budget ${budget} ≥ pool size ${n}: every image is selected, in random order`] : [];
  const picks = options.groupLimit === undefined ? sampleWithoutReplacement(n, take, rng) : cappedDraw(n, take, options.groupLimit, rng, notes);
  return {
    k: null,
    clusters: [],
    selected: Array.from(picks, (index, r) => ({ index, rank: r + 1, cluster: null, reason: 'random' as const })),
    sweep: [],
    notes,
  };
}

/** A random order of the whole pool, walked skipping rows of full volumes (lifted only when too few are left). */
function cappedDraw(n: number, take: number, limit: GroupLimit, rng: Rng, notes: string[]): Int32Array {
  const quota = new GroupQuota(validateGroupLimit(limit, n));
  const order = sampleWithoutReplacement(n, n, rng);
  const picked = new Uint8Array(n);
  const out: number[] = [];
  for (const row of order) {
    if (out.length === take) break;
    if (!quota.allows(row)) continue;
    quota.take(row);
    picked[row] = 1;
    out.push(row);
  }
  if (out.length < take) {
    notes.push(quota.relax(take, out.length));
    for (const row of order) if (out.length < take && !picked[row]) out.push(row);
  }
  return Int32Array.from(out);
}

/** Registry entry for the random baseline. */
export const randomStrategy: ColdStartStrategy = {
  id: 'random',
  description: 'Baseline: images drawn uniformly at random without replacement.',
  select: randomSelection,
};
