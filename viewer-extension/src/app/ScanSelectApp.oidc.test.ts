/**
 * The app signed in through the identity provider (OHIF's OIDC user), without a DOM: no token
 * dialog, the API called with the OHIF user's access token once there is one, a refused token
 * waited out until OHIF holds a renewed one, and sign-out through OHIF's /logout route.
 */
import { ApiError } from '../api/apiError';
import type { OhifContext } from '../ohif/ohifTypes';
import { ScanSelectApp } from './ScanSelectApp';

(globalThis as unknown as { window: unknown }).window = { location: { href: 'http://viewer/viewer/scanselect?StudyInstanceUIDs=1.2.3', search: '?StudyInstanceUIDs=1.2.3' } };

const settle = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function setUp() {
  let user: { access_token: string; expires_at: number } | undefined;
  const commands: Array<[string, unknown]> = [];
  const calls: Array<{ url: string; authorization: string | undefined }> = [];
  const stored = new Map<string, string>([['scanselect.token', 'an-old-api-token']]);
  const ohif = {
    servicesManager: { services: { userAuthenticationService: { getUser: () => user, setServiceImplementation: () => undefined } } },
    commandsManager: { runCommand: (name: string, options?: unknown) => void commands.push([name, options]) },
    extensionManager: { getModuleEntry: () => undefined },
  } as unknown as OhifContext;
  const fetchStub = (async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = String(input);
    calls.push({ url, authorization: (init.headers as Record<string, string> | undefined)?.Authorization });
    const body = url.endsWith('/api/me') ? { name: 'dr.alice', role: 'annotator' } : [];
    return new Response(JSON.stringify(body), { status: 200, headers: { 'Content-Type': 'application/json' } });
  }) as typeof fetch;
  const storage = { getItem: (k: string) => stored.get(k) ?? null, setItem: (k: string, v: string) => void stored.set(k, v), removeItem: (k: string) => void stored.delete(k) };
  const app = new ScanSelectApp(ohif, { apiBase: '', storage, auth: 'oidc', fetch: fetchStub });
  const signIn = (token: string): void => {
    user = { access_token: token, expires_at: Date.now() / 1000 + 300 };
  };
  return { app, calls, commands, signIn };
}

describe('ScanSelectApp with OIDC', () => {
  it('waits for OHIF\'s user, then calls the API with its access token (never the stored API token, no dialog)', async () => {
    const { app, calls, signIn } = setUp();
    const started = app.start(); // a dialog would need a DOM: this would throw
    await settle(600);
    expect(calls).toEqual([]); // no user yet: nothing is sent
    expect(app.state.signedIn).toBe(false);
    signIn('jwt-A');
    await started;
    expect(calls.map((c) => [c.url, c.authorization])).toEqual([['/api/me', 'Bearer jwt-A'], ['/api/projects', 'Bearer jwt-A']]);
    expect(app.state.signedIn).toBe(true);
    expect(app.session.me).toBe('dr.alice');
    app.signOut();
  });

  it('after a refused token, waits for a renewed one and loads again without a reload', async () => {
    const { app, calls, signIn } = setUp();
    signIn('jwt-A');
    await app.start();
    calls.length = 0;
    app.fail('Refreshing the worklist failed', new ApiError(401, 'unauthorized', 'the token has expired'));
    expect(app.state.signedIn).toBe(false);
    expect(app.state.notice?.text).toMatch(/the token has expired.*identity provider/);
    await settle(600);
    expect(calls).toEqual([]); // the refused token is not sent again
    signIn('jwt-B'); // OHIF renewed the sign-in
    await settle(600);
    expect(calls.map((c) => c.authorization)).toEqual(['Bearer jwt-B', 'Bearer jwt-B']);
    expect(app.state.signedIn).toBe(true);
    app.signOut();
  });

  it('signs out through OHIF\'s /logout route (the identity provider\'s end-session endpoint)', async () => {
    const { app, commands, signIn } = setUp();
    signIn('jwt-A');
    await app.start();
    app.signOut();
    expect(commands).toEqual([['navigateHistory', { to: `/logout?redirect_uri=${encodeURIComponent('http://viewer/viewer/scanselect?StudyInstanceUIDs=1.2.3')}` }]]);
    expect(app.state.signedIn).toBe(false);
    expect(app.session.me).toBeNull();
  });
});
