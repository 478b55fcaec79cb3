import { Router } from 'express';
import { AppError } from '../../appError';
import type { ServerContext } from '../../domain/context';
import { createProject, updateProject } from '../../domain/projectSettings';
import { assertActive } from '../../domain/projectStatus';
import { queueRound } from '../../domain/queueRound';
import { listSiteEncoders, queueSiteEncoder } from '../../domain/siteEncoders';
import { nextRun, parseCron } from '../../jobs/cronSchedule';
import { JOB_KINDS } from '../../jobs/pollingJobQueue';
import type { Project } from '../../projects/projectStore';
import type { MapView, ProjectView } from '../../apiTypes';
import { actorOf, allow, anyRole, projectIdOf } from '../guards';

/** A project with its progress: budget used, rounds, pool size. */
async function describe(ctx: ServerContext, project: Project): Promise<ProjectView> {
  const counts = (await ctx.sql.get<{ embedded: number; failed: number; selected: number; validation: number; validation_labelled: number; labelled: number }>(`SELECT
      (SELECT COUNT(*) FROM instances WHERE project_id = @id AND status = 'embedded') AS embedded,
      (SELECT COUNT(*) FROM instances WHERE project_id = @id AND status = 'failed') AS failed,
      (SELECT COUNT(*) FROM worklist WHERE project_id = @id AND validation = 0) AS selected,
      (SELECT COUNT(*) FROM worklist WHERE project_id = @id AND validation = 1) AS validation,
      (SELECT COUNT(*) FROM worklist w JOIN masks m ON m.project_id = w.project_id AND m.sop_uid = w.sop_uid WHERE w.project_id = @id AND w.validation = 1) AS validation_labelled,
      (SELECT COUNT(*) FROM masks WHERE project_id = @id) AS labelled`, { id: project.id }))!;
  const latest = await ctx.rounds.latest(project.id);
  const active = (await Promise.all(JOB_KINDS.map((kind) => ctx.jobs.pending(kind, project.id)))).filter((j) => j !== null);
  return {
    ...project,
    pool: { embedded: counts.embedded, failed: counts.failed },
    budget: { ...project.settings.budget, used: counts.selected, remaining: project.settings.budget.total - counts.selected },
    labelled: counts.labelled,
    validation: { size: counts.validation, labelled: counts.validation_labelled },
    nextScheduledRun: nextScheduled(project, ctx.now()),
    /** Queued or running sync and round jobs: what the project is doing now. */
    activeJobs: active.map((j) => ({ id: j.id, kind: j.kind, state: j.state, progress: j.progress, stage: j.stage })),
    latestRound: latest ? { number: latest.number, kind: latest.kind, size: latest.size, labelled: latest.labelled, createdAt: latest.createdAt } : null,
  };
}

/** When the schedule next runs (ISO instant; clients show it in the project's time zone), or null. */
function nextScheduled(project: Project, now: Date): string | null {
  const { schedule, timeZone, status } = project.settings;
  if (!schedule || status !== 'active') return null;
  try {
    return nextRun(parseCron(schedule), now, timeZone).toISOString();
  } catch {
    return null; // a schedule with no run in sight: the settings check refuses those on save
  }
}

/** Projects, their settings and budgets, and the sync and round jobs (admin sets; service runs). */
export function projectRoutes(ctx: ServerContext): Router {
  const router = Router();
  router.get('/sources', allow('admin'), async (_req, res) => {
    res.json(Object.entries(ctx.config.sources).map(([name, source]) => ({ name, kind: source.kind })));
  });
  router.get('/projects', anyRole, async (_req, res) => {
    res.json(await Promise.all((await ctx.projects.list()).map((p) => describe(ctx, p))));
  });
  router.post('/projects', allow('admin'), async (req, res) => {
    res.status(201).json(await describe(ctx, await createProject(ctx, actorOf(req), req.body)));
  });
  router.get('/projects/:id', anyRole, async (req, res) => {
    res.json(await describe(ctx, await ctx.projects.get(projectIdOf(req))));
  });
  router.patch('/projects/:id', allow('admin'), async (req, res) => {
    res.json(await describe(ctx, await updateProject(ctx, actorOf(req), projectIdOf(req), req.body)));
  });
  router.post('/projects/:id/sync', allow('admin', 'service'), async (req, res) => {
    const project = await ctx.projects.get(projectIdOf(req));
    assertActive(project, 'a sync');
    const pending = await ctx.jobs.pending('sync', project.id);
    const job = pending ?? (await ctx.queue.enqueue('sync', project.id));
    if (!pending) await ctx.audit.record(actorOf(req), 'sync.queue', project.id, { job: job.id });
    res.status(pending ? 200 : 202).json(job);
  });
  router.post('/projects/:id/site-encoder', allow('admin'), async (req, res) => {
    const { job, queued } = await queueSiteEncoder(ctx, actorOf(req), projectIdOf(req), req.body);
    res.status(queued ? 202 : 200).json(job);
  });
  router.get('/site-encoders', allow('admin'), async (_req, res) => {
    res.json(await listSiteEncoders(ctx));
  });
  router.post('/projects/:id/rounds', allow('admin', 'service'), async (req, res) => {
    const { job, queued } = await queueRound(ctx, actorOf(req), projectIdOf(req), 'requested');
    res.status(queued ? 202 : 200).json(job);
  });
  router.get('/projects/:id/rounds', anyRole, async (req, res) => {
    const id = projectIdOf(req);
    await ctx.projects.get(id);
    res.json(await ctx.rounds.list(id));
  });
  router.get('/projects/:id/rounds/:round/map', anyRole, async (req, res) => {
    const id = projectIdOf(req);
    const number = Number(req.params.round);
    if (!Number.isSafeInteger(number) || number < 0) throw new AppError(404, 'not-found', `no round ${String(req.params.round)}`);
    const { ids, xy } = await ctx.rounds.map(id, number);
    const status = new Map((await ctx.rounds.worklist(id)).map((i) => [i.sopUid, { round: i.round, status: i.status, validation: i.validation }]));
    // A validation case was not picked by a round: it has no round, and says it is one.
    const view: MapView = {
      round: number,
      points: ids.map((sopUid, i) => {
        const s = status.get(sopUid);
        return { sopUid, x: xy[2 * i]!, y: xy[2 * i + 1]!, selectedInRound: s && !s.validation ? s.round : null, status: s?.status ?? null, validation: s?.validation ?? false };
      }),
    };
    res.json(view);
  });
  return router;
}
