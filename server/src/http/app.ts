import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { ROLES, type Principal, type Role, type TokenStore } from '../auth/tokenStore';
import type { JobStore } from '../jobs/jobStore';

/** What `GET /api/info` reports. */
export interface ServerInfo {
  readonly version: string;
  readonly backend: string;
  readonly encoders: readonly string[];
  readonly strategies: readonly string[];
  readonly models: readonly string[];
}

/** An error answered as `{ code, message, requestId }` with an HTTP status. */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

declare module 'express-serve-static-core' {
  interface Request {
    requestId: string;
    principal?: Principal;
  }
}

/** Dependencies of the HTTP app. */
export interface AppDeps {
  readonly info: ServerInfo;
  readonly tokens: TokenStore;
  readonly jobs: JobStore;
}

/**
 * The Express app. `/api/health` and `/api/info` are open; every other `/api/` route needs a
 * bearer token (401 without a valid one) and a role allowed for the route (403 otherwise).
 * Errors are `{ code, message, requestId }`; the request id is also the `X-Request-Id` header.
 */
export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use((req, res, next) => {
    req.requestId = randomUUID();
    res.setHeader('X-Request-Id', req.requestId);
    next();
  });
  app.get('/api/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/api/info', (_req, res) => {
    res.json(deps.info);
  });

  app.use('/api', (req, _res, next) => {
    const header = req.headers.authorization ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(header);
    if (!m) return next(new ApiError(401, 'unauthorized', 'a bearer token is required (Authorization: Bearer …)'));
    const principal = deps.tokens.verify(m[1]!);
    if (!principal) return next(new ApiError(401, 'unauthorized', 'the token is unknown or revoked'));
    req.principal = principal;
    next();
  });
  // Bodies are parsed only for authenticated requests: without a token everything is 401.
  app.use(express.json({ limit: '1mb' }));

  app.get('/api/jobs', allow('admin', 'service', 'annotator'), (req, res) => {
    const projectId = req.query.project === undefined ? undefined : Number(req.query.project);
    if (projectId !== undefined && !Number.isInteger(projectId)) throw new ApiError(400, 'invalid-query', 'project must be an integer id');
    res.json(deps.jobs.list(projectId === undefined ? {} : { projectId }));
  });
  app.get('/api/jobs/:id', allow('admin', 'service', 'annotator'), (req, res) => {
    const job = deps.jobs.get(Number(req.params.id));
    if (!job) throw new ApiError(404, 'not-found', `no job ${req.params.id}`);
    res.json(job);
  });

  app.post('/api/tokens', allow('admin'), (req, res) => {
    const body = (req.body ?? {}) as { name?: unknown; role?: unknown };
    if (typeof body.name !== 'string' || body.name.trim() === '' || body.name.length > 200) throw new ApiError(400, 'invalid-body', 'name: a non-empty string of at most 200 characters');
    if (typeof body.role !== 'string' || !ROLES.includes(body.role as Role)) throw new ApiError(400, 'invalid-body', `role: one of ${ROLES.join(', ')}`);
    const created = deps.tokens.create(body.name, body.role as Role);
    res.status(201).json({ id: created.id, name: body.name.trim(), role: body.role, token: created.token });
  });
  app.delete('/api/tokens/:id', allow('admin'), (req, res) => {
    if (!deps.tokens.revoke(Number(req.params.id))) throw new ApiError(404, 'not-found', `no active token ${req.params.id}`);
    res.status(204).end();
  });

  app.use('/api', (req, _res, next) => next(new ApiError(404, 'not-found', `no route ${req.method} ${req.path}`)));
  // Express recognises an error handler by its four parameters.
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const known = error instanceof ApiError;
    const parseError = (error as { type?: string }).type === 'entity.parse.failed';
    const tooLarge = (error as { type?: string }).type === 'entity.too.large';
    const status = known ? error.status : parseError ? 400 : tooLarge ? 413 : 500;
    const code = known ? error.code : parseError ? 'invalid-json' : tooLarge ? 'too-large' : 'internal';
    const message = known ? error.message : parseError ? 'the request body is not valid JSON' : tooLarge ? 'the request body is too large' : 'internal error (see the server log with this request id)';
    if (status === 500) process.stderr.write(`[${req.requestId}] ${(error as Error).stack ?? String(error)}\n`);
    res.status(status).json({ code, message, requestId: req.requestId });
  });
  return app;
}

/** Route guard: only these roles (403 for the others). */
export function allow(...roles: Role[]) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    if (!req.principal || !roles.includes(req.principal.role)) {
      next(new ApiError(403, 'forbidden', `this needs the role ${roles.join(' or ')}; the token has ${req.principal?.role ?? 'none'}`));
      return;
    }
    next();
  };
}
