import { Router, type Request } from 'express';
import { AppError } from '../../appError';
import { cancelJob } from '../../domain/cancelJob';
import type { ServerContext } from '../../domain/context';
import { retryJob } from '../../domain/retryJob';
import type { Job } from '../../jobs/jobStore';
import { actorOf, allow, anyRole, intQuery } from '../guards';

/** The `:id` route parameter as a job id (404 when it cannot be one). */
function jobIdOf(req: Request): number {
  const value = Number(req.params.id);
  if (!Number.isSafeInteger(value) || value < 1) throw new AppError(404, 'not-found', `no job ${String(req.params.id).slice(0, 40)}`);
  return value;
}

/** Jobs, and their progress as Server-Sent Events; admins cancel and retry them. */
export function jobRoutes(ctx: ServerContext): Router {
  const router = Router();
  router.get('/jobs', anyRole, async (req, res) => {
    const projectId = intQuery(req, 'project');
    res.json(await ctx.jobs.list(projectId === undefined ? {} : { projectId }));
  });
  router.get('/jobs/:id', anyRole, async (req, res) => {
    const id = Number(req.params.id);
    const job = Number.isSafeInteger(id) ? await ctx.jobs.get(id) : null;
    if (!job) throw new AppError(404, 'not-found', `no job ${req.params.id}`);
    // The whole error may name server paths or quote what a library read: admins only.
    res.json(req.principal!.role === 'admin' && job.state === 'failed' ? { ...job, errorDetail: await ctx.jobs.errorDetail(job.id) } : job);
  });
  /** 202 with the job: a queued one is failed (cancelled) now, a running one stops within seconds (`cancelRequestedBy` set). */
  router.post('/jobs/:id/cancel', allow('admin'), async (req, res) => {
    res.status(202).json(await cancelJob(ctx, actorOf(req), jobIdOf(req)));
  });
  /** 202 with the new job, or 200 with the one of that kind already queued or running for the project. */
  router.post('/jobs/:id/retry', allow('admin'), async (req, res) => {
    const { job, queued } = await retryJob(ctx, actorOf(req), jobIdOf(req));
    res.status(queued ? 202 : 200).json(job);
  });
  /**
   * `text/event-stream`: one `job` event (JSON) per change of any job (of `?project=` only, if
   * given), starting with the queued and running ones; a comment every 15 s keeps proxies open.
   * Browsers read it with `fetch` (an EventSource cannot send the bearer token).
   */
  router.get('/events', anyRole, async (req, res) => {
    const projectId = intQuery(req, 'project');
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    res.write(': connected\n\n');
    const send = (job: Job): void => {
      if (res.destroyed || (projectId !== undefined && job.projectId !== projectId)) return;
      res.write(`id: ${job.id}\nevent: job\ndata: ${JSON.stringify(job)}\n\n`);
    };
    ctx.queue.on('job', send);
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    // Before the first await: a client that leaves while the active jobs are read (a round trip
    // on PostgreSQL) must not leave the interval and the listener behind for good.
    res.on('close', () => {
      clearInterval(keepAlive);
      ctx.queue.off('job', send);
    });
    for (const state of ['running', 'queued'] as const) (await ctx.jobs.list({ state, ...(projectId === undefined ? {} : { projectId }) })).forEach(send);
  });
  return router;
}
