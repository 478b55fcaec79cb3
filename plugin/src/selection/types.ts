import type { DenseMatrix } from '../core/matrix';
import type { ProgressCallback } from '../core/progress';
import type { KSweepEntry } from '../clustering/kSweep';
import type { KMeansOptions } from '../clustering/kmeans';
import type { SilhouetteOptions } from '../clustering/silhouette';
import type { Rng } from '../random/rng';
import type { GroupPenalty } from './groupPenalty';
import type { GroupLimit } from './groupQuota';

/** Why an item was selected. */
export type SelectionReason = 'medoid' | 'farthest-point' | 'random' | 'entropy' | 'score';

/** One selected item; `index` is the row in the caller's input. */
export interface SelectedIndex {
  readonly index: number;
  /** 1-based rank: the order in which the items should be labelled. */
  readonly rank: number;
  /** Cluster the item was picked from, or null where the strategy has no clusters. */
  readonly cluster: number | null;
  readonly reason: SelectionReason;
}

/** One cluster of a clustering-based strategy. */
export interface ClusterSummary {
  readonly id: number;
  readonly size: number;
  /** Row index of the cluster's medoid. */
  readonly medoid: number;
  /** Items selected from this cluster (the medoid included). */
  readonly allocated: number;
}

/** What a cold-start strategy returns. */
export interface ColdStartOutcome {
  /** k̂ of the silhouette sweep (eq. 1) for `coldstart`; null for the baselines. */
  readonly k: number | null;
  readonly clusters: readonly ClusterSummary[];
  readonly selected: readonly SelectedIndex[];
  /** The silhouette sweep (empty for the baselines). */
  readonly sweep: readonly KSweepEntry[];
  /** Edge cases that applied, in words (e.g. "budget ≥ pool size: every image is selected"). */
  readonly notes: readonly string[];
}

/** The data a cold-start strategy selects from. Row i of both matrices is the same image. */
export interface ColdStartInput {
  /** The encoder's embeddings (N × D). */
  readonly embeddings: DenseMatrix;
  /** The 2-D map (N × 2) the projection produced. */
  readonly map: DenseMatrix;
}

/** Options common to the cold-start strategies. */
export interface ColdStartOptions {
  /** Labelling budget B (a positive integer). */
  readonly budget: number;
  readonly kMin?: number;
  readonly kMax?: number;
  readonly kmeans?: KMeansOptions;
  readonly silhouette?: SilhouetteOptions;
  readonly onProgress?: ProgressCallback;
  /** At most this many picks per group (volume); none by default. */
  readonly groupLimit?: GroupLimit;
  /** A volume penalty on the diversity distances (groupPenalty.ts; the paper's cold start only); none by default. */
  readonly groupPenalty?: GroupPenalty;
}

/** A cold-start strategy: pure, synchronous, all randomness from `rng`. */
export interface ColdStartStrategy {
  readonly id: string;
  readonly description: string;
  select(input: ColdStartInput, options: ColdStartOptions, rng: Rng): ColdStartOutcome;
}
