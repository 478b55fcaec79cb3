import { conflict, notFound } from '../appError';
import type { Job } from '../jobs/jobStore';
import type { ServerContext } from './context';
import { assertActive } from './projectStatus';
import { queueRound } from './queueRound';

/** The kinds an admin may retry. */
const RETRYABLE: readonly string[] = ['sync', 'round'];

/**
 * An admin retries a failed (or cancelled) sync or round job: a new job of the same kind,
 * project and payload is queued the normal way — a round through {@link queueRound} (its budget
 * and project status rules apply), a sync as `POST /projects/{id}/sync` queues one. When one of
 * that kind is already queued or running for the project, that one is returned instead
 * (`queued: false`). 404 for an unknown job, 409 `job-not-failed` for one that has not failed.
 * Audited as `job.retry` with the failed job and the new one.
 */
export async function retryJob(ctx: ServerContext, actor: string, id: number): Promise<{ job: Job; queued: boolean }> {
  const failed = await ctx.jobs.get(id);
  if (!failed) throw notFound(`job ${id}`);
  if (failed.state !== 'failed') throw conflict('job-not-failed', `job ${id} is ${failed.state}: only a failed job can be retried`);
  if (!RETRYABLE.includes(failed.kind) || failed.projectId === null) throw conflict('job-not-retryable', `job ${id} is a ${failed.kind} job: only sync and round jobs can be retried`);
  const projectId = failed.projectId;
  const { job, queued } = failed.kind === 'round'
    ? await queueRound(ctx, actor, projectId, reasonOf(failed))
    : await queueSync(ctx, actor, projectId, failed.payload);
  if (queued) await ctx.audit.record(actor, 'job.retry', projectId, { job: failed.id, newJob: job.id });
  return { job, queued };
}

/** A round's payload is the reason it was queued: the retry keeps it. */
function reasonOf(job: Job): string {
  const reason = (job.payload as { reason?: unknown } | null)?.reason;
  return typeof reason === 'string' ? reason : `retry of job ${job.id}`;
}

/** Queues a sync with `payload` unless one is queued or running (then that one), holding the project as a round does. */
function queueSync(ctx: ServerContext, actor: string, projectId: number, payload: unknown): Promise<{ job: Job; queued: boolean }> {
  return ctx.sql.transaction(async (tx) => {
    await ctx.projects.lock(projectId, tx);
    assertActive(await ctx.projects.get(projectId, tx), 'a sync');
    const pending = await ctx.jobs.pending('sync', projectId, tx);
    if (pending) return { job: pending, queued: false };
    const job = await ctx.queue.enqueue('sync', projectId, payload, tx);
    await ctx.audit.record(actor, 'sync.queue', projectId, { job: job.id }, tx);
    return { job, queued: true };
  });
}
