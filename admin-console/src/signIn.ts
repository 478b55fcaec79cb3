import { UserManager } from 'oidc-client-ts';

/** How the console signs in (`/admin/config.json`, from the server's `oidc.viewer`). */
export type ConsoleConfig = { readonly auth: 'token' } | { readonly auth: 'oidc'; readonly authority: string; readonly clientId: string; readonly scope: string };

const TOKEN_KEY = 'scanselect.admin.token';
const CALLBACK = '/admin/callback';

/**
 * The bearer token the console uses: an API token typed in (kept in this tab's sessionStorage),
 * or — where the server has `oidc.viewer` — the identity provider's access token from an
 * authorization-code sign-in with PKCE (oidc-client-ts; the user kept in sessionStorage too).
 */
export class SignIn {
  private readonly manager: UserManager | null;

  private constructor(readonly config: ConsoleConfig) {
    this.manager = config.auth === 'oidc'
      ? new UserManager({
        authority: config.authority, client_id: config.clientId, scope: config.scope, response_type: 'code',
        redirect_uri: `${location.origin}${CALLBACK}`, post_logout_redirect_uri: `${location.origin}/admin`,
      })
      : null;
  }

  static async load(): Promise<SignIn> {
    const response = await fetch('/admin/config.json');
    return new SignIn(response.ok ? ((await response.json()) as ConsoleConfig) : { auth: 'token' });
  }

  get oidc(): boolean {
    return this.manager !== null;
  }

  /**
   * The token to use now: back from the provider (on /admin/callback: the code is exchanged and
   * the page the admin was on restored), a provider sign-in still valid, or a stored API token.
   */
  async current(): Promise<string | null> {
    if (this.manager && location.pathname === CALLBACK) {
      const user = await this.manager.signinRedirectCallback();
      history.replaceState(null, '', `/admin${typeof user.state === 'string' ? user.state : ''}`);
      return user.access_token;
    }
    if (this.manager) {
      const user = await this.manager.getUser();
      if (user && !user.expired) return user.access_token;
    }
    return sessionStorage.getItem(TOKEN_KEY);
  }

  /** Off to the identity provider; back on /admin/callback with the page (hash) the admin was on. */
  async redirect(): Promise<void> {
    await this.manager?.signinRedirect({ state: location.hash });
  }

  useToken(token: string): void {
    sessionStorage.setItem(TOKEN_KEY, token);
  }

  /** Forgets the API token and the provider's user (the provider's own session stays: the admin may sign in again at once). */
  async signOut(): Promise<void> {
    sessionStorage.removeItem(TOKEN_KEY);
    await this.manager?.removeUser();
  }
}
