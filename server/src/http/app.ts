import { randomUUID } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import { errorHandler } from './errorHandler';
import { jsonBody } from './jsonBody';
import { AppError } from '../appError';
import { looksLikeJwt, OidcError, type OidcVerifier } from '../auth/oidcVerifier';
import type { Principal, TokenStore } from '../auth/tokenStore';
import type { ServerContext } from '../domain/context';
import { openApiDocument } from './openApi';
import { adminRoutes } from './routes/adminRoutes';
import { curveRoutes } from './routes/curveRoutes';
import { consoleRoutes } from './routes/consoleRoutes';
import { dicomWebProxy } from './routes/dicomWebProxy';
import { exportRoutes } from './routes/exportRoutes';
import { jobRoutes } from './routes/jobRoutes';
import { projectRoutes } from './routes/projectRoutes';
import { syncHealthRoutes } from './routes/syncHealthRoutes';
import { viewerRoutes, type ViewerFiles } from './routes/viewerRoutes';
import { worklistRoutes } from './routes/worklistRoutes';

/** What `GET /api/info` reports. */
export interface ServerInfo {
  readonly version: string;
  /** The tfjs backend the models train on, the device, and how it was chosen. */
  readonly compute: { readonly backend: string; readonly device: string; readonly description: readonly string[] };
  readonly encoders: readonly string[];
  readonly strategies: readonly string[];
  readonly projections: readonly string[];
  readonly models: readonly string[];
}

declare module 'express-serve-static-core' {
  interface Request {
    requestId: string;
    principal?: Principal;
  }
}

/** Dependencies of the HTTP app. */
export interface AppDeps {
  readonly ctx: ServerContext;
  readonly info: ServerInfo;
  readonly tokens: TokenStore;
  /** Accepts the identity provider's JWTs when configured. */
  readonly oidc?: OidcVerifier;
  /** Where the viewer's files are (default: the repository's viewer-extension/). */
  readonly viewerFiles?: ViewerFiles;
  /** Where the admin console's built files are (default: the repository's admin-console/dist). */
  readonly consoleDir?: string;
  /** The operator log (UIDs redacted): a 500's stack with its request id, and requests when `logRequests`. */
  readonly log: (line: string) => void;
  /** Log every request (method, path, status, time, request id — never bodies or patient data). */
  readonly logRequests?: boolean;
}

/**
 * The Express app. `/api/health`, `/api/info` and `/openapi.json` are open; every other `/api/`
 * route needs a bearer token — an API token, or an OIDC JWT when configured — (401 without a
 * valid one) and a role allowed for the route (403 otherwise). Errors are `{ code, message,
 * requestId }`; the request id is also the `X-Request-Id` header.
 */
export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use((req, res, next) => {
    req.requestId = randomUUID();
    res.setHeader('X-Request-Id', req.requestId);
    const started = process.hrtime.bigint();
    if (deps.logRequests) res.on('finish', () => deps.log(`${req.method} ${req.baseUrl}${req.path} ${res.statusCode} ${(Number(process.hrtime.bigint() - started) / 1e6).toFixed(1)} ms [${req.requestId}]`));
    next();
  });
  app.get('/api/health', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/api/info', (_req, res) => {
    res.json(deps.info);
  });
  app.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument(deps.info.version));
  });
  app.use(viewerRoutes(deps.ctx.config, deps.viewerFiles));
  app.use(consoleRoutes(deps.ctx.config.oidc, deps.consoleDir));

  app.use(['/api', '/dicom-web'], authenticate(deps));
  app.use(dicomWebProxy(deps.ctx.config.sources, { publicUrl: deps.ctx.config.publicUrl }));
  // Bodies are parsed only for authenticated requests: without a token everything is 401.
  app.use(jsonBody());
  app.use('/api', projectRoutes(deps.ctx), worklistRoutes(deps.ctx), curveRoutes(deps.ctx), jobRoutes(deps.ctx), adminRoutes(deps.ctx, deps.tokens));
  app.use('/api', syncHealthRoutes(deps.ctx));
  app.use('/api', exportRoutes(deps.ctx, deps.log));

  app.use((req, _res, next) => next(new AppError(404, 'not-found', `no route ${req.method} ${req.baseUrl}${req.path}`.slice(0, 300))));
  app.use(errorHandler(deps.log));
  return app;
}

function authenticate(deps: AppDeps) {
  return async (req: Request, _res: Response, next: NextFunction): Promise<void> => {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '');
    if (!m) return next(new AppError(401, 'unauthorized', 'a bearer token is required (Authorization: Bearer …)'));
    const token = m[1]!;
    if (deps.oidc && looksLikeJwt(token)) {
      try {
        req.principal = await deps.oidc.verify(token);
        return next();
      } catch (error) {
        if (error instanceof OidcError && error.code === 'jwks-unavailable') return next(new AppError(503, 'identity-provider-unavailable', `cannot check the identity token: ${error.message}`));
        if (error instanceof OidcError) return next(new AppError(401, 'unauthorized', `the identity token was rejected: ${error.message}`));
        return next(error);
      }
    }
    const principal = await deps.tokens.verify(token);
    if (!principal) return next(new AppError(401, 'unauthorized', 'the token is unknown or revoked'));
    req.principal = principal;
    next();
  };
}
