import { conflict } from '../appError';
import { validator } from '../http/validate';
import type { NewItem, WorklistItem } from '../rounds/roundStore';
import type { ServerContext } from './context';
import { stratifiedSample } from './stratifiedSample';

/** Body of `POST /api/projects/{id}/validation`. */
export const VALIDATION_REQUEST_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['size'],
  properties: { size: { type: 'integer', minimum: 1, maximum: 10000 } },
} as const;

const validateRequest = validator<{ size: number }>(VALIDATION_REQUEST_SCHEMA);

/** How validation cases are chosen, as the API states it. */
export const VALIDATION_METHOD = 'Stratified random sample of the pool: the latest round\'s 2-D map is clustered by k-means with k chosen by the mean '
  + 'silhouette (as the cold start); the cases are allocated to the clusters in proportion to their size (largest remainder) and drawn '
  + 'uniformly at random inside each, among cases on no worklist — at random rather than the medoids, so that the set mirrors the pool '
  + 'instead of its most typical (easiest) cases. Validation cases are labelled like any other but never trained on, never selected '
  + 'and not counted in the budget.';

/** `GET /api/projects/{id}/validation`. */
export interface ValidationView {
  /** Validation cases on the worklists. */
  readonly size: number;
  /** Of which labelled. */
  readonly labelled: number;
  readonly method: string;
  readonly cases: readonly WorklistItem[];
}

/** `POST /api/projects/{id}/validation` (201): the grown set. */
export interface ValidationChoice {
  readonly size: number;
  /** Cases added by this request (0 when the set already had the size asked for). */
  readonly added: number;
  /** Number of strata the added cases were drawn from (0 when none were added). */
  readonly strata: number;
  readonly method: string;
  /** The whole validation set, the added cases included. */
  readonly cases: readonly WorklistItem[];
}

/** The project's validation set. */
export async function validationSet(ctx: ServerContext, projectId: number): Promise<ValidationView> {
  await ctx.projects.get(projectId);
  const cases = await ctx.rounds.worklist(projectId, { validation: true });
  return { size: cases.length, labelled: cases.filter((c) => c.status === 'labelled').length, method: VALIDATION_METHOD, cases };
}

/**
 * Grows the project's validation set to `size` cases (an admin's request; validated, audited).
 * The added cases are a stratified random sample ({@link stratifiedSample}, seeded by the
 * project's seed) of the latest round's map among cases on no worklist; they go on that round's
 * worklist after its own cases, high priority, as `validation: stratum s of k`. A set never
 * shrinks (409 `validation-shrink`: its labels may already be spent); without a round there is no
 * map to stratify (409 `no-map`); while a round is being computed the pool it chooses from must
 * not change (409 `round-running`).
 */
export async function chooseValidationSet(ctx: ServerContext, actor: string, projectId: number, body: unknown): Promise<ValidationChoice> {
  const { size } = validateRequest(body);
  const project = await ctx.projects.get(projectId);
  const latest = await ctx.rounds.latest(projectId);
  if (!latest) throw conflict('no-map', `project "${project.name}" has no round yet: run the cold start first, whose map the validation set is stratified on`);
  const current = await ctx.rounds.validationIds(projectId);
  if (size < current.length) throw conflict('validation-shrink', `the validation set has ${current.length} cases already; it can grow but not shrink to ${size}`);
  const added = size - current.length;
  if (added === 0) return { size, added: 0, strata: 0, method: VALIDATION_METHOD, cases: (await validationSet(ctx, projectId)).cases };

  const { ids, xy } = await ctx.rounds.map(projectId, latest.number);
  const taken = new Set([...(await ctx.rounds.selectedIds(projectId)), ...current]);
  const eligible = ids.filter((id) => !taken.has(id)).length;
  if (added > eligible) throw conflict('pool-exhausted', `only ${eligible} cases of round ${latest.number}'s map are on no worklist: the validation set cannot grow by ${added}`);
  const sample = stratifiedSample({ xy, eligible: (i) => !taken.has(ids[i]!), count: added, seed: project.settings.seed });

  await ctx.sql.transaction(async (tx) => {
    await ctx.projects.lock(projectId, tx);
    if (await ctx.jobs.pending('round', projectId, tx)) throw conflict('round-running', 'a round is being computed: choose the validation set once it is done');
    // What the sample was drawn from must still hold: the same latest round, no case put on a worklist since.
    const onWorklists = new Set([...(await ctx.rounds.selectedIds(projectId, tx)), ...(await ctx.rounds.validationIds(projectId, tx))]);
    const round = await ctx.rounds.round(projectId, latest.number + 1, tx);
    if (round || onWorklists.size !== taken.size || sample.picks.some((p) => onWorklists.has(ids[p.index]!))) {
      throw conflict('worklist-changed', 'the worklists changed while the validation set was being chosen: ask again');
    }
    const start = await ctx.rounds.lastRank(latest.id, tx);
    const items: NewItem[] = sample.picks.map((p, i) => ({
      sopUid: ids[p.index]!, rank: start + i + 1, priority: 'high', reason: `validation: stratum ${p.stratum + 1} of ${sample.strata}`, cluster: p.stratum,
      entropy: null, diversity: null, score: null, x: xy[2 * p.index]!, y: xy[2 * p.index + 1]!,
    }));
    await ctx.rounds.addValidationCases(projectId, latest.id, items, tx);
    await ctx.audit.record(actor, 'validation.choose', projectId, { size, added, round: latest.number, strata: sample.strata, allocated: sample.allocated }, tx);
  });
  return { size, added, strata: sample.strata, method: VALIDATION_METHOD, cases: (await validationSet(ctx, projectId)).cases };
}
