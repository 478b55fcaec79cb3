import { Router } from 'express';
import { AppError } from '../../appError';
import type { ServerContext } from '../../domain/context';
import type { Job } from '../../jobs/jobStore';
import { anyRole, intQuery } from '../guards';

/** Jobs, and their progress as Server-Sent Events. */
export function jobRoutes(ctx: ServerContext): Router {
  const router = Router();
  router.get('/jobs', anyRole, (req, res) => {
    const projectId = intQuery(req, 'project');
    res.json(ctx.jobs.list(projectId === undefined ? {} : { projectId }));
  });
  router.get('/jobs/:id', anyRole, (req, res) => {
    const job = ctx.jobs.get(Number(req.params.id));
    if (!job) throw new AppError(404, 'not-found', `no job ${req.params.id}`);
    // The whole error may name server paths or quote what a library read: admins only.
    res.json(req.principal!.role === 'admin' && job.state === 'failed' ? { ...job, errorDetail: ctx.jobs.errorDetail(job.id) } : job);
  });
  /**
   * `text/event-stream`: one `job` event (JSON) per change of any job (of `?project=` only, if
   * given), starting with the queued and running ones; a comment every 15 s keeps proxies open.
   * Browsers read it with `fetch` (an EventSource cannot send the bearer token).
   */
  router.get('/events', anyRole, (req, res) => {
    const projectId = intQuery(req, 'project');
    res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
    res.write(': connected\n\n');
    const send = (job: Job): void => {
      if (projectId !== undefined && job.projectId !== projectId) return;
      res.write(`id: ${job.id}\nevent: job\ndata: ${JSON.stringify(job)}\n\n`);
    };
    for (const state of ['running', 'queued'] as const) ctx.jobs.list({ state, ...(projectId === undefined ? {} : { projectId }) }).forEach(send);
    ctx.queue.on('job', send);
    const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    req.on('close', () => {
      clearInterval(keepAlive);
      ctx.queue.off('job', send);
    });
  });
  return router;
}
