import { boundaryOf, buildMultipart, parseMultipart } from './multipart';

/** Why a PACS call failed. */
export type PacsErrorCode = 'unreachable' | 'http' | 'bad-response';

/** A PACS call that failed after its retries; the message names the URL, never patient data. */
export class PacsError extends Error {
  constructor(readonly code: PacsErrorCode, message: string, readonly status?: number) {
    super(message);
    this.name = 'PacsError';
  }
}

/** A DICOM JSON dataset (PS3.18 F.2): tag → { vr, Value }. */
export type DicomJson = Record<string, { vr?: string; Value?: unknown[] }>;

/** Study-level QIDO-RS filters of a project. */
export interface StudyFilters {
  /** ModalitiesInStudy, e.g. "CR" or "DX". */
  readonly modality?: string;
  /** Inclusive StudyDate range, YYYYMMDD. */
  readonly dateFrom?: string;
  readonly dateTo?: string;
  /** StudyDescription with DICOM wildcards (* and ?). */
  readonly studyDescription?: string;
}

/** Where one instance lives. */
export interface InstanceRef {
  readonly studyUid: string;
  readonly seriesUid: string;
  readonly sopUid: string;
}

/** Options of {@link DicomWebClient}. */
export interface DicomWebOptions {
  /** Base URL of the DICOMweb service, e.g. http://pacs:8042/dicom-web. */
  readonly baseUrl: string;
  /** Extra headers (e.g. Authorization). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Per-request timeout. Default 30 s. */
  readonly timeoutMs?: number;
  /** Retries after the first attempt on network errors, timeouts, 429 and 5xx. Default 3. */
  readonly retries?: number;
  /** First back-off; doubles per retry. Default 500 ms. */
  readonly backoffMs?: number;
  /** Requests in flight at most. Default 4. */
  readonly concurrency?: number;
}

export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';

/**
 * A DICOMweb client on `fetch` (no XMLHttpRequest needed in Node): QIDO-RS search, WADO-RS
 * retrieval of whole instances (asking for explicit VR little endian; whatever syntax comes back
 * is the decoder's to handle or to name), STOW-RS storage. Concurrency-limited; retries with
 * exponential back-off on network errors, timeouts, 429 and 5xx, never on other 4xx.
 */
export class DicomWebClient {
  private readonly baseUrl: string;
  private active = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly options: DicomWebOptions) {
    this.baseUrl = options.baseUrl.replace(/\/+$/, '');
  }

  /** QIDO-RS /studies with the filters; `limit`/`offset` page through large archives. */
  async searchStudies(filters: StudyFilters = {}, page: { limit?: number; offset?: number } = {}): Promise<DicomJson[]> {
    const query = new URLSearchParams();
    if (filters.modality) query.set('ModalitiesInStudy', filters.modality);
    if (filters.dateFrom || filters.dateTo) query.set('StudyDate', `${filters.dateFrom ?? ''}-${filters.dateTo ?? ''}`);
    if (filters.studyDescription) query.set('StudyDescription', filters.studyDescription);
    if (page.limit !== undefined) query.set('limit', String(page.limit));
    if (page.offset !== undefined) query.set('offset', String(page.offset));
    const text = query.toString();
    return this.json(`/studies${text ? `?${text}` : ''}`);
  }

  /**
   * QIDO-RS: every instance of a study as DICOM JSON, with the attributes a source filters on
   * (modality, body part, study date and description) asked for explicitly.
   */
  searchInstanceRows(studyUid: string): Promise<DicomJson[]> {
    const fields = ['00080060', '00180015', '00080020', '00081030'].map((t) => `includefield=${t}`).join('&');
    return this.json(`/studies/${encodeURIComponent(studyUid)}/instances?${fields}`);
  }

  /** WADO-RS: one whole instance as a DICOM Part 10 file. */
  async retrieveInstance(ref: InstanceRef): Promise<Uint8Array> {
    const path = `/studies/${encodeURIComponent(ref.studyUid)}/series/${encodeURIComponent(ref.seriesUid)}/instances/${encodeURIComponent(ref.sopUid)}`;
    const response = await this.request('GET', path, {
      accept: `multipart/related; type="application/dicom"; transfer-syntax=${EXPLICIT_VR_LITTLE_ENDIAN}`,
      // Pixel data hardly compresses, and gzip on both ends made a 512² instance from Orthanc take
      // ~4× longer (npm run bench:server, docs/server.md): ask for the bytes as they are.
      encoding: 'identity',
    });
    const boundary = boundaryOf(response.contentType);
    if (!boundary) throw new PacsError('bad-response', `WADO-RS ${path} answered ${response.contentType || 'no content type'}, not multipart/related`);
    const parts = parseMultipart(response.body, boundary);
    if (parts.length !== 1) throw new PacsError('bad-response', `WADO-RS ${path} returned ${parts.length} parts for one instance`);
    return parts[0]!.body;
  }

  /** STOW-RS: stores Part 10 files; returns how many were stored and which failed, and why. */
  async store(instances: readonly Uint8Array[]): Promise<{ stored: number; failed: Array<{ sopUid: string; reason: string }> }> {
    const { body, contentType } = buildMultipart(instances);
    const response = await this.request('POST', '/studies', { accept: 'application/dicom+json', body, contentType });
    let json: DicomJson = {};
    if (response.body.length > 0) {
      try {
        json = JSON.parse(Buffer.from(response.body).toString('utf8')) as DicomJson;
      } catch {
        throw new PacsError('bad-response', 'STOW-RS answered with a body that is not DICOM JSON');
      }
    }
    const referenced = (json['00081199']?.Value ?? []) as DicomJson[];
    const failed = ((json['00081198']?.Value ?? []) as DicomJson[]).map((item) => ({
      sopUid: String(item['00081155']?.Value?.[0] ?? '?'),
      reason: `failure reason ${String(item['00081197']?.Value?.[0] ?? 'not given')}`,
    }));
    return { stored: response.body.length > 0 ? referenced.length : instances.length, failed };
  }

  private async json(path: string): Promise<DicomJson[]> {
    const response = await this.request('GET', path, { accept: 'application/dicom+json' });
    if (response.body.length === 0) return []; // 204 No Content: nothing matched
    try {
      const parsed = JSON.parse(Buffer.from(response.body).toString('utf8')) as unknown;
      if (!Array.isArray(parsed)) throw new Error('not an array');
      return parsed as DicomJson[];
    } catch (error) {
      throw new PacsError('bad-response', `QIDO-RS ${path.split('?')[0]} answered with a body that is not a DICOM JSON array (${(error as Error).message})`);
    }
  }

  /** One request with the concurrency limit, timeout and retries. */
  private async request(method: 'GET' | 'POST', path: string, init: RequestParts): Promise<{ body: Uint8Array; contentType: string }> {
    const retries = this.options.retries ?? 3;
    const backoff = this.options.backoffMs ?? 500;
    const url = `${this.baseUrl}${path}`;
    const where = `${method} ${this.baseUrl}${path.split('?')[0]}`;
    await this.acquire();
    try {
      for (let attempt = 0; ; attempt++) {
        const failure = await this.attempt(method, url, init, where);
        if (!(failure instanceof PacsError)) return failure; // the response
        // A 4xx other than 429 will not change on retry.
        if (failure.status !== undefined && failure.status !== 429 && failure.status < 500) throw failure;
        if (attempt >= retries) throw new PacsError(failure.code, `${failure.message} (after ${attempt + 1} attempts)`, failure.status);
        await new Promise((r) => setTimeout(r, backoff * 2 ** attempt));
      }
    } finally {
      this.release();
    }
  }

  /** One attempt: the response, or the failure (network, timeout, HTTP status) to retry or report. */
  private async attempt(method: 'GET' | 'POST', url: string, init: RequestParts, where: string): Promise<{ body: Uint8Array; contentType: string } | PacsError> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.options.timeoutMs ?? 30_000);
    try {
      const response = await fetch(url, {
        method,
        headers: {
          ...this.options.headers,
          Accept: init.accept,
          ...(init.contentType && { 'Content-Type': init.contentType }),
          ...(init.encoding && { 'Accept-Encoding': init.encoding }),
        },
        ...(init.body && { body: init.body }),
        signal: controller.signal,
      });
      const body = new Uint8Array(await response.arrayBuffer());
      if (response.ok) return { body, contentType: response.headers.get('content-type') ?? '' };
      return new PacsError('http', `${where} answered ${response.status} ${response.statusText}`, response.status);
    } catch (error) {
      return new PacsError('unreachable', `${where}: ${controller.signal.aborted ? 'timed out' : describe(error)}`);
    } finally {
      clearTimeout(timer);
    }
  }

  private async acquire(): Promise<void> {
    if (this.active < (this.options.concurrency ?? 4)) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active--;
  }
}

/** What one request sends besides its method and path. */
interface RequestParts {
  readonly accept: string;
  readonly body?: Buffer;
  readonly contentType?: string;
  /** Accept-Encoding; default fetch's (gzip, deflate, br). */
  readonly encoding?: string;
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message ?? String(error);
}
