import { Router } from 'express';
import { AppError } from '../../appError';
import { ROLES, type Role, type TokenStore } from '../../auth/tokenStore';
import { validator } from '../validate';
import type { ServerContext } from '../../domain/context';
import { listAudit } from '../../domain/listAudit';
import { listDeliveries } from '../../domain/listDeliveries';
import { retryDelivery } from '../../domain/retryDelivery';
import { actorOf, allow, anyRole, intQuery } from '../guards';
import { enumQuery, pageQuery, textQuery, TOTAL_COUNT_HEADER } from '../queryParams';

/** JSON Schema of `POST /api/tokens`. */
export const TOKEN_REQUEST_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'role'],
  properties: { name: { type: 'string', minLength: 1, maxLength: 200, pattern: '\\S' }, role: { enum: ROLES } },
} as const;
const validateTokenRequest = validator<{ name: string; role: Role }>(TOKEN_REQUEST_SCHEMA);

/** Tokens, the audit log (filtered, paged) and the PACS outbox (paged; an admin may retry a delivery now). */
export function adminRoutes(ctx: ServerContext, tokens: TokenStore): Router {
  const router = Router();
  router.get('/me', anyRole, async (req, res) => {
    res.json({ name: actorOf(req), role: req.principal!.role });
  });
  router.get('/tokens', allow('admin'), async (_req, res) => {
    res.json(await tokens.list());
  });
  router.post('/tokens', allow('admin'), async (req, res) => {
    const body = validateTokenRequest(req.body);
    const created = await tokens.create(body.name, body.role);
    await ctx.audit.record(actorOf(req), 'token.create', null, { id: created.id, name: body.name.trim(), role: body.role });
    res.status(201).json({ id: created.id, name: body.name.trim(), role: body.role, token: created.token });
  });
  router.delete('/tokens/:id', allow('admin'), async (req, res) => {
    if (!(await tokens.revoke(Number(req.params.id)))) throw new AppError(404, 'not-found', `no active token ${req.params.id}`);
    await ctx.audit.record(actorOf(req), 'token.revoke', null, { id: Number(req.params.id) });
    res.status(204).end();
  });
  router.get('/audit', allow('admin'), async (req, res) => {
    const projectId = intQuery(req, 'project');
    const { items, total } = await listAudit(ctx, {
      ...pageQuery(req), ...(projectId !== undefined && { projectId }),
      actor: textQuery(req, 'actor'), action: textQuery(req, 'action'), from: textQuery(req, 'from'), to: textQuery(req, 'to'),
    });
    res.setHeader(TOTAL_COUNT_HEADER, String(total)).json(items);
  });
  router.get('/audit/facets', allow('admin'), async (_req, res) => {
    res.json(await ctx.audit.facets());
  });
  router.get('/outbox', allow('admin', 'service'), async (req, res) => {
    const projectId = intQuery(req, 'project');
    const state = enumQuery(req, 'state', ['pending', 'done', 'failed'] as const);
    const { items, total } = await listDeliveries(ctx, { ...pageQuery(req), ...(projectId !== undefined && { projectId }), ...(state && { state }) });
    res.setHeader(TOTAL_COUNT_HEADER, String(total)).json(items);
  });
  router.post('/outbox/:id/retry', allow('admin'), async (req, res) => {
    const id = Number(req.params.id);
    if (!Number.isSafeInteger(id) || id < 1) throw new AppError(404, 'not-found', `no outbox entry ${String(req.params.id).slice(0, 40)}`);
    res.json(await retryDelivery(ctx, actorOf(req), id));
  });
  return router;
}
