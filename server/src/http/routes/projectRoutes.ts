import { Router } from 'express';
import { AppError } from '../../appError';
import type { ServerContext } from '../../domain/context';
import { createProject, updateProject } from '../../domain/projectSettings';
import { queueRound } from '../../domain/queueRound';
import type { Project } from '../../projects/projectStore';
import type { MapView, ProjectView } from '../../apiTypes';
import { actorOf, allow, anyRole, projectIdOf } from '../guards';

/** A project with its progress: budget used, rounds, pool size. */
function describe(ctx: ServerContext, project: Project): ProjectView {
  const counts = ctx.db.prepare(`SELECT
      (SELECT COUNT(*) FROM instances WHERE project_id = @id AND status = 'embedded') AS embedded,
      (SELECT COUNT(*) FROM instances WHERE project_id = @id AND status = 'failed') AS failed,
      (SELECT COUNT(*) FROM worklist WHERE project_id = @id) AS selected,
      (SELECT COUNT(*) FROM masks WHERE project_id = @id) AS labelled`).get({ id: project.id }) as { embedded: number; failed: number; selected: number; labelled: number };
  const latest = ctx.rounds.latest(project.id);
  return {
    ...project,
    pool: { embedded: counts.embedded, failed: counts.failed },
    budget: { ...project.settings.budget, used: counts.selected, remaining: project.settings.budget.total - counts.selected },
    labelled: counts.labelled,
    /** Queued or running sync and round jobs: what the project is doing now. */
    activeJobs: ['sync', 'round'].map((kind) => ctx.jobs.pending(kind, project.id)).filter((j) => j !== null).map((j) => ({ id: j.id, kind: j.kind, state: j.state, progress: j.progress, stage: j.stage })),
    latestRound: latest ? { number: latest.number, kind: latest.kind, size: latest.size, labelled: latest.labelled, createdAt: latest.createdAt } : null,
  };
}

/** Projects, their settings and budgets, and the sync and round jobs (admin sets; service runs). */
export function projectRoutes(ctx: ServerContext): Router {
  const router = Router();
  router.get('/projects', anyRole, (_req, res) => {
    res.json(ctx.projects.list().map((p) => describe(ctx, p)));
  });
  router.post('/projects', allow('admin'), (req, res) => {
    res.status(201).json(describe(ctx, createProject(ctx, actorOf(req), req.body)));
  });
  router.get('/projects/:id', anyRole, (req, res) => {
    res.json(describe(ctx, ctx.projects.get(projectIdOf(req))));
  });
  router.patch('/projects/:id', allow('admin'), (req, res) => {
    res.json(describe(ctx, updateProject(ctx, actorOf(req), projectIdOf(req), req.body)));
  });
  router.post('/projects/:id/sync', allow('admin', 'service'), (req, res) => {
    const project = ctx.projects.get(projectIdOf(req));
    const pending = ctx.jobs.pending('sync', project.id);
    const job = pending ?? ctx.queue.enqueue('sync', project.id);
    if (!pending) ctx.audit.record(actorOf(req), 'sync.queue', project.id, { job: job.id });
    res.status(pending ? 200 : 202).json(job);
  });
  router.post('/projects/:id/rounds', allow('admin', 'service'), (req, res) => {
    const { job, queued } = queueRound(ctx, actorOf(req), projectIdOf(req), 'requested');
    res.status(queued ? 202 : 200).json(job);
  });
  router.get('/projects/:id/rounds', anyRole, (req, res) => {
    const id = projectIdOf(req);
    ctx.projects.get(id);
    res.json(ctx.rounds.list(id));
  });
  router.get('/projects/:id/rounds/:round/map', anyRole, (req, res) => {
    const id = projectIdOf(req);
    const number = Number(req.params.round);
    if (!Number.isSafeInteger(number) || number < 0) throw new AppError(404, 'not-found', `no round ${String(req.params.round)}`);
    const { ids, xy } = ctx.rounds.map(id, number);
    const status = new Map(ctx.rounds.worklist(id).map((i) => [i.sopUid, { round: i.round, status: i.status }]));
    const view: MapView = {
      round: number,
      points: ids.map((sopUid, i) => ({ sopUid, x: xy[2 * i]!, y: xy[2 * i + 1]!, selectedInRound: status.get(sopUid)?.round ?? null, status: status.get(sopUid)?.status ?? null })),
    };
    res.json(view);
  });
  return router;
}
