import { InvalidInputError } from '../core/errors';
import type { DenseMatrix } from '../core/matrix';
import { reportProgress, type ProgressCallback } from '../core/progress';
import type { ExperimentDataset, LabelledImage } from '../datasets/builtinDatasets';
import type { Encoder } from '../encoders/types';
import { diceScores } from '../metrics/dice';
import { hausdorffScores } from '../metrics/hausdorff';
import { predictBatch } from '../models/inference';
import { trainSegmentation } from '../models/train';
import { runColdStart, type EmbeddedPool } from '../selection/pipeline';
import { acquireRounds, type ScoredPool } from './activeLearningRounds';
import type { CheckpointStore } from './checkpointStore';
import { runSeed, settingKey, testSplit, type Setting } from './protocol';
import type { RunResult } from './resultsTable';

/** What is stored per (data set, run, setting). */
export interface StoredResult {
  readonly dice: number;
  /** NaN is stored as null. */
  readonly hd95: number | null;
  readonly hdUnit: 'mm' | 'px';
  /** Training ids in the order they were selected. */
  readonly selected: readonly string[];
  /** For active learning: the cold-start part and the acquired part (all rounds, in order), and each round's α. */
  readonly coldStart?: readonly string[];
  readonly acquired?: readonly string[];
  readonly alphas?: readonly number[];
  readonly k: number | null;
  readonly trainSeconds: number;
}

/** One finished or reused unit, reported as the experiment goes. */
export interface ExperimentEvent {
  readonly run: number;
  readonly setting: Setting;
  readonly cached: boolean;
  readonly result: StoredResult;
  /** Units done so far (cached or not) and in all. */
  readonly done: number;
  readonly total: number;
}

/** What {@link runExperiment} returns: every unit's result, and the embedded data set (for plots). */
export interface ExperimentOutcome {
  readonly results: RunResult[];
  /** Every image of the data set, in load order; row i of `embeddings` is ids[i]. */
  readonly ids: readonly string[];
  readonly embeddings: DenseMatrix;
  /** The volume of each image (same order as `ids`), null for images that are not slices of one. */
  readonly volumes: readonly (string | null)[];
}

/** Options of {@link runExperiment}. */
export interface ExperimentOptions {
  readonly dataset: ExperimentDataset;
  /** The data set spec used as the checkpoint key (`montgomery`, `folder:PATH`, …). */
  readonly datasetKey: string;
  readonly runs: number;
  readonly settings: readonly Setting[];
  readonly size: number;
  readonly epochs: number;
  readonly dropout: number;
  readonly encoder: Encoder;
  readonly store: CheckpointStore<StoredResult>;
  /** The data set already loaded at `size` (to run several experiments on one load). */
  readonly images?: readonly LabelledImage[];
  /** U-Net size (defaults: the paper's depth 4, 16 channels); smaller for tests. */
  readonly depth?: number;
  readonly baseChannels?: number;
  readonly onEvent?: (event: ExperimentEvent) => void;
  /** Called before each unit (cached or not), e.g. to show the current run and setting. */
  readonly onUnitStart?: (unit: { readonly run: number; readonly setting: Setting; readonly done: number; readonly total: number }) => void;
  /**
   * Only these runs (1-based, each ≤ `runs`); default all. Lets several processes share one
   * experiment: each takes some runs, all write to the same checkpoint store.
   */
  readonly onlyRuns?: readonly number[];
  readonly onProgress?: ProgressCallback;
}

/**
 * Runs the protocol of sections 4.1.2–4.4 on one data set: for run r (seed 42 + r) a 20 % test
 * split fixed by the seed, the rest as the pool; each setting selects from the pool (cold start:
 * B images by its strategy; active learning: a cold start of B₀, a model trained on it scores
 * the rest of the pool by mean entropy, each round acquires A with α — fixed, or adaptive — and
 * later rounds retrain on everything labelled so far: activeLearningRounds.ts), then a fresh Attention U-Net
 * — the same initial weights for every setting of the run — is trained on the selection and
 * scored on the test split. Each unit is checkpointed as soon as it finishes and reused on a
 * rerun. Settings with a per-volume cap pass each pool image's volume as its group to the
 * selection (cold start and round); the data set must say which volume every image comes from.
 */
export async function runExperiment(options: ExperimentOptions): Promise<ExperimentOutcome> {
  const { dataset, size } = options;
  const images = options.images ?? (await dataset.load({ size, onProgress: options.onProgress }));
  reportProgress(options.onProgress, 'embed', 0);
  const embedded = await options.encoder.embed(images.map((i) => i.encoderInput), options.onProgress);
  const matrix: DenseMatrix = { rows: images.length, cols: options.encoder.dimensions(), data: embedded };
  const byId = new Map(images.map((image) => [image.id, image]));
  const classes = dataset.classNames.length;
  const runList = options.onlyRuns ?? Array.from({ length: options.runs }, (_, i) => i + 1);
  for (const run of runList) {
    if (!Number.isInteger(run) || run < 1 || run > options.runs) throw new InvalidInputError('invalid-option', `run ${run} is not one of 1..${options.runs}`);
  }
  const capped = options.settings.some((setting) => setting.maxPerVolume !== undefined || setting.volumePenalty !== undefined);
  const unknownVolume = images.find((image) => image.volume === undefined);
  if (capped && unknownVolume) {
    throw new InvalidInputError('invalid-option', `a per-volume cap or penalty needs data of volumes; "${unknownVolume.id}" of ${dataset.id} is not a slice of a known volume`);
  }
  const total = runList.length * options.settings.length;
  const results: RunResult[] = [];
  let done = 0;
  for (const run of runList) {
    const seed = runSeed(run);
    const split = testSplit(images.length, seed);
    const pool: EmbeddedPool = { ids: split.pool.map((i) => images[i]!.id), embeddings: subset(matrix, split.pool) };
    const test = split.test.map((i) => images[i]!);
    const groups = capped ? split.pool.map((i) => images[i]!.volume!) : undefined;
    const cap = (setting: Setting) => ({
      ...((setting.maxPerVolume !== undefined || setting.volumePenalty !== undefined) && { groups }),
      ...(setting.maxPerVolume !== undefined && { maxPerGroup: setting.maxPerVolume }),
      ...(setting.volumePenalty !== undefined && { groupPenalty: setting.volumePenalty }),
    });
    // Keyed by B₀, the per-volume cap and the volume penalty: `13||` (neither), `13|3|` or `13||1`.
    const b0Key = (budget: number, setting: Setting): string => `${budget}|${setting.maxPerVolume ?? ''}|${setting.volumePenalty ?? ''}`;
    const scoredColdStarts = new Map<string, ScoredPool>();
    const train = (ids: readonly string[]) => trainSegmentation(
      { images: ids.map((id) => byId.get(id)!.image), masks: ids.map((id) => byId.get(id)!.mask), size },
      {
        classes, epochs: options.epochs, seed, dropout: options.dropout, ids,
        ...(options.depth !== undefined && { depth: options.depth }),
        ...(options.baseChannels !== undefined && { baseChannels: options.baseChannels }),
      },
    );
    // Cold-start budgets that are also an active-learning B₀: the cold-start unit's model (same
    // selection, seed and initial weights) scores the rest of the pool for those rounds.
    const b0Budgets = new Set(options.settings.flatMap((s) => (s.kind === 'active-learning' ? [b0Key(s.coldStartBudget, s)] : [])));
    const scoreRest = (model: Parameters<typeof predictBatch>[0], ids: readonly string[]): ScoredPool => {
      const taken = new Set(ids);
      const rest = pool.ids.filter((id) => !taken.has(id));
      const predictions = predictBatch(model, rest.map((id) => byId.get(id)!.image), size);
      return { ids: [...ids], entropy: new Map(rest.map((id, i) => [id, predictions[i]!.meanEntropy])), predicted: new Map(rest.map((id, i) => [id, predictions[i]!.mask])) };
    };
    const retrain = async (ids: readonly string[]): Promise<ScoredPool> => {
      const model = await train(ids);
      try {
        return scoreRest(model.model, ids);
      } finally {
        model.dispose();
      }
    };
    const errorOf = (id: string, predicted: Uint8Array): number => 1 - diceOf(predicted, byId.get(id)!.mask, size, classes, dataset.dice);
    for (const setting of options.settings) {
      const key = { dataset: options.datasetKey, run, setting: settingKey(setting) };
      options.onUnitStart?.({ run, setting, done, total });
      let stored = await options.store.get(key);
      const cached = stored !== null;
      if (!stored) {
        let selected: string[];
        let k: number | null = null;
        let parts: { coldStart: readonly string[]; acquired: readonly string[]; alphas: readonly number[] } | null = null;
        if (setting.kind === 'cold-start') {
          const cold = await runColdStart(pool, { budget: setting.budget, seed, strategy: setting.strategy, ...cap(setting) });
          selected = cold.report.selected.map((s) => s.id);
          k = cold.report.k;
        } else {
          let scored = scoredColdStarts.get(b0Key(setting.coldStartBudget, setting));
          if (!scored) {
            // The B₀ cold start and its model are shared by every α of this run (unless the
            // cold-start unit of the same budget already provided them).
            const cold = await runColdStart(pool, { budget: setting.coldStartBudget, seed, strategy: 'coldstart', ...cap(setting) });
            const ids = cold.report.selected.map((s) => s.id);
            scored = await retrain(ids);
            scoredColdStarts.set(b0Key(setting.coldStartBudget, setting), scored);
          }
          parts = await acquireRounds(setting, scored, { pool, seed, cap: cap(setting), retrain, errorOf });
          selected = [...parts.coldStart, ...parts.acquired];
        }
        const model = await train(selected);
        const score = scoreOnTest(model.model, test, size, classes, dataset.dice);
        const b0 = b0Key(setting.kind === 'cold-start' ? setting.budget : -1, setting);
        if (setting.kind === 'cold-start' && setting.strategy === 'coldstart' && b0Budgets.has(b0) && !scoredColdStarts.has(b0)) {
          scoredColdStarts.set(b0, scoreRest(model.model, selected));
        }
        stored = { ...score, selected, ...(parts ?? {}), k, trainSeconds: model.seconds };
        model.dispose();
        await options.store.set(key, stored);
      }
      done++;
      options.onEvent?.({ run, setting, cached, result: stored, done, total });
      results.push({ run, setting, dice: stored.dice, hd95: stored.hd95 ?? NaN });
    }
  }
  return { results, ids: images.map((i) => i.id), embeddings: matrix, volumes: images.map((i) => i.volume ?? null) };
}

function subset(matrix: DenseMatrix, rows: readonly number[]): DenseMatrix {
  const out = new Float32Array(rows.length * matrix.cols);
  rows.forEach((r, i) => out.set(matrix.data.subarray(r * matrix.cols, (r + 1) * matrix.cols), i * matrix.cols));
  return { rows: rows.length, cols: matrix.cols, data: out };
}

/** Dice of a prediction as the data set scores it (section 4.3). */
function diceOf(predicted: Uint8Array, truth: Uint8Array, size: number, classes: number, kind: ExperimentDataset['dice']): number {
  const d = diceScores({ width: size, height: size, labels: predicted }, { width: size, height: size, labels: truth }, classes);
  return kind === 'image-level' ? d.imageLevel : d.meanForeground;
}

function scoreOnTest(
  model: Parameters<typeof predictBatch>[0], test: readonly LabelledImage[], size: number, classes: number, kind: ExperimentDataset['dice'],
): { dice: number; hd95: number | null; hdUnit: 'mm' | 'px' } {
  const predictions = predictBatch(model, test.map((t) => t.image), size);
  const mm = test.every((t) => t.spacing !== null);
  const dice: number[] = [];
  const hd: number[] = [];
  test.forEach((t, i) => {
    const pred = { width: size, height: size, labels: predictions[i]!.mask };
    const truth = { width: size, height: size, labels: t.mask };
    const d = diceScores(pred, truth, classes);
    dice.push(kind === 'image-level' ? d.imageLevel : d.meanForeground);
    const h = hausdorffScores(pred, truth, classes, mm ? { spacing: t.spacing! } : {});
    const value = kind === 'image-level' ? (mm ? h.imageLevelMm : h.imageLevel) : (mm ? h.meanForegroundMm : h.meanForeground);
    if (value !== null && Number.isFinite(value)) hd.push(value);
  });
  const mean = (v: number[]): number => v.reduce((a, b) => a + b, 0) / v.length;
  return { dice: mean(dice), hd95: hd.length > 0 ? mean(hd) : null, hdUnit: mm ? 'mm' : 'px' };
}
