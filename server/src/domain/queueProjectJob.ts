import type { Job } from '../jobs/jobStore';
import type { ServerContext } from './context';
import { assertActive } from './projectStatus';

/** Job kinds queued per project besides rounds (which have their own rules: queueRound.ts), with their audit action. */
const AUDIT_ACTION = { sync: 'sync.queue', 'train-encoder': 'site-encoder.queue' } as const;

/**
 * Queues a project's `sync` or `train-encoder` job with `payload` unless one of that kind is
 * queued or running (then returns that one, `queued: false`). Look and queue happen in one
 * transaction holding the project, as for a round, so two replicas never queue two. Refused for a
 * project that is not active. Audited.
 */
export function queueProjectJob(ctx: ServerContext, actor: string, kind: keyof typeof AUDIT_ACTION, projectId: number, payload: unknown): Promise<{ job: Job; queued: boolean }> {
  return ctx.sql.transaction(async (tx) => {
    await ctx.projects.lock(projectId, tx);
    assertActive(await ctx.projects.get(projectId, tx), kind === 'sync' ? 'a sync' : 'training a site encoder');
    const pending = await ctx.jobs.pending(kind, projectId, tx);
    if (pending) return { job: pending, queued: false };
    const job = await ctx.queue.enqueue(kind, projectId, payload, tx);
    await ctx.audit.record(actor, AUDIT_ACTION[kind], projectId, { job: job.id }, tx);
    return { job, queued: true };
  });
}
