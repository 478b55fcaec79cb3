/**
 * Where the viewer's bearer token comes from (pure). `token`: a ScanSelect API token the user
 * types into the sign-in dialog (kept in sessionStorage). `oidc`: the hospital's identity
 * provider, through OHIF's own OpenID Connect sign-in — the server's app-config.js then sets
 * `scanselect.auth: 'oidc'` and OHIF's `oidc` list, OHIF redirects to the IdP before it shows
 * any route, and its `userAuthenticationService` holds the signed-in user (an oidc-client-ts
 * `User`) whose access token the server accepts as a bearer token.
 */
export type AuthMode = 'token' | 'oidc';

/** The part of `window.config` that decides the mode. */
export interface AuthConfig {
  readonly scanselect?: { readonly auth?: unknown };
  readonly oidc?: unknown;
}

/** What OHIF's `userAuthenticationService.getUser()` answers: an oidc-client-ts `User`, or nothing yet. */
export interface OidcUserLike {
  readonly access_token?: unknown;
  /** Seconds since the epoch. */
  readonly expires_at?: unknown;
}

/**
 * `oidc` when the server asked for it and OHIF has an OIDC client configured (without one OHIF
 * would never sign anybody in, so the token dialog is the only way in); `token` otherwise.
 */
export function authModeOf(config: AuthConfig | null | undefined): AuthMode {
  return config?.scanselect?.auth === 'oidc' && Array.isArray(config.oidc) && config.oidc.length > 0 ? 'oidc' : 'token';
}

/**
 * The bearer token of the moment: in `token` mode the stored API token; in `oidc` mode the
 * OHIF user's access token, unless there is no user yet (the IdP's redirect back has not been
 * processed) or its token has expired (`nowSeconds` ≥ `expires_at`: OHIF renews it silently;
 * until then nothing is sent, rather than a token the server would refuse).
 */
export function bearerToken(mode: AuthMode, source: { readonly stored: string | null; readonly user: OidcUserLike | null | undefined; readonly nowSeconds: number }): string | null {
  if (mode === 'token') return source.stored || null;
  const user = source.user;
  if (!user || typeof user.access_token !== 'string' || !user.access_token) return null;
  if (typeof user.expires_at === 'number' && source.nowSeconds >= user.expires_at) return null;
  return user.access_token;
}
