import { kmeans } from '../clustering/kmeans';
import { renumberBySize } from '../clustering/kSweep';
import { medoid } from '../clustering/medoid';
import { reportProgress } from '../core/progress';
import type { Rng } from '../random/rng';
import { FarthestPointSampler } from './farthestPointSampling';
import { GroupQuota, validateGroupLimit } from './groupQuota';
import { validateBudget } from './validation';
import type { ColdStartInput, ColdStartOptions, ColdStartOutcome, ColdStartStrategy, SelectedIndex } from './types';

/**
 * The paper's "k-means in the feature space" baseline (Yuan et al.): k-means with k = B on the
 * encoder's embeddings (not the 2-D map), then the medoid of each cluster in that space. Ranked
 * by cluster size, largest first.
 *
 * Edge cases: B ≥ N uses k = N. When the embeddings have fewer distinct rows than k, k-means
 * leaves clusters empty; the missing slots are filled by farthest-point sampling from the
 * medoids in the embedding space (reason `farthest-point`), so exactly min(B, N) are selected.
 * Under a per-volume cap each cluster's medoid is taken among the members whose volume has room,
 * and the slots of clusters with none are filled the same way.
 */
export function kmeansBudgetSelection(input: ColdStartInput, options: ColdStartOptions, rng: Rng): ColdStartOutcome {
  const n = input.embeddings.rows;
  const budget = validateBudget(options.budget);
  const k = Math.min(budget, n);
  const notes: string[] = [];
  if (budget >= n) notes.push(`budget ${budget} ≥ pool size ${n}: every image is selected`);
  reportProgress(options.onProgress, 'kmeans-budget', 0, `k=${k}`);
  const result = kmeans(input.embeddings, k, { restarts: 3, ...options.kmeans }, rng);
  reportProgress(options.onProgress, 'kmeans-budget', 1);
  const clustering = renumberBySize(result.labels);
  const quota = new GroupQuota(options.groupLimit === undefined ? undefined : validateGroupLimit(options.groupLimit, n));
  const selected: SelectedIndex[] = [];
  // Largest cluster first; under a cap, each medoid among the members whose volume still has room.
  const medoids = clustering.members.map((members, c) => {
    const index = medoid(input.embeddings, members, quota.active ? (row) => quota.allows(row) : undefined);
    if (index >= 0) {
      quota.take(index);
      selected.push({ index, rank: selected.length + 1, cluster: c, reason: 'medoid' as const });
    }
    return index;
  });
  if (clustering.k < k) notes.push(`k-means found only ${clustering.k} distinct clusters for k = ${k} (duplicate embeddings): the rest filled by farthest-point sampling`);
  if (selected.length < k) {
    const all = Int32Array.from({ length: n }, (_, i) => i);
    const sampler = new FarthestPointSampler(input.embeddings, all, selected.map((s) => s.index));
    while (selected.length < k) {
      let index = sampler.next((row) => quota.allows(row));
      if (index < 0) {
        notes.push(quota.relax(k, selected.length));
        index = sampler.next();
      }
      quota.take(index);
      selected.push({ index, rank: selected.length + 1, cluster: clustering.labels[index]!, reason: 'farthest-point' });
    }
  }
  const allocated = new Int32Array(clustering.k);
  selected.forEach((s) => allocated[s.cluster!]!++);
  return {
    k: null,
    clusters: clustering.members.map((members, c) => ({ id: c, size: members.length, medoid: medoids[c]! >= 0 ? medoids[c]! : medoid(input.embeddings, members), allocated: allocated[c]! })),
    selected,
    sweep: [],
    notes,
  };
}

/** Registry entry for the k-means-to-budget baseline. */
export const kmeansBudgetStrategy: ColdStartStrategy = {
  id: 'kmeans-budget',
  description: 'Baseline: k-means with k = B on the original embeddings, the medoid of each cluster.',
  select: kmeansBudgetSelection,
};
