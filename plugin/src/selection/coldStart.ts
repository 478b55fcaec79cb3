import { medoid } from '../clustering/medoid';
import { reportProgress } from '../core/progress';
import { sweepK, type Clustering } from '../clustering/kSweep';
import type { Rng } from '../random/rng';
import { allocateProportionally } from './allocation';
import { FarthestPointSampler, farthestPointSampling } from './farthestPointSampling';
import { validateGroupPenalty, type GroupPenalty } from './groupPenalty';
import { GroupQuota, validateGroupLimit } from './groupQuota';
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
  const penalty = options.groupPenalty === undefined ? undefined : validateGroupPenalty(options.groupPenalty, n);
  const selected = options.groupLimit === undefined && penalty === undefined
    ? pickUncapped(input, clustering, medoids, shares)
    : pickPerVolume(input, clustering, medoids, shares, take, new GroupQuota(options.groupLimit === undefined ? undefined : validateGroupLimit(options.groupLimit, n)), penalty, notes);
  const allocated = new Int32Array(clustering.k);
  const taken = medoids.slice();
  for (const s of selected) {
    allocated[s.cluster!]!++;
    if (s.reason === 'medoid') taken[s.cluster!] = s.index;
  }
  const clusters: ClusterSummary[] = clustering.members.map((members, c) => ({
    id: c,
    size: members.length,
    medoid: taken[c]!,
    allocated: allocated[c]!,
  }));
  reportProgress(options.onProgress, 'selection', 1);
  return { k: clustering.k, clusters, selected, sweep, notes };
}

/** The paper's picks: the medoids, then the farthest-point picks round-robin over the clusters. */
function pickUncapped(input: ColdStartInput, clustering: Clustering, medoids: readonly number[], shares: Int32Array): SelectedIndex[] {
  const extra = clustering.members.map((members, c) => farthestPointSampling(input.map, members, [medoids[c]!], shares[c]!));
  const selected: SelectedIndex[] = medoids.map((index, c) => ({ index, rank: c + 1, cluster: c, reason: 'medoid' as const }));
  const maxShare = shares.reduce((a, b) => Math.max(a, b), 0);
  for (let pass = 0; pass < maxShare; pass++) {
    for (let c = 0; c < clustering.k; c++) {
      if (pass < shares[c]!) selected.push({ index: extra[c]![pass]!, rank: selected.length + 1, cluster: c, reason: 'farthest-point' });
    }
  }
  return selected;
}

/**
 * The same picks under a per-volume cap and/or a volume penalty. Cap: a medoid whose volume is
 * full gives way to the member of its cluster nearest to it whose volume has room; farthest-point
 * picks skip full volumes; slots a cluster cannot fill go to farthest-point picks over the whole
 * pool, and only when the cap leaves too few rows for the budget is it lifted (noted). Penalty
 * (groupPenalty.ts): inside each cluster, farthest-point sampling measures a distance within one
 * volume as (1 − penalty) of it, to the cluster's own picks and to every other cluster's picks of
 * that volume, so that a volume already picked anywhere is the last place to look.
 */
function pickPerVolume(
  input: ColdStartInput, clustering: Clustering, medoids: readonly number[], shares: Int32Array, take: number, quota: GroupQuota,
  penalty: GroupPenalty | undefined, notes: string[],
): SelectedIndex[] {
  const selected: SelectedIndex[] = [];
  const samplers: FarthestPointSampler[] = [];
  const add = (index: number, cluster: number, reason: SelectedIndex['reason']): void => {
    quota.take(index);
    selected.push({ index, rank: selected.length + 1, cluster, reason });
    samplers.forEach((sampler, c) => c !== cluster && sampler.notePickElsewhere(index));
  };
  const seeds = medoids.map((m, c) => {
    const row = quota.allows(m) ? m : nearestAllowed(input.map, clustering.members[c]!, m, quota);
    if (row >= 0) add(row, c, 'medoid');
    return row;
  });
  const replaced = seeds.filter((row, c) => row !== medoids[c]).length;
  if (replaced > 0) notes.push(`${replaced} cluster medoid(s) were in a volume already at the cap of ${quota.cap} per volume: the nearest member from another volume was taken`);
  clustering.members.forEach((members, c) => samplers.push(new FarthestPointSampler(input.map, members, seeds[c]! >= 0 ? [seeds[c]!] : [], penalty)));
  for (const [c, sampler] of samplers.entries()) seeds.forEach((row, other) => other !== c && row >= 0 && sampler.notePickElsewhere(row));
  const maxShare = shares.reduce((a, b) => Math.max(a, b), 0);
  for (let pass = 0; pass < maxShare; pass++) {
    for (let c = 0; c < clustering.k; c++) {
      if (pass >= shares[c]!) continue;
      const row = samplers[c]!.next((r) => quota.allows(r));
      if (row >= 0) add(row, c, 'farthest-point');
    }
  }
  if (selected.length < take) {
    const all = Int32Array.from({ length: input.map.rows }, (_, i) => i);
    const global = new FarthestPointSampler(input.map, all, selected.map((s) => s.index), penalty);
    const cluster = clusterOf(clustering);
    while (selected.length < take) {
      let row = global.next((r) => quota.allows(r));
      if (row < 0) {
        notes.push(quota.relax(take, selected.length));
        row = global.next();
      }
      add(row, cluster[row]!, 'farthest-point');
    }
  }
  return selected;
}

function nearestAllowed(map: ColdStartInput['map'], members: ArrayLike<number>, to: number, quota: GroupQuota): number {
  let best = -1;
  let bestDist = Infinity;
  for (let a = 0; a < members.length; a++) {
    const row = members[a]!;
    if (!quota.allows(row)) continue;
    let d = 0;
    for (let c = 0; c < map.cols; c++) d += (map.data[row * map.cols + c]! - map.data[to * map.cols + c]!) ** 2;
    if (d < bestDist) {
      bestDist = d;
      best = row;
    }
  }
  return best;
}

function clusterOf(clustering: Clustering): Int32Array {
  const out = new Int32Array(clustering.labels.length);
  clustering.members.forEach((members, c) => members.forEach((row) => (out[row] = c)));
  return out;
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
