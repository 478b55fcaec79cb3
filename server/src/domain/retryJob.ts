import { conflict, notFound } from '../appError';
import type { Job } from '../jobs/jobStore';
import type { ServerContext } from './context';
import { queueProjectJob } from './queueProjectJob';
import { queueRound } from './queueRound';

/** The kinds an admin may retry. */
const RETRYABLE: readonly string[] = ['sync', 'round', 'train-encoder'];

/**
 * An admin retries a failed (or cancelled) sync, round or train-encoder job: a new job of the same kind,
 * project and payload is queued the normal way — a round through {@link queueRound} (its budget
 * and project status rules apply), a sync or train-encoder job by {@link queueProjectJob}. When one of
 * that kind is already queued or running for the project, that one is returned instead
 * (`queued: false`). 404 for an unknown job, 409 `job-not-failed` for one that has not failed.
 * Audited as `job.retry` with the failed job and the new one.
 */
export async function retryJob(ctx: ServerContext, actor: string, id: number): Promise<{ job: Job; queued: boolean }> {
  const failed = await ctx.jobs.get(id);
  if (!failed) throw notFound(`job ${id}`);
  if (failed.state !== 'failed') throw conflict('job-not-failed', `job ${id} is ${failed.state}: only a failed job can be retried`);
  if (!RETRYABLE.includes(failed.kind) || failed.projectId === null) throw conflict('job-not-retryable', `job ${id} is a ${failed.kind} job: only sync, round and train-encoder jobs can be retried`);
  const projectId = failed.projectId;
  const { job, queued } = failed.kind === 'round'
    ? await queueRound(ctx, actor, projectId, reasonOf(failed))
    : await queueProjectJob(ctx, actor, failed.kind as 'sync' | 'train-encoder', projectId, failed.payload);
  if (queued) await ctx.audit.record(actor, 'job.retry', projectId, { job: failed.id, newJob: job.id });
  return { job, queued };
}

/** A round's payload is the reason it was queued: the retry keeps it. */
function reasonOf(job: Job): string {
  const reason = (job.payload as { reason?: unknown } | null)?.reason;
  return typeof reason === 'string' ? reason : `retry of job ${job.id}`;
}
