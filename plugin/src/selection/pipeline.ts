import { InvalidInputError } from '../core/errors';
import { assertFinite, type DenseMatrix } from '../core/matrix';
import type { ProgressCallback } from '../core/progress';
import type { TsneOptions } from '../projection/tsne';
import { createRng } from '../random/rng';
import { defaultRegistries, type Registries } from '../registries';
import { acquire, DEFAULT_ALPHA } from './acquisition';
import type { KSweepEntry } from '../clustering/kSweep';
import { indexIds, validateAlpha, validateBudget } from './validation';
import type { SelectionReason } from './types';
import { validateGroupLimit, type GroupLimit } from './groupQuota';
import { validateGroupPenalty, type GroupPenalty } from './groupPenalty';

/** A pool of embedded images: ids and one embedding row per id. */
export interface EmbeddedPool {
  readonly ids: readonly string[];
  readonly embeddings: DenseMatrix;
}

/** Options shared by both pipelines. */
export interface PipelineOptions {
  /** Projection id (`tsne`, `pca`, `none`). Default `tsne`. */
  readonly projection?: string;
  /** Seed of every stochastic step. Default 42. */
  readonly seed?: number;
  readonly tsne?: TsneOptions;
  readonly onProgress?: ProgressCallback;
  readonly registries?: Registries;
  /**
   * The group (e.g. the volume or patient) of each pool id, in the order of `pool.ids`; with
   * `maxPerGroup`, at most that many picks per group in this selection; with `groupPenalty`, a
   * diversity distance within one group counts (1 − groupPenalty) times (groupPenalty.ts: the
   * paper's cold start and the acquisition; `random` and `kmeans-budget` measure no distances).
   */
  readonly groups?: readonly string[];
  readonly maxPerGroup?: number;
  readonly groupPenalty?: number;
}

/** Options of {@link runColdStart}. */
export interface ColdStartRequest extends PipelineOptions {
  readonly budget: number;
  /** Strategy id (`coldstart`, `random`, `kmeans-budget`). Default `coldstart`. */
  readonly strategy?: string;
  readonly kMin?: number;
  readonly kMax?: number;
  /** k-means restarts per k. Default 10. */
  readonly restarts?: number;
}

/** Options of {@link runAcquisition}. */
export interface AcquisitionRequest extends PipelineOptions {
  /** Image-level entropy (eq. 6) per unlabelled id. */
  readonly entropy: ReadonlyMap<string, number>;
  /** Ids already labelled. */
  readonly labelled: readonly string[];
  readonly count: number;
  readonly alpha?: number;
}

/** One selected image, as reported to users. */
export interface SelectionEntry {
  readonly id: string;
  readonly rank: number;
  readonly cluster: number | null;
  readonly reason: SelectionReason;
  readonly x: number;
  readonly y: number;
  readonly entropy?: number;
  readonly entropyNormalised?: number;
  readonly diversity?: number | null;
  readonly score?: number | null;
}

/** The JSON report of a selection (the CLI's output, the server's worklist source). */
export interface SelectionReport {
  readonly strategy: string;
  readonly projection: string;
  readonly seed: number;
  readonly poolSize: number;
  readonly budget: number;
  readonly k: number | null;
  readonly alpha?: number;
  readonly silhouette: readonly KSweepEntry[];
  readonly clusters: ReadonlyArray<{ id: number; size: number; medoid: string; allocated: number }>;
  readonly selected: readonly SelectionEntry[];
  readonly labelled?: readonly string[];
  /** The per-group cap this selection kept to, and over how many groups. */
  readonly groupLimit?: { readonly maxPerGroup: number; readonly groups: number };
  /** The volume penalty this selection used, and over how many groups. */
  readonly groupPenalty?: { readonly penalty: number; readonly groups: number };
  readonly notes: readonly string[];
}

/** A report together with the 2-D map it was computed on (for plots and the viewer's map). */
export interface SelectionRun {
  readonly report: SelectionReport;
  readonly map: DenseMatrix;
}

/**
 * Cold start end to end: validate → project to 2-D → run the strategy. The projection gets the
 * first fork of the seed's generator and the strategy the second, so that `runAcquisition` with
 * the same seed and embeddings computes the same map.
 */
export async function runColdStart(pool: EmbeddedPool, request: ColdStartRequest): Promise<SelectionRun> {
  const registries = request.registries ?? defaultRegistries;
  const strategy = registries.strategies.get(request.strategy ?? 'coldstart');
  const projection = registries.projections.get(request.projection ?? 'tsne');
  const budget = validateBudget(request.budget);
  const seed = request.seed ?? 42;
  validatePool(pool);
  const root = createRng(seed);
  const projectionRng = root.fork();
  const selectionRng = root.fork();
  const { limit: groupLimit, penalty: groupPenalty } = perGroupOf(pool, request);
  const map = await projection.project(pool.embeddings, { tsne: request.tsne, onProgress: request.onProgress }, projectionRng);
  const outcome = strategy.select(
    { embeddings: pool.embeddings, map },
    {
      budget,
      ...(groupLimit && { groupLimit: groupLimit.limit }),
      ...(groupPenalty && { groupPenalty: groupPenalty.penalty }),
      kMin: request.kMin,
      kMax: request.kMax,
      kmeans: request.restarts === undefined ? undefined : { restarts: request.restarts },
      onProgress: request.onProgress,
    },
    selectionRng,
  );
  const ids = pool.ids;
  return {
    map,
    report: {
      strategy: strategy.id,
      projection: projection.id,
      seed,
      poolSize: ids.length,
      budget,
      k: outcome.k,
      silhouette: outcome.sweep,
      clusters: outcome.clusters.map((c) => ({ id: c.id, size: c.size, medoid: ids[c.medoid]!, allocated: c.allocated })),
      selected: outcome.selected.map((s) => ({ id: ids[s.index]!, rank: s.rank, cluster: s.cluster, reason: s.reason, x: map.data[2 * s.index]!, y: map.data[2 * s.index + 1]! })),
      ...(groupLimit && { groupLimit: groupLimit.summary }),
      ...(groupPenalty && { groupPenalty: groupPenalty.summary }),
      notes: outcome.notes,
    },
  };
}

/**
 * One active-learning acquisition end to end (eqs. 7–10): validate ids → project the whole pool
 * to 2-D with the same generator fork as the cold start → acquire `count` images.
 */
export async function runAcquisition(pool: EmbeddedPool, request: AcquisitionRequest): Promise<SelectionRun> {
  const registries = request.registries ?? defaultRegistries;
  const projection = registries.projections.get(request.projection ?? 'tsne');
  const count = validateBudget(request.count, 'count');
  const alpha = validateAlpha(request.alpha ?? DEFAULT_ALPHA);
  const seed = request.seed ?? 42;
  const index = validatePool(pool);
  const labelledRows = request.labelled.map((id) => {
    const row = index.get(id);
    if (row === undefined) throw new InvalidInputError('labelled-not-in-pool', `labelled id "${id}" is not in the pool of embeddings`);
    return row;
  });
  indexIds(request.labelled, 'labelled ids');
  const labelledSet = new Set(labelledRows);
  const entropy = new Float64Array(pool.ids.length).fill(NaN);
  for (const [id, value] of request.entropy) {
    const row = index.get(id);
    if (row === undefined) throw new InvalidInputError('unknown-id', `entropy given for id "${id}", which is not in the pool of embeddings`);
    entropy[row] = value;
  }
  const missing = pool.ids.filter((_id, row) => !labelledSet.has(row) && Number.isNaN(entropy[row]!));
  if (missing.length > 0) {
    throw new InvalidInputError('missing-score', `no entropy for ${missing.length} unlabelled image(s): ${missing.slice(0, 5).map((m) => `"${m}"`).join(', ')}${missing.length > 5 ? ', …' : ''}`);
  }
  const { limit: groupLimit, penalty: groupPenalty } = perGroupOf(pool, request);
  const root = createRng(seed);
  const projectionRng = root.fork();
  const map = await projection.project(pool.embeddings, { tsne: request.tsne, onProgress: request.onProgress }, projectionRng);
  const outcome = acquire({ map, labelled: labelledRows, entropy }, {
    count, alpha, ...(groupLimit && { groupLimit: groupLimit.limit }), ...(groupPenalty && { groupPenalty: groupPenalty.penalty }),
  });
  const ids = pool.ids;
  return {
    map,
    report: {
      strategy: 'entropy-diversity',
      projection: projection.id,
      seed,
      poolSize: ids.length,
      budget: count,
      k: null,
      alpha,
      silhouette: [],
      clusters: [],
      selected: outcome.selected.map((s) => ({
        id: ids[s.index]!,
        rank: s.rank,
        cluster: null,
        reason: s.reason,
        x: map.data[2 * s.index]!,
        y: map.data[2 * s.index + 1]!,
        entropy: s.entropy,
        entropyNormalised: s.entropyNormalised,
        diversity: s.diversity,
        score: s.score,
      })),
      labelled: [...request.labelled],
      ...(groupLimit && { groupLimit: groupLimit.summary }),
      ...(groupPenalty && { groupPenalty: groupPenalty.summary }),
      notes: outcome.notes,
    },
  };
}

/** The request's per-group cap and volume penalty on its groups as integer labels (each null when not set). */
function perGroupOf(pool: EmbeddedPool, request: PipelineOptions): {
  limit: { limit: GroupLimit; summary: { maxPerGroup: number; groups: number } } | null;
  penalty: { penalty: GroupPenalty; summary: { penalty: number; groups: number } } | null;
} {
  if (request.maxPerGroup === undefined && request.groupPenalty === undefined) return { limit: null, penalty: null };
  if (request.groups === undefined) throw new InvalidInputError('invalid-option', 'a per-group cap or penalty needs the group of every pool id');
  if (request.groups.length !== pool.ids.length) throw new InvalidInputError('ragged-rows', `${request.groups.length} groups for ${pool.ids.length} pool ids`);
  const labels = new Map<string, number>();
  const groups = Int32Array.from(request.groups, (g, row) => {
    if (typeof g !== 'string' || g.length === 0) throw new InvalidInputError('invalid-option', `pool id "${pool.ids[row]}" has no group`);
    let label = labels.get(g);
    if (label === undefined) labels.set(g, (label = labels.size));
    return label;
  });
  const limit = request.maxPerGroup === undefined ? null : validateGroupLimit({ groups, maxPerGroup: request.maxPerGroup }, pool.ids.length);
  const penalty = request.groupPenalty === undefined ? null : validateGroupPenalty({ groups, penalty: request.groupPenalty }, pool.ids.length);
  return {
    limit: limit && { limit, summary: { maxPerGroup: limit.maxPerGroup, groups: labels.size } },
    penalty: penalty && { penalty, summary: { penalty: penalty.penalty, groups: labels.size } },
  };
}

function validatePool(pool: EmbeddedPool): Map<string, number> {
  if (pool.ids.length === 0) throw new InvalidInputError('empty-input', 'the pool has no images');
  if (pool.ids.length !== pool.embeddings.rows) {
    throw new InvalidInputError('ragged-rows', `${pool.ids.length} ids for ${pool.embeddings.rows} embedding rows`);
  }
  if (pool.embeddings.data.length !== pool.embeddings.rows * pool.embeddings.cols) {
    throw new InvalidInputError('ragged-rows', `embedding matrix holds ${pool.embeddings.data.length} values, expected ${pool.embeddings.rows} × ${pool.embeddings.cols}`);
  }
  const index = indexIds(pool.ids, 'embeddings');
  assertFinite(pool.embeddings, 'embeddings', pool.ids);
  return index;
}
