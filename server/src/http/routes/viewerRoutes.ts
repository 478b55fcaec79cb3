import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import express, { Router, type Response } from 'express';
import type { ServerConfig } from '../../config/serverConfig';

/** What the viewer's configuration is made of: the sources (one OHIF data source each) and the OIDC settings. */
export type ViewerConfigInput = Pick<ServerConfig, 'sources' | 'oidc'>;

/** Where the viewer's files are: the prebuilt OHIF app and the built extension. */
export interface ViewerFiles {
  /** `dist/` of `@ohif/app` (scripts/fetchOhif.js puts it in viewer-extension/vendor/ohif). */
  readonly ohifDir: string;
  /** viewer-extension/dist (scanselect-extension.js, scanselect-mode.js). */
  readonly extensionDir: string;
}

/** The repository's locations (this file is four levels below the root, in src/ and in dist/). */
export const DEFAULT_VIEWER_FILES: ViewerFiles = {
  ohifDir: path.resolve(__dirname, '..', '..', '..', '..', 'viewer-extension', 'vendor', 'ohif'),
  extensionDir: path.resolve(__dirname, '..', '..', '..', '..', 'viewer-extension', 'dist'),
};

const BASE = '/viewer';

/**
 * The viewer at `/viewer`: the prebuilt OHIF app (built for `/`, so its absolute paths are
 * rewritten to `/viewer/` as files are served), a generated `app-config.js` that loads the
 * ScanSelect extension and mode from `/viewer-extension/` and reads images through the server's
 * DICOMweb proxy (one data source per configured PACS), and the SPA fallback to index.html. Static
 * files need no token; everything they call does.
 */
export function viewerRoutes(config: ViewerConfigInput, files: ViewerFiles = DEFAULT_VIEWER_FILES): Router {
  const router = Router();
  const rewritten = new Map<string, Promise<string>>();
  router.use('/viewer-extension', express.static(files.extensionDir, { fallthrough: false, index: false }));
  router.get(`${BASE}/app-config.js`, (_req, res) => {
    res.type('application/javascript').setHeader('Cache-Control', 'no-cache');
    res.send(appConfig(config));
  });
  router.get([BASE, `${BASE}/*path`], async (req, res, next) => {
    if (!existsSync(path.join(files.ohifDir, 'index.html'))) {
      res.status(503).type('text/plain').send('The OHIF viewer is not installed on this server: run `node scripts/fetchOhif.js` (it downloads @ohif/app from the npm registry), then reload.\n');
      return;
    }
    const relative = ([] as string[]).concat((req.params as { path?: string | string[] }).path ?? []).join('/');
    if (relative.split('/').some((s) => s === '..')) return next();
    const file = path.join(files.ohifDir, relative);
    const isFile = relative !== '' && (await fs.stat(file).then((s) => s.isFile(), () => false));
    if (!isFile) {
      // A route of the single-page app gets index.html; a missing script or asset is a 404.
      if (/\.(js|css|wasm|map|json|png|svg|woff2?|ico)$/.test(relative)) return void res.status(404).type('text/plain').send('not found\n');
      return void send(res, 'text/html', await rewrite(path.join(files.ohifDir, 'index.html'), rewritten));
    }
    if (/\.(js|css|html)$/.test(relative) || relative === 'manifest.json') {
      const type = relative.endsWith('.js') ? 'application/javascript' : relative.endsWith('.css') ? 'text/css' : relative.endsWith('.html') ? 'text/html' : 'application/json';
      return void send(res, type, await rewrite(file, rewritten));
    }
    res.sendFile(file, { maxAge: '1h' });
  });
  return router;
}

function send(res: Response, type: string, body: string): void {
  res.type(type).setHeader('Cache-Control', 'no-cache');
  res.send(body);
}

/** The app's absolute paths (`/`) become `/viewer/`; cached per file. */
function rewrite(file: string, cache: Map<string, Promise<string>>): Promise<string> {
  let text = cache.get(file);
  if (!text) {
    text = fs.readFile(file, 'utf8').then((source) => {
      if (file.endsWith('.js')) return source.replace(/__webpack_require__\.p = "\/";/g, `__webpack_require__.p = "${BASE}/";`);
      if (file.endsWith('.css')) return source.replace(/url\(\//g, `url(${BASE}/`);
      if (file.endsWith('.json')) return source.replace(/"\//g, `"${BASE}/`);
      return source.replace(/window\.PUBLIC_URL\s*=\s*"\/"/g, `window.PUBLIC_URL="${BASE}/"`).replace(/(href|src)="\/(?!\/)/g, `$1="${BASE}/`);
    });
    cache.set(file, text);
  }
  return text;
}

/**
 * `window.config` of the OHIF app: ScanSelect's extension and mode, and the PACS through the
 * proxy. With `oidc.viewer`, OHIF's own OpenID Connect sign-in (authorization code + PKCE, the
 * IdP redirecting back to `/viewer/callback`) and `scanselect.auth: 'oidc'`, which tells the
 * extension to use the signed-in user's access token instead of asking for an API token.
 */
export function appConfig({ sources, oidc }: ViewerConfigInput): string {
  const pacs = Object.keys(sources); // PACS through the proxy, folders through FolderDicomWeb
  const dataSources = pacs.map((name) => ({
    namespace: '@ohif/extension-default.dataSourcesModule.dicomweb',
    sourceName: name,
    configuration: {
      friendlyName: `${name} (${sources[name]!.kind === 'folder' ? 'folder' : 'PACS'}, through ScanSelect)`,
      name,
      // The browser's own origin (never a Host header): the proxy's BulkDataURIs are server-relative
      // (or under publicUrl), and OHIF's fixBulkDataURI resolves `/dicom-web/…` against this origin.
      qidoRoot: `@ORIGIN@/dicom-web/${name}`,
      wadoRoot: `@ORIGIN@/dicom-web/${name}`,
      wadoUriRoot: `@ORIGIN@/dicom-web/${name}`,
      qidoSupportsIncludeField: false,
      supportsReject: false,
      supportsStow: false,
      imageRendering: 'wadors',
      thumbnailRendering: 'wadors',
      enableStudyLazyLoad: true,
      supportsFuzzyMatching: false,
      supportsWildcard: true,
      staticWado: false,
      singlepart: 'bulkdata,video',
      bulkDataURI: { enabled: true, relativeResolution: 'studies' },
      omitQuotationForMultipartRequest: true,
    },
  }));
  const config = {
    routerBasename: BASE,
    extensions: ['/viewer-extension/scanselect-extension.js'],
    modes: ['/viewer-extension/scanselect-mode.js'],
    customizationService: {},
    showStudyList: true,
    investigationalUseDialog: { option: 'never' },
    maxNumberOfWebWorkers: 2,
    showWarningMessageForCrossOrigin: false,
    showCPUFallbackMessage: false,
    showLoadingIndicator: true,
    defaultDataSourceName: pacs[0] ?? null,
    dataSources,
    scanselect: { apiBase: '', auth: oidc?.viewer ? 'oidc' : 'token' },
    ...(oidc?.viewer && {
      oidc: [{
        authority: oidc.viewer.authority ?? oidc.issuer,
        client_id: oidc.viewer.clientId,
        redirect_uri: `@ORIGIN@${BASE}/callback`,
        silent_redirect_uri: `@ORIGIN@${BASE}/silent-refresh.html`, // in OHIF's dist
        response_type: 'code', // OHIF 3.13 then uses oidc-client-ts: code flow with PKCE
        scope: oidc.viewer.scope,
      }],
    }),
  };
  return `// Generated by the ScanSelect server.\nwindow.config = ${JSON.stringify(config, null, 2).replace(/"@ORIGIN@/g, 'window.location.origin + "')};\n`;
}
