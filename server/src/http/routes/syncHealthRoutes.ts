import { Router } from 'express';
import type { ServerContext } from '../../domain/context';
import { listInstances } from '../../domain/listInstances';
import { syncStatus } from '../../domain/syncStatus';
import { allow, projectIdOf } from '../guards';
import { enumQuery, pageQuery, TOTAL_COUNT_HEADER } from '../queryParams';

/** How a project's syncs went: its instances (failed ones with the reason) and a summary. */
export function syncHealthRoutes(ctx: ServerContext): Router {
  const router = Router();
  router.get('/projects/:id/instances', allow('admin', 'service'), async (req, res) => {
    const status = enumQuery(req, 'status', ['embedded', 'failed'] as const);
    const { items, total } = await listInstances(ctx, projectIdOf(req), { ...pageQuery(req), ...(status && { status }) });
    res.setHeader(TOTAL_COUNT_HEADER, String(total)).json(items);
  });
  router.get('/projects/:id/sync-status', allow('admin', 'service'), async (req, res) => {
    res.json(await syncStatus(ctx, projectIdOf(req)));
  });
  return router;
}
