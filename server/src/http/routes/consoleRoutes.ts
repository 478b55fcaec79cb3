import { existsSync } from 'node:fs';
import path from 'node:path';
import express, { Router } from 'express';
import type { OidcConfig } from '../../config/serverConfig';

/**
 * `/admin/config.json`: how the console signs in. With `oidc.viewer`, through the same identity
 * provider and client as the viewer (authorization code + PKCE, redirect to `/admin/callback`,
 * which the provider must allow for that client); else with an API token.
 */
export type ConsoleConfig = { readonly auth: 'token' } | { readonly auth: 'oidc'; readonly authority: string; readonly clientId: string; readonly scope: string };

export function consoleConfig(oidc: OidcConfig | undefined): ConsoleConfig {
  if (!oidc?.viewer) return { auth: 'token' };
  return { auth: 'oidc', authority: oidc.viewer.authority ?? oidc.issuer, clientId: oidc.viewer.clientId, scope: oidc.viewer.scope };
}

/** admin-console/dist of the repository (this file is four levels below the root, in src/ and in dist/). */
export const DEFAULT_CONSOLE_DIR = path.resolve(__dirname, '..', '..', '..', '..', 'admin-console', 'dist');

/**
 * What the console's page may do: its own scripts and styles, calls to this server (and, with
 * OIDC, to the identity provider: discovery and the token endpoint, on the authority's origin),
 * blob downloads; nothing inline but styles (uPlot and the map set element styles), never framed.
 */
function contentSecurityPolicy(oidc: OidcConfig | undefined): string {
  const config = consoleConfig(oidc);
  const provider = config.auth === 'oidc' && URL.canParse(config.authority) ? ` ${new URL(config.authority).origin}` : '';
  return `default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'${provider}; frame-ancestors 'none'; base-uri 'none'; form-action 'self'`;
}

/**
 * The admin console at `/admin` (the bundle `npm run build` makes in admin-console/dist). Its
 * files need no token — they hold no data; the console signs in and every API call it makes is
 * checked (admin role) by the API. Its pages are addressed by the URL's hash, so `/admin` (and the
 * sign-in's `/admin/callback`) are the only HTML routes.
 */
export function consoleRoutes(oidc: OidcConfig | undefined, dir: string = DEFAULT_CONSOLE_DIR): Router {
  const router = Router();
  const csp = contentSecurityPolicy(oidc);
  router.use('/admin', (_req, res, next) => {
    res.setHeader('Content-Security-Policy', csp);
    res.setHeader('X-Content-Type-Options', 'nosniff');
    next();
  });
  router.get('/admin/config.json', (_req, res) => {
    res.setHeader('Cache-Control', 'no-cache');
    res.json(consoleConfig(oidc));
  });
  // The identity provider sends the browser back to /admin/callback?code=…&state=…: the app finishes the sign-in there.
  router.get(['/admin', '/admin/', '/admin/callback'], (_req, res) => {
    const index = path.join(dir, 'index.html');
    if (!existsSync(index)) {
      res.status(503).type('text/plain').send('The admin console is not built on this server: run `npm run build`, then reload.\n');
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
  router.use('/admin', express.static(dir, { index: false, fallthrough: false, setHeaders: (res) => res.setHeader('Cache-Control', 'no-cache') }));
  return router;
}
