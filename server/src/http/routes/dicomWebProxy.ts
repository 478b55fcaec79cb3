import { Readable } from 'node:stream';
import { Router, type Request, type Response } from 'express';
import { AppError } from '../../appError';
import { sourceHeaders, type DicomWebSourceConfig, type SourceConfig } from '../../config/serverConfig';
import { boundedRequest } from '../../pacs/dicomWebLimits';
import { FolderDicomWeb } from '../../pacs/folderDicomWeb';
import { anyRole } from '../guards';

/** Request headers passed on to the PACS (the browser's Authorization is ScanSelect's, not the PACS's). */
const FORWARDED_REQUEST = ['accept', 'content-type'];
/** Response headers passed back. */
const FORWARDED_RESPONSE = ['content-type', 'content-length', 'etag', 'last-modified'];

/** Options of {@link dicomWebProxy}. */
export interface ProxyOptions {
  /** The server's public URL (`ServerConfig.publicUrl`, no trailing slash): the base of the URLs written into answers. */
  readonly publicUrl?: string;
  /** Per-request timeout towards the PACS [60 s]. */
  readonly timeoutMs?: number;
}

/**
 * `GET /dicom-web/{source}/…`: a read-only DICOMweb proxy to a configured PACS, so that the viewer
 * (another origin would need CORS, which Orthanc 1.10 lacks) reaches QIDO-RS and WADO-RS through
 * ScanSelect with a ScanSelect token; the PACS's own credentials (the source's `headers`) never
 * reach the browser. Frame lists are de-duplicated, every list capped and QIDO-RS `limit` lowered to
 * the maximum (pacs/dicomWebLimits.ts) before the request is forwarded. Streams the answer; a PACS
 * that cannot be reached is 502. The PACS's own URLs in JSON answers (BulkDataURI, RetrieveURL)
 * are rewritten to this proxy: absolute under `publicUrl` when configured, else server-relative
 * (`/dicom-web/{source}/…`, which OHIF resolves against its wadoRoot's origin) — never built from
 * the request's Host or X-Forwarded-* headers, which a client chooses. A folder source is
 * answered by {@link FolderDicomWeb}.
 */
export function dicomWebProxy(sources: Readonly<Record<string, SourceConfig>>, options: ProxyOptions = {}): Router {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const router = Router();
  // A folder source is served by a small DICOMweb service of its own (the demo's viewer uses it).
  for (const [name, source] of Object.entries(sources)) {
    if (source.kind === 'folder') router.use(`/dicom-web/${encodeURIComponent(name)}`, anyRole, new FolderDicomWeb(source.path).router());
  }
  router.get('/dicom-web/:source/*path', anyRole, async (req: Request, res: Response) => {
    const source = sources[String(req.params.source)];
    if (!source || source.kind !== 'dicomweb') throw new AppError(404, 'not-found', `no DICOMweb source "${String(req.params.source)}"`);
    const segments = ([] as string[]).concat(req.params.path as string | string[]);
    if (segments.some((s) => s === '..' || s === '.' || s === '')) throw new AppError(400, 'invalid-path', 'the path may not contain empty, "." or ".." segments');
    // Lists are capped and frame lists de-duplicated before anything reaches the PACS.
    const bounded = boundedRequest(segments, req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '');
    const upstream = `${(source as DicomWebSourceConfig).url.replace(/\/+$/, '')}/${bounded.segments.map(encodeURIComponent).join('/')}${bounded.search}`;
    const headers: Record<string, string> = { ...sourceHeaders(source as DicomWebSourceConfig), 'Accept-Encoding': 'identity' };
    for (const name of FORWARDED_REQUEST) {
      const value = req.headers[name];
      if (typeof value === 'string') headers[name] = value;
    }
    let answer: globalThis.Response;
    try {
      answer = await fetch(upstream, { headers, signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      throw new AppError(502, 'pacs-unreachable', `the PACS "${String(req.params.source)}" cannot be reached (${(error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message})`);
    }
    res.status(answer.status);
    for (const name of FORWARDED_RESPONSE) {
      const value = answer.headers.get(name);
      if (value !== null) res.setHeader(name, value);
    }
    if (!answer.body) {
      res.end();
      return;
    }
    if ((answer.headers.get('content-type') ?? '').includes('json')) {
      // Bulk-data URIs in metadata point at the PACS itself: point them at this proxy instead.
      const base = (source as DicomWebSourceConfig).url.replace(/\/+$/, '');
      const here = `${options.publicUrl ?? ''}/dicom-web/${encodeURIComponent(String(req.params.source))}`;
      const text = (await answer.text()).split(base).join(here);
      res.setHeader('content-length', Buffer.byteLength(text));
      res.end(text);
      return;
    }
    const body = Readable.fromWeb(answer.body as import('node:stream/web').ReadableStream);
    req.on('close', () => body.destroy());
    await new Promise<void>((resolve, reject) => {
      body.on('error', reject);
      res.on('finish', resolve);
      res.on('close', resolve);
      body.pipe(res);
    });
  });
  return router;
}
