import { createContext } from 'preact';
import { useCallback, useContext, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { Api, messageOf } from './api';
import { hrefOf, parseRoute, type Route } from './route';
import type { Me, ServerInfo } from './types';
import { SignIn } from './signIn';
import { DeliveriesPage } from './views/deliveriesPage';
import { PeoplePage } from './views/peoplePage';
import { ProjectPage } from './views/projectPage';
import { NewProjectPage } from './views/projectForm';
import { ProjectsPage } from './views/projectsPage';


/** What every page gets: the API, the server's info and who is signed in. */
export interface Session {
  readonly api: Api;
  readonly info: ServerInfo;
  readonly me: Me;
  /** For the job stream, which is read with fetch directly. */
  readonly token: string;
}

const SessionContext = createContext<Session | null>(null);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside the signed-in console');
  return session;
}

function useRoute(): Route {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const onChange = (): void => setHash(location.hash);
    addEventListener('hashchange', onChange);
    return () => removeEventListener('hashchange', onChange);
  }, []);
  return parseRoute(hash);
}

/**
 * Signs in (an API token, or the identity provider where the server has OIDC for the viewer),
 * checks the role (admins only; anyone else gets a refusal page) and shows the page of the URL's hash.
 */
export function App() {
  const [signIn, setSignIn] = useState<SignIn | null>(null);
  const [token, setToken] = useState<string | null>(null);
  const [state, setState] = useState<{ me: Me; info: ServerInfo } | { error: string } | null>(null);
  useEffect(() => {
    SignIn.load().then(async (s) => {
      setSignIn(s);
      setToken(await s.current());
    }).catch((error: unknown) => setState({ error: `Sign-in failed: ${messageOf(error)}` }));
  }, []);
  const signOut = useCallback(() => {
    void signIn?.signOut();
    setToken(null);
    setState(null);
  }, [signIn]);
  const api = useMemo(() => new Api(() => token, signOut), [token, signOut]);
  useEffect(() => {
    if (!token) return;
    let live = true;
    Promise.all([api.get<Me>('/api/me'), api.get<ServerInfo>('/api/info')]).then(
      ([me, info]) => live && setState({ me, info }),
      (error: unknown) => live && setState({ error: messageOf(error) }),
    );
    return () => {
      live = false;
    };
  }, [api, token]);

  if (!signIn) return state && 'error' in state ? <p role="alert" class="error">{state.error}</p> : <p role="status">Loading…</p>;
  const useToken = (t: string): void => {
    signIn.useToken(t);
    setState(null);
    setToken(t);
  };
  if (!token || (state && 'error' in state)) return <SignInPage signIn={signIn} error={state && 'error' in state ? state.error : null} onToken={useToken} />;
  if (!state) return <p role="status">Checking your sign-in…</p>;
  if (state.me.role !== 'admin') return <Refusal me={state.me} onSignOut={signOut} />;
  return (
    <SessionContext.Provider value={{ api, info: state.info, me: state.me, token }}>
      <Console me={state.me} onSignOut={signOut} />
    </SessionContext.Provider>
  );
}

function SignInPage({ signIn, onToken, error }: { signIn: SignIn; onToken: (token: string) => void; error: string | null }) {
  const [value, setValue] = useState('');
  return (
    <main class="sign-in">
      <h1>ScanSelect admin console</h1>
      {error && <p role="alert" class="error">{error}</p>}
      {signIn.oidc && (
        <p><button type="button" onClick={() => void signIn.redirect()}>Sign in with your identity provider</button></p>
      )}
      <form onSubmit={(e) => { e.preventDefault(); if (value.trim()) onToken(value.trim()); }}>
        <label for="token">API token</label>
        <p id="token-help" class="help">An admin token (ss_…), as the server printed at first start or as another admin issued it. It is kept in this browser tab only.</p>
        <input id="token" name="token" type="password" autocomplete="off" aria-describedby="token-help" value={value} onInput={(e) => setValue(e.currentTarget.value)} required />
        <button type="submit">Sign in</button>
      </form>
    </main>
  );
}

function Refusal({ me, onSignOut }: { me: Me; onSignOut: () => void }) {
  return (
    <main class="refusal">
      <h1>Admins only</h1>
      <p role="alert">You are signed in as <strong>{me.name}</strong> with the role <strong>{me.role}</strong>. The admin console is for department admins; ask one for an admin token.</p>
      <p>Annotators label in the viewer: <a href="/viewer">open the viewer</a>.</p>
      <button type="button" onClick={onSignOut}>Sign out</button>
    </main>
  );
}

const NAV: ReadonlyArray<{ route: Route; label: string; matches: (r: Route) => boolean }> = [
  { route: { page: 'projects' }, label: 'Projects', matches: (r) => r.page === 'projects' || r.page === 'project' || r.page === 'new-project' },
  { route: { page: 'people' }, label: 'People and access', matches: (r) => r.page === 'people' },
  { route: { page: 'deliveries' }, label: 'Deliveries', matches: (r) => r.page === 'deliveries' },
];

function Console({ me, onSignOut }: { me: Me; onSignOut: () => void }) {
  const route = useRoute();
  const main = useRef<HTMLElement>(null);
  // A new page moves focus to its heading, so screen readers announce where the user is.
  useEffect(() => {
    main.current?.querySelector<HTMLElement>('h1')?.focus();
  }, [hrefOf(route)]);
  return (
    <>
      <a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <span class="brand">ScanSelect · admin</span>
        <nav aria-label="Console">
          <ul>
            {NAV.map((n) => <li key={n.label}><a href={hrefOf(n.route)} aria-current={n.matches(route) ? 'page' : undefined}>{n.label}</a></li>)}
          </ul>
        </nav>
        <span class="who">Signed in as {me.name} <button type="button" class="link" onClick={onSignOut}>Sign out</button></span>
      </header>
      <main id="main" ref={main}>
        {route.page === 'projects' && <ProjectsPage />}
        {route.page === 'new-project' && <NewProjectPage />}
        {route.page === 'project' && <ProjectPage key={route.id} id={route.id} tab={route.tab} />}
        {route.page === 'people' && <PeoplePage />}
        {route.page === 'deliveries' && <DeliveriesPage />}
      </main>
    </>
  );
}
