/**
 * Sign-in to the viewer through the hospital's identity provider, end to end in headless
 * Chromium: a mock OpenID provider on 127.0.0.1 (test/harness/mockOidcProvider.ts: discovery,
 * auto-approving authorization, token endpoint checking the PKCE verifier, RS256 tokens, JWKS),
 * the server configured with `oidc.viewer` and a folder source of phantom DICOM files (the
 * server's own DICOMweb). Opening a study sends the browser to the provider and back to
 * /viewer/callback without a token dialog; the worklist panel then shows the project (so the
 * API calls carried the provider's JWT), the study's image renders (canvas read back: the
 * DICOMweb requests carried it too), `GET /api/me` from the page names the provider's user,
 * claiming a case records that user, and Sign out goes through the provider's end-session
 * endpoint; the admin console signs in through the same provider (and refuses this annotator).
 * Screenshots in out/test-artifacts/viewer-oidc/. Skipped, with the reason, without
 * Chromium or the fetched OHIF app.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { writePhantomDataset } from '../server/src/demo/phantomDataset';
import { buildAdminConsole } from './harness/adminConsolePage';
import { BrowserSession, browserUnavailableReason, buildViewerExtension, ViewerPage, type CanvasStats } from './harness/browser';
import { MockOidcProvider } from './harness/mockOidcProvider';
import { startTestServer, type TestServer } from './harness/serverHarness';

const reason = browserUnavailableReason();
if (reason) process.stderr.write(`viewerOidc.test.ts skipped: ${reason}\n`);
const withBrowser = reason ? describe.skip : describe;
jest.setTimeout(300_000);

const CLIENT_ID = 'scanselect-viewer';
const USER = { sub: 'u-4711', preferred_username: 'dr.alice', name: 'Alice Example', roles: ['radiologist', 'offline_access'] };

interface Item { sopUid: string; studyUid: string; seriesUid: string; rank: number; status: string; claimedBy: string | null }

withBrowser('the viewer signed in through the identity provider (OIDC)', () => {
  let idp: MockOidcProvider;
  let t: TestServer;
  let browser: BrowserSession;
  let viewer: ViewerPage;
  let phantoms: string;
  let items: Item[];

  /** Waits until the image canvas shows a radiograph (many grey levels), answering its read-back. */
  const waitForImage = async (): Promise<CanvasStats> => {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const stats = await viewer.canvasStats('canvas.cornerstone-canvas');
      if (stats && stats.greyLevels > 64 && stats.nonZero > 0.2 * stats.width * stats.height) return stats;
      if (Date.now() > deadline) throw new Error(`no image rendered: ${JSON.stringify(stats)}\n${browser.console.slice(-30).join('\n')}`);
      await new Promise((r) => setTimeout(r, 500));
    }
  };

  beforeAll(async () => {
    buildViewerExtension();
    phantoms = mkdtempSync(path.join(os.tmpdir(), 'scanselect-oidc-phantoms-'));
    await writePhantomDataset(phantoms, 6, 7, 128);
    idp = await MockOidcProvider.start({ clientId: CLIENT_ID, audience: 'scanselect', user: USER });
    t = await startTestServer({
      sources: { phantoms: { kind: 'folder', path: path.join(phantoms, 'dicom') } },
      projects: [{
        name: 'chest', source: 'phantoms', classes: ['right lung', 'left lung'], projection: 'pca', budget: { coldStart: 3, perRound: 1, total: 5 },
        encoder: { id: 'intensity-texture', inputSize: 64 },
      }],
      oidc: { issuer: idp.issuer, audience: 'scanselect', jwksUrl: idp.jwksUrl, roleMap: { radiologist: 'annotator' }, viewer: { clientId: CLIENT_ID } },
    });
    idp.viewerOrigin = t.url; // the client's registered origin: redirect URIs and CORS
    expect((await t.call('POST', '/api/projects/1/sync', { role: 'admin' })).status).toBe(202);
    await t.server.ctx.queue.idle();
    expect((await t.call('POST', '/api/projects/1/rounds', { role: 'admin' })).status).toBe(202);
    await t.server.ctx.queue.idle();
    items = ((await t.call('GET', '/api/projects/1/worklist', { role: 'admin' })).json as Item[]).sort((a, b) => a.rank - b.rank);
    expect(items).toHaveLength(3);
    browser = await BrowserSession.launch('viewer-oidc');
    viewer = new ViewerPage(browser.page);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await t?.dispose();
    await idp?.close();
    if (phantoms) rmSync(phantoms, { recursive: true, force: true });
  });

  it('sends the browser to the identity provider and back, without a token dialog; the worklist loads with the JWT', async () => {
    const top = items[0]!;
    const seen: string[] = [];
    browser.page.on('request', (request) => {
      if (request.isNavigationRequest() && request.frame() === browser.page.mainFrame()) seen.push(request.url());
    });
    await viewer.open(`${t.url}/viewer/scanselect?StudyInstanceUIDs=${top.studyUid}`);
    await browser.page.getByTestId('scanselect-worklist-row').first().waitFor({ timeout: 120_000 });
    // Through the provider's authorization endpoint and OHIF's callback route, back to the study.
    expect(seen.some((u) => u.startsWith(`${idp.issuer}/authorize?`))).toBe(true);
    expect(seen.some((u) => u.startsWith(`${t.url}/viewer/callback?`))).toBe(true);
    await browser.page.waitForURL((u) => u.pathname === '/viewer/scanselect' && u.searchParams.get('StudyInstanceUIDs') === top.studyUid, { timeout: 30_000 });
    expect(idp.events).toEqual(expect.arrayContaining(['discovery', 'authorize → /viewer/callback', 'token (PKCE verified)']));
    expect(idp.events.filter((e) => e.includes('refused'))).toEqual([]);
    expect(await browser.page.getByTestId('scanselect-dialog-token').count()).toBe(0); // no token dialog
    const rows = await viewer.rows();
    expect(rows.map((r) => [r.rank, r.sopUid, r.status])).toEqual(items.map((i) => [i.rank, i.sopUid, 'open']));
    expect(await viewer.text('scanselect-budget')).toBe('budget 3 / 5 used');
    expect(await browser.page.getByTestId('scanselect-project').inputValue()).toBe('1');
    // The extension kept no API token: its bearer is the provider's access token.
    expect(await browser.page.evaluate(() => (globalThis as unknown as { sessionStorage: { getItem(k: string): string | null } }).sessionStorage.getItem('scanselect.token'))).toBeNull();
    await browser.screenshot('signed-in-worklist');
  });

  it('renders the study\'s image: OHIF\'s DICOMweb requests carry the JWT too', async () => {
    const stats = await waitForImage();
    expect(stats.greyLevels).toBeGreaterThan(64);
    expect(browser.console.filter((l) => /\[http 401\].*\/dicom-web\//.test(l) && !l.includes('/viewer/callback'))).toEqual([]);
    await browser.screenshot('image');
  });

  it('GET /api/me from the page names the identity provider\'s user', async () => {
    const me = await browser.page.evaluate(() => (globalThis as unknown as { __scanselect: { me(): Promise<{ name: string; role: string }> } }).__scanselect.me());
    expect(me).toEqual({ name: 'dr.alice', role: 'annotator' });
    // The same with the token OHIF holds, fetched by hand (oidc-client-ts keeps the user in sessionStorage).
    const raw = await browser.page.evaluate(async (key) => {
      const g = globalThis as unknown as { sessionStorage: { getItem(k: string): string | null }; fetch: typeof fetch };
      const user = JSON.parse(g.sessionStorage.getItem(key) ?? 'null') as { access_token: string } | null;
      if (!user) return null;
      const r = await g.fetch('/api/me', { headers: { Authorization: `Bearer ${user.access_token}` } });
      return { status: r.status, body: (await r.json()) as unknown, token: user.access_token };
    }, `oidc.user:${idp.issuer}:${CLIENT_ID}`);
    expect(raw).toMatchObject({ status: 200, body: { name: 'dr.alice', role: 'annotator' } });
    expect(idp.accessTokens).toContain(raw!.token);
  });

  it('claims and opens a case as the provider\'s user', async () => {
    const top = items[0]!;
    await viewer.claimAndOpen(top.sopUid);
    expect((await t.call('GET', `/api/projects/1/cases/${top.sopUid}`, { role: 'admin' })).json).toMatchObject({ status: 'claimed', claimedBy: 'dr.alice' });
    expect((await waitForImage()).greyLevels).toBeGreaterThan(64);
    const rows = await viewer.rows();
    expect(rows.find((r) => r.sopUid === top.sopUid)!.status).toBe('claimed');
    await browser.screenshot('case-claimed');
  });

  it('signs out through the provider\'s end-session endpoint (which signs the user straight back in)', async () => {
    const tokensBefore = idp.accessTokens.length;
    await browser.page.getByTestId('scanselect-sign-out').click();
    const deadline = Date.now() + 60_000;
    while (!idp.events.some((e) => e.startsWith('logout')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    expect(idp.events.find((e) => e.startsWith('logout'))).toMatch(new RegExp(`^logout → ${t.url}/viewer/scanselect`));
    // The mock provider approves at once, so the viewer comes back signed in with a new token.
    await browser.page.getByTestId('scanselect-worklist-row').first().waitFor({ timeout: 120_000 });
    expect(idp.accessTokens.length).toBeGreaterThan(tokensBefore);
    await browser.screenshot('signed-in-again');
  });

  it('signs in to the admin console through the same provider, and refuses the annotator it maps to', async () => {
    buildAdminConsole();
    const page = await browser.context.newPage();
    await page.goto(`${t.url}/admin#/people`, { waitUntil: 'domcontentloaded' });
    await page.getByRole('button', { name: 'Sign in with your identity provider' }).click();
    await page.getByRole('heading', { name: 'Admins only' }).waitFor({ timeout: 60_000 });
    expect(idp.events).toContain('authorize → /admin/callback');
    expect(await page.getByRole('alert').textContent()).toContain('dr.alice');
    expect(new URL(page.url()).pathname + new URL(page.url()).hash).toBe('/admin#/people'); // the callback's code is gone from the address
    await page.screenshot({ path: path.join(browser.artifacts, 'admin-console-refused.png') });
    await page.close();
  });
});
