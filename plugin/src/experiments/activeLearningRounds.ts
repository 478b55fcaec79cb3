import { adaptiveAlpha, type UncertaintyOutcome } from '../selection/adaptiveAlpha';
import { runAcquisition, type EmbeddedPool } from '../selection/pipeline';
import { roundsOf, type ActiveLearningSetting } from './protocol';

/** The labelled cases, and what the model trained on them says about every other case of the pool. */
export interface ScoredPool {
  readonly ids: readonly string[];
  /** Mean entropy (eq. 6) of every unlabelled case. */
  readonly entropy: ReadonlyMap<string, number>;
  /** The model's predicted label map of every unlabelled case (for its error once labelled). */
  readonly predicted: ReadonlyMap<string, Uint8Array>;
}

/** What {@link acquireRounds} needs from the harness. */
export interface RoundsContext {
  readonly pool: EmbeddedPool;
  readonly seed: number;
  /** Per-volume cap and penalty options for the acquisition (empty without). */
  readonly cap: { readonly groups?: readonly string[]; readonly maxPerGroup?: number; readonly groupPenalty?: number };
  /** Trains a fresh model on `ids` and scores the rest of the pool with it. */
  readonly retrain: (ids: readonly string[]) => Promise<ScoredPool>;
  /** The error (1 − Dice) of a predicted label map of case `id` against its label. */
  readonly errorOf: (id: string, predicted: Uint8Array) => number;
}

/** The outcome: cold start, acquired cases in order, and the α each round used. */
export interface RoundsOutcome {
  readonly coldStart: readonly string[];
  readonly acquired: readonly string[];
  readonly alphas: readonly number[];
}

/**
 * The active-learning rounds of a setting after its cold start (`start`: the B₀ cases and their
 * model's scores): each round acquires A by eq. (10) with α fixed or adaptive; every round after
 * the first retrains from scratch on everything labelled so far and scores the rest again. For
 * adaptive α, each acquired case adds to the history its entropy and, once labelled (here: the
 * harness knows every label), the error of the model that chose it.
 */
export async function acquireRounds(setting: ActiveLearningSetting, start: ScoredPool, context: RoundsContext): Promise<RoundsOutcome> {
  let scored = start;
  let labelled = [...start.ids];
  const acquired: string[] = [];
  const alphas: number[] = [];
  const history: UncertaintyOutcome[] = [];
  for (let round = 1; round <= roundsOf(setting); round++) {
    if (round > 1) scored = await context.retrain(labelled);
    const alpha = setting.alpha === 'adaptive' ? adaptiveAlpha(history).alpha : setting.alpha;
    const run = await runAcquisition(context.pool, {
      entropy: scored.entropy, labelled, count: setting.acquire, alpha, seed: context.seed,
      ...(context.cap.groups !== undefined && { groups: context.cap.groups }),
      ...(context.cap.maxPerGroup !== undefined && { maxPerGroup: context.cap.maxPerGroup }),
      ...(context.cap.groupPenalty !== undefined && { groupPenalty: context.cap.groupPenalty }),
    });
    const ids = run.report.selected.map((s) => s.id);
    for (const id of ids) history.push({ entropy: scored.entropy.get(id)!, error: context.errorOf(id, scored.predicted.get(id)!) });
    acquired.push(...ids);
    alphas.push(alpha);
    labelled = [...labelled, ...ids];
  }
  return { coldStart: start.ids, acquired, alphas };
}
