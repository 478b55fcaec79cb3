import { conflict, notFound } from '../appError';
import type { Job } from '../jobs/jobStore';
import type { ServerContext } from './context';

/**
 * An admin cancels a job. A queued job ends at once — failed, `cancelled by <actor>` — and
 * leaves the job engine's queue, so no worker runs it. A running job is asked to stop: its
 * worker, in whichever process or machine, reads the request within a few seconds, aborts the
 * job's signal and records it failed the same way, without a retry (a round stores nothing, a
 * sync keeps what it embedded). Either way `cancelRequestedBy` names the actor. 404 for an
 * unknown job, 409 `job-finished` for one that had ended. Audited once as `job.cancel`.
 */
export async function cancelJob(ctx: ServerContext, actor: string, id: number): Promise<Job> {
  const cancelled = await ctx.queue.cancel(id, actor);
  if (!cancelled) throw notFound(`job ${id}`);
  const { job, outcome } = cancelled;
  if (outcome === 'finished') throw conflict('job-finished', `job ${id} has already ${job.state}: there is nothing to cancel`);
  if (outcome !== 'already-requested') await ctx.audit.record(actor, 'job.cancel', job.projectId, { job: job.id, kind: job.kind });
  return job;
}
