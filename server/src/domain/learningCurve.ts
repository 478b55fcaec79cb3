import { AppError } from '../appError';
import type { ClassScores, RoundMetrics } from '../rounds/metricsStore';
import type { ServerContext } from './context';
import { VALIDATION_METHOD } from './validationSet';

/** `GET /api/projects/{id}/rounds/{round}/metrics`: a round model's scores on the validation set. */
export interface RoundMetricsView {
  readonly round: number;
  /** Masks the model was trained on. */
  readonly labelsUsed: number;
  /** Labelled validation cases it was scored on. */
  readonly validationCases: number;
  readonly evaluatedAt: string;
  readonly meanDice: number;
  /** Per foreground class: Dice mean/median/min/max; HD95 (pixels of the model's input) mean/median and the cases where it is undefined. */
  readonly classes: readonly ClassScores[];
}

/** One point of the learning curve: quality of a round's model against the labels it used. */
export interface CurvePoint {
  readonly round: number;
  readonly labelsUsed: number;
  readonly validationCases: number;
  readonly meanDice: number;
  /** Mean Dice per class name. */
  readonly dice: Readonly<Record<string, number>>;
  /** Mean HD95 per class name (pixels of the model's input); null where undefined on every case. */
  readonly hd95: Readonly<Record<string, number | null>>;
}

/** `GET /api/projects/{id}/learning-curve`. */
export interface LearningCurve {
  readonly validation: { readonly size: number; readonly labelled: number };
  readonly method: string;
  /** By labels used (then round). */
  readonly points: readonly CurvePoint[];
  /**
   * A random-selection baseline on the same validation set: always null — the service trains one
   * model per round on the cases it selected, and labelling a second, randomly chosen set to
   * compare with would spend the budget twice (`scanselect reproduce` measures that on data sets
   * labelled in full).
   */
  readonly random: null;
}

/** A round model's scores (404 when the round has no model — the cold start — or is not scored yet). */
export async function roundMetrics(ctx: ServerContext, projectId: number, number: number): Promise<RoundMetricsView> {
  await ctx.projects.get(projectId);
  const round = await ctx.rounds.round(projectId, number);
  if (!round) throw new AppError(404, 'not-found', `no round ${number} in project ${projectId}`);
  if (round.modelDir === null) throw new AppError(404, 'not-found', `round ${number} has no model to score (${round.kind === 'coldstart' ? 'the cold start trains none' : 'none was stored'})`);
  const stored = await ctx.metrics.get(projectId, number);
  if (!stored) throw new AppError(404, 'not-found', `round ${number}'s model is not scored yet: choose a validation set, label it, and the next round job scores every round model on it`);
  return view(stored);
}

/**
 * The learning curve: each scored round model's quality on the validation set against the labels
 * it was trained on. Only points scored on one and the same set of validation masks are drawn
 * together: those of the latest scoring pass (after the set has grown, older points are left out
 * until the next round job scores them again on it).
 */
export async function learningCurve(ctx: ServerContext, projectId: number): Promise<LearningCurve> {
  await ctx.projects.get(projectId);
  const cases = await ctx.rounds.worklist(projectId, { validation: true });
  const all = await ctx.metrics.list(projectId);
  const newest = all.reduce<RoundMetrics | null>((a, m) => (a === null || m.evaluatedAt > a.evaluatedAt || (m.evaluatedAt === a.evaluatedAt && m.round > a.round) ? m : a), null);
  const points = all
    .filter((m) => m.validationKey === newest?.validationKey)
    .sort((a, b) => a.labelsUsed - b.labelsUsed || a.round - b.round)
    .map((m): CurvePoint => ({
      round: m.round, labelsUsed: m.labelsUsed, validationCases: m.cases, meanDice: m.metrics.meanDice,
      dice: Object.fromEntries(m.metrics.classes.map((c) => [c.name, c.dice.mean])),
      hd95: Object.fromEntries(m.metrics.classes.map((c) => [c.name, c.hd95.mean])),
    }));
  return {
    validation: { size: cases.length, labelled: cases.filter((c) => c.status === 'labelled').length },
    method: VALIDATION_METHOD, points, random: null,
  };
}

/**
 * The curve as CSV: `round,labels_used,validation_cases,mean_dice,dice_<class>…,hd95_<class>…`,
 * one row per point. The classes are the project's (`classes`), then any other a point names;
 * their names are made header-safe (lower case, runs of other characters → `_`, a repeat numbered);
 * an undefined HD95 is an empty field.
 */
export function learningCurveCsv(curve: LearningCurve, classes: readonly string[]): string {
  const classNames = [...new Set([...classes, ...curve.points.flatMap((p) => Object.keys(p.dice))])];
  const seen = new Map<string, number>();
  const safe = classNames.map((name) => {
    const base = name.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '') || 'class';
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return n === 1 ? base : `${base}_${n}`;
  });
  const header = ['round', 'labels_used', 'validation_cases', 'mean_dice', ...safe.map((n) => `dice_${n}`), ...safe.map((n) => `hd95_${n}`)];
  const field = (v: number | null | undefined): string => (v === null || v === undefined || !Number.isFinite(v) ? '' : String(v));
  const rows = curve.points.map((p) => [
    String(p.round), String(p.labelsUsed), String(p.validationCases), field(p.meanDice),
    ...classNames.map((n) => field(p.dice[n])), ...classNames.map((n) => field(p.hd95[n])),
  ]);
  return [header, ...rows].map((r) => r.join(',')).join('\n') + '\n';
}

function view(m: RoundMetrics): RoundMetricsView {
  return { round: m.round, labelsUsed: m.labelsUsed, validationCases: m.cases, evaluatedAt: m.evaluatedAt, meanDice: m.metrics.meanDice, classes: m.metrics.classes };
}
