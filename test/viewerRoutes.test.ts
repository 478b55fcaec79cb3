/**
 * How the server serves the viewer: the prebuilt OHIF app under /viewer with its absolute paths
 * rewritten, the SPA fallback, a generated app-config.js that loads the ScanSelect extension and
 * mode and reads every source through the server, the extension's files, and a clear 503 when
 * the OHIF files are not installed. Uses a miniature OHIF-like dist written by the test.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startTestServer, type TestServer } from './harness/serverHarness';

let t: TestServer;
let missing: TestServer;
let files: { ohifDir: string; extensionDir: string };

/** Runs a generated app-config.js as the browser would, at origin http://127.0.0.1:1234, and answers window.config. */
function evaluate(script: string): Record<string, any> { // eslint-disable-line @typescript-eslint/no-explicit-any -- assertions read the generated shape
  const window = { location: { origin: 'http://127.0.0.1:1234' } } as { location: { origin: string }; config?: Record<string, unknown> };
  new Function('window', script)(window);
  return window.config!;
}

beforeAll(async () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'scanselect-viewer-'));
  const ohifDir = path.join(root, 'ohif');
  const extensionDir = path.join(root, 'ext');
  files = { ohifDir, extensionDir };
  mkdirSync(ohifDir);
  mkdirSync(extensionDir);
  writeFileSync(path.join(ohifDir, 'index.html'), '<html><head><script>window.PUBLIC_URL="/"</script><script src="/app-config.js"></script><link href="/app.css" rel="stylesheet"><script src="/app.bundle.js"></script><a href="//cdn.example/x">x</a></head></html>');
  writeFileSync(path.join(ohifDir, 'app.bundle.js'), '__webpack_require__.p = "/";\nconsole.log("app");');
  writeFileSync(path.join(ohifDir, 'app.css'), '@font-face{src:url(/font.woff2)}');
  writeFileSync(path.join(ohifDir, 'logo.wasm'), Buffer.from([0, 97, 115, 109]));
  writeFileSync(path.join(extensionDir, 'scanselect-extension.js'), 'export default { id: "scanselect-extension" };');
  const config = { sources: { pacs: { kind: 'dicomweb', url: 'http://127.0.0.1:9/dicom-web' }, phantoms: { kind: 'folder', path: 'x' } } };
  t = await startTestServer(config, { viewerFiles: { ohifDir, extensionDir } });
  missing = await startTestServer(config, { viewerFiles: { ohifDir: path.join(root, 'none'), extensionDir } });
});
afterAll(async () => {
  await t.dispose();
  await missing.dispose();
});

describe('the viewer routes', () => {
  it('serves the OHIF app under /viewer with its absolute paths rewritten, without a token', async () => {
    const index = (await t.call('GET', '/viewer/')).bytes.toString('utf8');
    expect(index).toContain('window.PUBLIC_URL="/viewer/"');
    expect(index).toContain('src="/viewer/app-config.js"');
    expect(index).toContain('href="/viewer/app.css"');
    expect(index).toContain('href="//cdn.example/x"'); // protocol-relative URLs are left alone
    expect((await t.call('GET', '/viewer/app.bundle.js')).bytes.toString('utf8')).toContain('__webpack_require__.p = "/viewer/";');
    expect((await t.call('GET', '/viewer/app.css')).bytes.toString('utf8')).toBe('@font-face{src:url(/viewer/font.woff2)}');
    expect([...(await t.call('GET', '/viewer/logo.wasm')).bytes]).toEqual([0, 97, 115, 109]);
  });

  it('answers routes of the app with index.html, and missing assets with 404', async () => {
    const route = await t.call('GET', '/viewer/scanselect?StudyInstanceUIDs=1.2.3');
    expect([route.status, route.headers.get('content-type')]).toEqual([200, 'text/html; charset=utf-8']);
    expect((await t.call('GET', '/viewer/missing.bundle.js')).status).toBe(404);
    expect((await t.call('GET', '/viewer-extension/missing.js')).status).toBe(404);
    expect((await t.call('GET', '/viewer-extension/scanselect-extension.js')).bytes.toString('utf8')).toContain('scanselect-extension');
  });

  it('generates app-config.js: the extension, the mode and one data source per source, all through the server', async () => {
    const script = (await t.call('GET', '/viewer/app-config.js')).bytes.toString('utf8');
    const window = { location: { origin: 'http://127.0.0.1:1234' } } as { location: { origin: string }; config?: Record<string, unknown> };
    new Function('window', script)(window);
    const config = window.config as { routerBasename: string; extensions: string[]; modes: string[]; defaultDataSourceName: string; dataSources: Array<{ sourceName: string; configuration: { wadoRoot: string; qidoRoot: string } }> };
    expect(config.routerBasename).toBe('/viewer');
    expect(config.extensions).toEqual(['/viewer-extension/scanselect-extension.js']);
    expect(config.modes).toEqual(['/viewer-extension/scanselect-mode.js']);
    expect(config.defaultDataSourceName).toBe('pacs');
    expect(config.dataSources.map((d) => [d.sourceName, d.configuration.wadoRoot, d.configuration.qidoRoot])).toEqual([
      ['pacs', 'http://127.0.0.1:1234/dicom-web/pacs', 'http://127.0.0.1:1234/dicom-web/pacs'],
      ['phantoms', 'http://127.0.0.1:1234/dicom-web/phantoms', 'http://127.0.0.1:1234/dicom-web/phantoms'],
    ]);
    expect(script).not.toContain('127.0.0.1:9'); // the PACS's own address never reaches the browser
  });

  it('asks the extension for an API token when no OIDC viewer client is configured', async () => {
    const config = evaluate((await t.call('GET', '/viewer/app-config.js')).bytes.toString('utf8'));
    expect(config.scanselect).toEqual({ apiBase: '', auth: 'token' });
    expect(config.oidc).toBeUndefined();
  });

  it('with oidc.viewer, configures OHIF\'s OpenID Connect sign-in (code flow) and tells the extension to use it', async () => {
    const oidc = { issuer: 'https://idp.example/realms/radiology', audience: 'scanselect', jwksUrl: 'https://idp.example/certs' };
    const withDefaults = await startTestServer({ sources: { phantoms: { kind: 'folder', path: 'x' } }, oidc: { ...oidc, viewer: { clientId: 'scanselect-viewer' } } }, { viewerFiles: files });
    const explicit = await startTestServer({ sources: { phantoms: { kind: 'folder', path: 'x' } }, oidc: { ...oidc, viewer: { clientId: 'v', authority: 'https://login.example/', scope: 'profile openid roles' } } }, { viewerFiles: files });
    try {
      const config = evaluate((await withDefaults.call('GET', '/viewer/app-config.js')).bytes.toString('utf8'));
      expect(config.scanselect).toEqual({ apiBase: '', auth: 'oidc' });
      expect(config.oidc).toEqual([{
        authority: 'https://idp.example/realms/radiology', // the issuer by default
        client_id: 'scanselect-viewer',
        redirect_uri: 'http://127.0.0.1:1234/viewer/callback',
        silent_redirect_uri: 'http://127.0.0.1:1234/viewer/silent-refresh.html',
        response_type: 'code',
        scope: 'openid profile',
      }]);
      expect(config.routerBasename).toBe('/viewer'); // OHIF's callback route is /callback under it
      expect(evaluate((await explicit.call('GET', '/viewer/app-config.js')).bytes.toString('utf8')).oidc).toMatchObject([{ authority: 'https://login.example/', client_id: 'v', scope: 'profile openid roles' }]);
    } finally {
      await withDefaults.dispose();
      await explicit.dispose();
    }
  });

  it('refuses an oidc.viewer block without a client id, an authority that is no URL, a missing openid scope or an unknown key', async () => {
    const oidc = { issuer: 'https://idp.example', audience: 'scanselect', jwksUrl: 'https://idp.example/certs' };
    const sources = { phantoms: { kind: 'folder', path: 'x' } };
    await expect(startTestServer({ sources, oidc: { ...oidc, viewer: {} } })).rejects.toThrow(/viewer.*clientId/);
    await expect(startTestServer({ sources, oidc: { ...oidc, viewer: { clientId: 'v', authority: 'idp.example' } } })).rejects.toThrow(/viewer\.authority/);
    await expect(startTestServer({ sources, oidc: { ...oidc, viewer: { clientId: 'v', scope: 'profile email' } } })).rejects.toThrow(/scope/);
    await expect(startTestServer({ sources, oidc: { ...oidc, viewer: { clientId: 'v', secret: 's' } } })).rejects.toThrow(/secret/);
  });

  it('says how to install the viewer when the OHIF files are missing', async () => {
    const r = await missing.call('GET', '/viewer/');
    expect(r.status).toBe(503);
    expect(r.bytes.toString('utf8')).toMatch(/node scripts\/fetchOhif\.js/);
  });
});
