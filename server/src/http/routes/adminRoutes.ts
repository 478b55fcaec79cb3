import { Router } from 'express';
import { AppError } from '../../appError';
import { ROLES, type Role, type TokenStore } from '../../auth/tokenStore';
import { validator } from '../validate';
import type { ServerContext } from '../../domain/context';
import { actorOf, allow, anyRole, intQuery } from '../guards';

/** JSON Schema of `POST /api/tokens`. */
export const TOKEN_REQUEST_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'role'],
  properties: { name: { type: 'string', minLength: 1, maxLength: 200, pattern: '\\S' }, role: { enum: ROLES } },
} as const;
const validateTokenRequest = validator<{ name: string; role: Role }>(TOKEN_REQUEST_SCHEMA);

/** Tokens, the audit log and the PACS outbox. */
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
    res.json(await ctx.audit.list({ projectId, limit: intQuery(req, 'limit') ?? 200 }));
  });
  router.get('/outbox', allow('admin', 'service'), async (req, res) => {
    const projectId = intQuery(req, 'project');
    const state = req.query.state;
    if (state !== undefined && state !== 'pending' && state !== 'done') throw new AppError(400, 'invalid-query', 'state must be pending or done');
    res.json(await ctx.outbox.list({ projectId, state: state as 'pending' | 'done' | undefined }));
  });
  return router;
}
