import { Router } from 'express';
import { AppError } from '../../appError';
import type { ServerContext } from '../../domain/context';
import { learningCurve, learningCurveCsv, roundMetrics } from '../../domain/learningCurve';
import { chooseValidationSet, validationSet } from '../../domain/validationSet';
import { actorOf, allow, anyRole, projectIdOf } from '../guards';

/** The validation set (choose: admin), each round model's scores on it, and the learning curve (JSON or CSV). */
export function curveRoutes(ctx: ServerContext): Router {
  const router = Router();
  router.get('/projects/:id/validation', anyRole, async (req, res) => {
    res.json(await validationSet(ctx, projectIdOf(req)));
  });
  router.post('/projects/:id/validation', allow('admin'), async (req, res) => {
    res.status(201).json(await chooseValidationSet(ctx, actorOf(req), projectIdOf(req), req.body));
  });
  router.get('/projects/:id/rounds/:round/metrics', anyRole, async (req, res) => {
    const number = Number(req.params.round);
    if (!Number.isSafeInteger(number) || number < 0) throw new AppError(404, 'not-found', `no round ${String(req.params.round).slice(0, 40)}`);
    res.json(await roundMetrics(ctx, projectIdOf(req), number));
  });
  router.get('/projects/:id/learning-curve', anyRole, async (req, res) => {
    const id = projectIdOf(req);
    const format = req.query.format ?? 'json';
    if (format !== 'json' && format !== 'csv') throw new AppError(400, 'invalid-query', 'format must be json or csv');
    const curve = await learningCurve(ctx, id);
    if (format === 'json') {
      res.json(curve);
      return;
    }
    const project = await ctx.projects.get(id);
    res.setHeader('Content-Disposition', `attachment; filename="learning-curve-project-${id}.csv"`);
    res.type('text/csv').send(learningCurveCsv(curve, project.settings.classes));
  });
  return router;
}
