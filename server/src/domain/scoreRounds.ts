import { createHash } from 'node:crypto';
import { diceScores, hausdorffScores, percentileLinear, predictBatch, type TrainedModel } from '@scanselect/plugin';
import type { MaskRecord } from '../masks/maskStore';
import type { ImageSource } from '../pacs/source';
import type { Project } from '../projects/projectStore';
import type { ClassScores, ModelScores, Spread } from '../rounds/metricsStore';
import type { Round } from '../rounds/roundStore';
import { getModel } from '../storage/storedModel';
import type { ServerContext } from './context';

/** One scoring pass. */
export interface ScoringRequest {
  readonly project: Project;
  readonly source: ImageSource;
  readonly signal?: AbortSignal;
  readonly onProgress?: (fraction: number, stage: string) => void;
}

/** What a scoring pass did. */
export interface ScoringOutcome {
  /** Labelled validation cases the models were scored on (0: nothing to score on, nothing scored). */
  readonly validationCases: number;
  /** Rounds whose model was scored now (the others' scores were already on this validation set). */
  readonly scored: readonly number[];
}

/** Validation cases predicted per chunk (their inputs and label maps are loaded per chunk, bounding memory). */
const SCORE_CHUNK = 16;

/**
 * Which labelled validation cases, with which of their masks (each accepted submission has a key
 * of its own, so a corrected mask changes it too): scores stored under another key are stale.
 */
export function validationKey(masks: readonly MaskRecord[]): string {
  const lines = masks.map((m) => `${m.sopUid} ${m.labelFile}`).sort();
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

/**
 * Scores every stored round model (rounds with a model; the cold start has none) whose scores
 * were not computed on the project's current labelled validation cases: predicts them at the
 * model's input size and compares with their masks — Dice and HD95 per class — then stores the
 * summary with the labels the model was trained on: one point of the learning curve each. Without
 * a labelled validation case there is nothing to score on and nothing is done.
 */
export async function scoreRounds(ctx: ServerContext, request: ScoringRequest): Promise<ScoringOutcome> {
  const { project } = request;
  const validation = new Set(await ctx.rounds.validationIds(project.id));
  const cases = (await ctx.masks.list(project.id)).filter((m) => validation.has(m.sopUid));
  if (cases.length === 0) return { validationCases: 0, scored: [] };
  const key = validationKey(cases);
  const stored = new Map((await ctx.metrics.list(project.id)).map((m) => [m.round, m.validationKey]));
  const stale = (await ctx.rounds.list(project.id)).filter((r) => r.modelDir !== null && stored.get(r.number) !== key);
  const stage = `scoring round models on ${cases.length} validation cases`;
  const scored: number[] = [];
  for (const round of stale) {
    request.onProgress?.(0.95 + 0.05 * (scored.length / stale.length), stage);
    const metrics = await scoreRoundModel(ctx, request, round, cases);
    await ctx.metrics.put({
      projectId: project.id, round: round.number, validationKey: key, cases: cases.length, labelsUsed: round.report.training?.images ?? 0,
      metrics, evaluatedAt: ctx.now().toISOString(),
    });
    scored.push(round.number);
  }
  return { validationCases: cases.length, scored };
}

/** One round model's Dice and HD95 per class on the labelled validation cases. */
async function scoreRoundModel(ctx: ServerContext, request: ScoringRequest, round: Round, cases: readonly MaskRecord[]): Promise<ModelScores> {
  const { project, source } = request;
  const trained: TrainedModel = await getModel(ctx.artifacts, round.modelDir!);
  try {
    const size = trained.config.inputSize;
    // Label maps hold the project's classes; a model trained before a class was added still predicts fewer.
    const classes = Math.max(trained.config.classes, project.settings.classes.length + 1);
    const dice: number[][] = Array.from({ length: classes }, () => []);
    const hd95: number[][] = Array.from({ length: classes }, () => []);
    const meanDice: number[] = [];
    for (let start = 0; start < cases.length; start += SCORE_CHUNK) {
      if (request.signal?.aborted) throw request.signal.reason instanceof Error ? request.signal.reason : new Error('aborted');
      const chunk = cases.slice(start, start + SCORE_CHUNK);
      const inputs: Float32Array[] = [];
      const truths: Uint8Array[] = [];
      for (const mask of chunk) {
        inputs.push(await ctx.pool.modelInput(project.id, source, mask.sopUid, size));
        truths.push(await ctx.pool.labelMap(mask.labelFile, size));
      }
      predictBatch(trained.model, inputs, size).forEach((p, i) => {
        const prediction = { width: size, height: size, labels: p.mask };
        const truth = { width: size, height: size, labels: truths[i]! };
        const d = diceScores(prediction, truth, classes);
        const h = hausdorffScores(prediction, truth, classes);
        for (let c = 1; c < classes; c++) {
          dice[c]!.push(d.perClass[c]!);
          hd95[c]!.push(h.perClass[c]!);
        }
        meanDice.push(d.meanForeground);
      });
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    const perClass: ClassScores[] = [];
    for (let c = 1; c < classes; c++) {
      const defined = hd95[c]!.filter((v) => !Number.isNaN(v));
      perClass.push({
        name: project.settings.classes[c - 1] ?? `class ${c}`,
        dice: spread(dice[c]!),
        hd95: { mean: defined.length === 0 ? null : mean(defined), median: defined.length === 0 ? null : percentileLinear(defined, 50), undefinedCases: hd95[c]!.length - defined.length },
      });
    }
    return { classes: perClass, meanDice: mean(meanDice) };
  } finally {
    trained.dispose();
  }
}

function mean(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

function spread(values: readonly number[]): Spread {
  return { mean: mean(values), median: percentileLinear(values, 50), min: Math.min(...values), max: Math.max(...values) };
}

/** One line for the round job's result. */
export function describeScoring(outcome: ScoringOutcome): string {
  if (outcome.validationCases === 0) return 'skipped: no labelled validation case';
  if (outcome.scored.length === 0) return `every round model already scored on the ${outcome.validationCases} labelled validation cases`;
  return `scored round ${outcome.scored.join(', ')} on ${outcome.validationCases} validation cases`;
}
