import { medoid } from '../clustering/medoid';
import { reportProgress } from '../core/progress';
import { sweepK, type Clustering } from '../clustering/kSweep';
import type { Rng } from '../random/rng';
import { allocateProportionally } from './allocation';
import { farthestPointSampling } from './farthestPointSampling';
import { validateBudget } from './validation';
import type { ClusterSummary, ColdStartInput, ColdStartOptions, ColdStartOutcome, ColdStartStrategy, SelectedIndex } from './types';

/**
 * The paper's cold start (section 3.1) on the 2-D map:
 * 1. k-means for every k in 𝒦 = {kMin … min(kMax, B, N − 1)}, k̂ = argmax mean silhouette (eq. 1);
 * 2. the medoid of each cluster (eq. 2);
 * 3. R = B − k̂ remaining slots (eq. 3), split over clusters by size with the largest-remainder
 *    method so that Σ r_c = R exactly, at most |C_c| − 1 per cluster (eq. 4);
 * 4. inside each cluster, greedy farthest-point selection starting from its medoid.
 *
 * Ranking: the medoids first (largest cluster first), then the farthest-point picks taken
 * round-robin over the clusters in the same order, so that any prefix of the worklist is spread
 * over the clusters.
 *
 * Edge cases: B ≥ N selects every image (one cluster: its medoid, then farthest-point order);
 * when 𝒦 is empty (B = 1, or N < 3) or no k yields two non-empty clusters (all points equal),
 * the pool is one cluster: its medoid, then farthest-point picks.
 */
export function coldStart(input: ColdStartInput, options: ColdStartOptions, rng: Rng): ColdStartOutcome {
  const n = input.map.rows;
  const budget = validateBudget(options.budget);
  const notes: string[] = [];
  let clustering: Clustering;
  let sweep: ColdStartOutcome['sweep'] = [];
  if (budget >= n) {
    notes.push(`budget ${budget} ≥ pool size ${n}: every image is selected (one cluster: medoid, then farthest-point order)`);
    clustering = singleCluster(n);
  } else {
    const result = sweepK(input.map, { ...options, budget }, rng);
    sweep = result.entries;
    if (!result.silhouetteExact) {
      notes.push(`silhouette estimated on a seeded sample of ${result.silhouetteEvaluatedPoints} of ${n} points (each exact against all points)`);
    }
    if (result.chosen) {
      clustering = result.chosen;
    } else {
      notes.push(sweep.length === 0
        ? `no k to try (𝒦 = {${options.kMin ?? 2} … min(${options.kMax ?? 15}, B=${budget}, N−1=${n - 1})} is empty): one cluster`
        : 'no k gave two distinct clusters (all points coincide): one cluster');
      clustering = singleCluster(n);
    }
  }
  reportProgress(options.onProgress, 'selection', 0);
  const take = Math.min(budget, n);
  const medoids = clustering.members.map((members) => medoid(input.map, members));
  const caps = clustering.members.map((members) => members.length - 1);
  const shares = allocateProportionally(take - clustering.k, clustering.members.map((m) => m.length), caps);
  const extra = clustering.members.map((members, c) => farthestPointSampling(input.map, members, [medoids[c]!], shares[c]!));
  const selected: SelectedIndex[] = medoids.map((index, c) => ({ index, rank: c + 1, cluster: c, reason: 'medoid' as const }));
  const maxShare = shares.reduce((a, b) => Math.max(a, b), 0);
  for (let pass = 0; pass < maxShare; pass++) {
    for (let c = 0; c < clustering.k; c++) {
      if (pass < shares[c]!) selected.push({ index: extra[c]![pass]!, rank: selected.length + 1, cluster: c, reason: 'farthest-point' });
    }
  }
  const clusters: ClusterSummary[] = clustering.members.map((members, c) => ({
    id: c,
    size: members.length,
    medoid: medoids[c]!,
    allocated: 1 + shares[c]!,
  }));
  reportProgress(options.onProgress, 'selection', 1);
  return { k: clustering.k, clusters, selected, sweep, notes };
}

function singleCluster(n: number): Clustering {
  const members = new Int32Array(n);
  for (let i = 0; i < n; i++) members[i] = i;
  return { k: 1, labels: new Int32Array(n), members: [members] };
}

/** Registry entry for the paper's cold start. */
export const coldStartStrategy: ColdStartStrategy = {
  id: 'coldstart',
  description: 'The paper\'s cold start: k-means on the 2-D map with k chosen by silhouette, cluster medoids, budget split by cluster size, farthest-point sampling inside clusters.',
  select: coldStart,
};
