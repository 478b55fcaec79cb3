import { sampleWithoutReplacement, type Rng } from '../random/rng';
import { validateBudget } from './validation';
import type { ColdStartInput, ColdStartOptions, ColdStartOutcome, ColdStartStrategy } from './types';

/**
 * The paper's "random seeding" baseline: min(B, N) images drawn uniformly without replacement;
 * the rank is the order of drawing.
 */
export function randomSelection(input: ColdStartInput, options: ColdStartOptions, rng: Rng): ColdStartOutcome {
  const n = input.map.rows;
  const budget = validateBudget(options.budget);
  const picks = sampleWithoutReplacement(n, Math.min(budget, n), rng);
  const notes = budget >= n ? [`budget ${budget} ≥ pool size ${n}: every image is selected, in random order`] : [];
  return {
    k: null,
    clusters: [],
    selected: Array.from(picks, (index, r) => ({ index, rank: r + 1, cluster: null, reason: 'random' as const })),
    sweep: [],
    notes,
  };
}

/** Registry entry for the random baseline. */
export const randomStrategy: ColdStartStrategy = {
  id: 'random',
  description: 'Baseline: images drawn uniformly at random without replacement.',
  select: randomSelection,
};
