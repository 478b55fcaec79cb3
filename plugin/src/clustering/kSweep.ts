import { InvalidInputError } from '../core/errors';
import type { DenseMatrix } from '../core/matrix';
import { reportProgress, type ProgressCallback } from '../core/progress';
import type { Rng } from '../random/rng';
import { kmeans, type KMeansOptions } from './kmeans';
import { silhouetteScores, type SilhouetteOptions } from './silhouette';

/** Options of {@link sweepK}. */
export interface KSweepOptions {
  /** Smallest k tried (default 2). */
  readonly kMin?: number;
  /** Largest k tried (default 15); the sweep also stops at the budget and at N − 1. */
  readonly kMax?: number;
  /** Labelling budget B; 𝒦 = {kMin … min(kMax, B, N − 1)}. */
  readonly budget: number;
  readonly kmeans?: KMeansOptions;
  readonly silhouette?: SilhouetteOptions;
  readonly onProgress?: ProgressCallback;
}

/** One k of the sweep. */
export interface KSweepEntry {
  readonly k: number;
  /** Mean silhouette; NaN when k-means produced fewer than 2 non-empty clusters. */
  readonly silhouette: number;
  readonly inertia: number;
}

/** The chosen clustering: clusters renumbered by size (largest first). */
export interface Clustering {
  readonly k: number;
  /** Cluster of each point, in [0, k). */
  readonly labels: Int32Array;
  /** Members of each cluster in input order. */
  readonly members: Int32Array[];
}

/** Result of {@link sweepK}. */
export interface KSweepResult {
  /** k̂ and its clustering, or null when 𝒦 is empty or no k gave two clusters. */
  readonly chosen: Clustering | null;
  readonly entries: readonly KSweepEntry[];
  readonly silhouetteExact: boolean;
  readonly silhouetteEvaluatedPoints: number;
}

/** The candidate set 𝒦 = {kMin … min(kMax, B, N − 1)} (possibly empty). */
export function candidateKs(n: number, budget: number, kMin = 2, kMax = 15): number[] {
  if (!Number.isInteger(kMin) || kMin < 2) throw new InvalidInputError('invalid-option', `k-min must be an integer ≥ 2, got ${kMin}`);
  if (!Number.isInteger(kMax) || kMax < kMin) throw new InvalidInputError('invalid-option', `k-max must be an integer ≥ k-min (${kMin}), got ${kMax}`);
  const hi = Math.min(kMax, budget, n - 1);
  const ks: number[] = [];
  for (let k = kMin; k <= hi; k++) ks.push(k);
  return ks;
}

/**
 * Eq. (1): runs k-means for every k in 𝒦 and keeps k̂ = argmax of the mean silhouette, ties to
 * the smaller k. The silhouettes of all k are computed in one pass over the pairwise distances.
 */
export function sweepK(points: DenseMatrix, options: KSweepOptions, rng: Rng): KSweepResult {
  const ks = candidateKs(points.rows, options.budget, options.kMin, options.kMax);
  const runs = ks.map((k, idx) => {
    reportProgress(options.onProgress, 'kmeans-sweep', idx / ks.length, `k=${k}`);
    return kmeans(points, k, options.kmeans ?? {}, rng.fork());
  });
  reportProgress(options.onProgress, 'kmeans-sweep', 1);
  if (runs.length === 0) return { chosen: null, entries: [], silhouetteExact: true, silhouetteEvaluatedPoints: 0 };
  reportProgress(options.onProgress, 'silhouette', 0);
  const sil = silhouetteScores(points, runs.map((r) => r.labels), options.silhouette ?? {}, rng.fork());
  reportProgress(options.onProgress, 'silhouette', 1);
  const entries = runs.map((r, idx) => ({ k: r.k, silhouette: sil.scores[idx]!, inertia: r.inertia }));
  const best = chooseBestK(entries);
  return {
    chosen: best < 0 ? null : renumberBySize(runs[best]!.labels),
    entries,
    silhouetteExact: sil.exact,
    silhouetteEvaluatedPoints: sil.evaluatedPoints,
  };
}

/** Index of k̂ = argmax silhouette in `entries` (ordered by k); ties keep the smaller k; −1 if all are NaN. */
export function chooseBestK(entries: readonly KSweepEntry[]): number {
  let best = -1;
  for (let idx = 0; idx < entries.length; idx++) {
    const s = entries[idx]!.silhouette;
    if (Number.isNaN(s)) continue;
    if (best < 0 || s > entries[best]!.silhouette) best = idx; // strict: a tie keeps the smaller k
  }
  return best;
}

/**
 * Renumbers clusters so that cluster 0 is the largest (ties: the one whose first member comes
 * first), dropping empty clusters, so that the numbering is stable and readable.
 */
export function renumberBySize(labels: Int32Array): Clustering {
  const groups = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i]!;
    let g = groups.get(c);
    if (!g) groups.set(c, (g = []));
    g.push(i);
  }
  const ordered = [...groups.values()].sort((a, b) => b.length - a.length || a[0]! - b[0]!);
  const out = new Int32Array(labels.length);
  ordered.forEach((g, c) => g.forEach((i) => (out[i] = c)));
  return { k: ordered.length, labels: out, members: ordered.map((g) => Int32Array.from(g)) };
}
