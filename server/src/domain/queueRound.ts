import { conflict } from '../appError';
import type { Job } from '../jobs/jobStore';
import type { ServerContext } from './context';
import { assertActive } from './projectStatus';

/**
 * Queues a round job for a project unless one is already queued or running (then returns that
 * one). Refuses (409) when the budget is spent, so that nobody waits for a round that cannot run.
 * Look and queue happen in one transaction holding the project, so that masks completing a
 * worklist on two replicas at once queue one round, not two.
 */
export async function queueRound(ctx: ServerContext, actor: string, projectId: number, reason: string): Promise<{ job: Job; queued: boolean }> {
  return ctx.sql.transaction(async (tx) => {
    await ctx.projects.lock(projectId, tx);
    const project = await ctx.projects.get(projectId, tx);
    assertActive(project, 'a round');
    const pending = await ctx.jobs.pending('round', projectId, tx);
    if (pending) return { job: pending, queued: false };
    const used = (await ctx.rounds.selectedIds(projectId, tx)).length;
    if (used >= project.settings.budget.total) throw conflict('budget-exhausted', `project "${project.name}" has used its whole budget of ${project.settings.budget.total} cases`);
    const job = await ctx.queue.enqueue('round', projectId, { reason }, tx);
    await ctx.audit.record(actor, 'round.queue', projectId, { job: job.id, reason }, tx);
    return { job, queued: true };
  });
}

/**
 * Whether the next round is due: there is no round yet (the cold start), or the masks of the
 * latest round's worklist have reached the project's quota (0 = never automatically) — and
 * budget remains. Validation cases count in neither: the round's `size` and `labelled` and the
 * selected ids leave them out, so labelling them never triggers a round.
 */
export async function roundDue(ctx: ServerContext, projectId: number): Promise<boolean> {
  const project = await ctx.projects.get(projectId);
  if (project.settings.status !== 'active') return false;
  if ((await ctx.rounds.selectedIds(projectId)).length >= project.settings.budget.total) return false;
  const latest = await ctx.rounds.latest(projectId);
  if (!latest) return true;
  const quota = project.settings.autoRetrainQuota;
  return quota > 0 && latest.size > 0 && latest.labelled >= Math.ceil(quota * latest.size);
}

/** After a mask: queue the next round when the latest worklist has reached its quota. */
export async function autoRetrain(ctx: ServerContext, projectId: number): Promise<Job | null> {
  if (!(await ctx.rounds.latest(projectId)) || !(await roundDue(ctx, projectId))) return null;
  const { job, queued } = await queueRound(ctx, 'auto-retrain', projectId, 'the masks of the latest worklist reached the quota');
  return queued ? job : null;
}
