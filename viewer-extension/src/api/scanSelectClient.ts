import type { Job, MapView, MaskReceipt, MeView, ProjectView, ServerInfo, WorklistItem } from '@scanselect/server';
import { createParser } from 'eventsource-parser';
import { ApiError, apiErrorOf, unreachableError } from './apiError';

/**
 * The most characters of one event (and of a line) the job stream may buffer: a job event is
 * well under a kilobyte, so a stream that goes past this is not the server's, and is dropped
 * rather than held in the tab's memory.
 */
export const MAX_EVENT_CHARS = 1 << 20;

/** The per-pixel entropy of a case (eq. 5) as the server stores it: width × height float32, row by row. */
export interface UncertaintyMap {
  readonly width: number;
  readonly height: number;
  readonly values: Float32Array;
}

export interface ClientOptions {
  /** Origin-relative base of the API ('' = same origin as the viewer). */
  readonly apiBase: string;
  /** The bearer token of the moment (null: not signed in). */
  readonly token: () => string | null;
  /** `fetch` (injected for tests). */
  readonly fetch?: typeof fetch;
}

/**
 * The viewer's typed client of the ScanSelect REST API (docs/server.md). Every method resolves
 * with the answer's body or rejects with an {@link ApiError} — the server's `{ code, message,
 * requestId }`, or `server-unreachable` when no answer came.
 */
export class ScanSelectClient {
  private readonly fetchImpl: typeof fetch;

  constructor(private readonly options: ClientOptions) {
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  }

  info(): Promise<ServerInfo> {
    return this.json('GET', '/api/info');
  }

  /** Who the token belongs to (the name claims carry). */
  me(): Promise<MeView> {
    return this.json('GET', '/api/me');
  }

  projects(): Promise<ProjectView[]> {
    return this.json('GET', '/api/projects');
  }

  project(id: number): Promise<ProjectView> {
    return this.json('GET', `/api/projects/${id}`);
  }

  /** The latest round's worklist (or round `round`'s). */
  worklist(projectId: number, round?: number): Promise<WorklistItem[]> {
    return this.json('GET', `/api/projects/${projectId}/worklist${round === undefined ? '' : `?round=${round}`}`);
  }

  caseItem(projectId: number, sopUid: string): Promise<WorklistItem> {
    return this.json('GET', this.casePath(projectId, sopUid));
  }

  map(projectId: number, round: number): Promise<MapView> {
    return this.json('GET', `/api/projects/${projectId}/rounds/${round}/map`);
  }

  claim(projectId: number, sopUid: string): Promise<WorklistItem> {
    return this.json('POST', `${this.casePath(projectId, sopUid)}/claim`);
  }

  release(projectId: number, sopUid: string): Promise<WorklistItem> {
    return this.json('DELETE', `${this.casePath(projectId, sopUid)}/claim`);
  }

  /** Posts a DICOM SEG (Part 10 bytes) as the case's mask. */
  submitSeg(projectId: number, sopUid: string, part10: Uint8Array<ArrayBuffer>): Promise<MaskReceipt> {
    return this.json('POST', `${this.casePath(projectId, sopUid)}/mask`, { body: part10, type: 'application/dicom' });
  }

  /** The raw entropy map (`?format=raw`: float32 with X-Width / X-Height). */
  async uncertainty(projectId: number, sopUid: string): Promise<UncertaintyMap> {
    const response = await this.request('GET', `${this.casePath(projectId, sopUid)}/uncertainty?format=raw`);
    const width = Number(response.headers.get('x-width'));
    const height = Number(response.headers.get('x-height'));
    const bytes = await response.arrayBuffer();
    if (!(width > 0 && height > 0) || bytes.byteLength !== width * height * 4) {
      throw new ApiError(response.status, 'bad-response', `the uncertainty map has ${bytes.byteLength} bytes for ${width} × ${height} float32 values`);
    }
    return { width, height, values: new Float32Array(bytes) };
  }

  /**
   * The round model's predicted label map of a case: PNG bytes (8-bit grey at the image's size,
   * value = class index). 404 for a case chosen by the cold start.
   */
  async prediction(projectId: number, sopUid: string): Promise<Uint8Array> {
    const response = await this.request('GET', `${this.casePath(projectId, sopUid)}/prediction`, { accept: 'image/png' });
    return new Uint8Array(await response.arrayBuffer());
  }

  /**
   * Follows `GET /api/events?project=` (Server-Sent Events read with fetch, since an EventSource
   * cannot send the token; parsed by eventsource-parser) and calls `onJob` for every `job` event
   * until `signal` aborts or the stream ends. Resolves when the stream ends; rejects with an
   * ApiError if it cannot start, breaks off, or sends an event longer than {@link MAX_EVENT_CHARS}.
   * It does not reconnect: the caller does, and refreshes what it missed (the server's event ids
   * are job ids, not positions in the stream, so there is no `Last-Event-ID` to resume from).
   */
  async followJobs(projectId: number, onJob: (job: Job) => void, signal: AbortSignal): Promise<void> {
    const response = await this.request('GET', `/api/events?project=${projectId}`, { signal, accept: 'text/event-stream' });
    if (!response.body) return;
    let overflow: string | null = null;
    const parser = createParser({
      maxBufferSize: MAX_EVENT_CHARS,
      onEvent: (event) => {
        if (event.event !== 'job') return;
        try {
          onJob(JSON.parse(event.data) as Job);
        } catch {
          // A malformed event is skipped; the next refresh shows the truth.
        }
      },
      // Unknown fields and a bad `retry` are ignored, as an EventSource does; only an overflow ends the stream.
      onError: (error) => {
        if (error.type === 'max-buffer-size-exceeded') overflow = error.message;
      },
    });
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        parser.feed(value);
        if (overflow !== null) {
          await reader.cancel().catch(() => undefined); // closes the connection
          throw new ApiError(response.status, 'bad-response', `the job event stream was dropped: ${overflow}`);
        }
      }
    } catch (error) {
      if (error instanceof ApiError) throw error;
      if (signal.aborted) return;
      throw unreachableError(error);
    } finally {
      reader.releaseLock();
    }
  }

  private casePath(projectId: number, sopUid: string): string {
    return `/api/projects/${projectId}/cases/${encodeURIComponent(sopUid)}`;
  }

  private async json<T>(method: string, path: string, body?: { body: Uint8Array<ArrayBuffer>; type: string }): Promise<T> {
    const response = await this.request(method, path, body ? { body: body.body, type: body.type } : {});
    const text = await response.text();
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError(response.status, 'bad-response', `the server's answer to ${method} ${path} is not JSON`, response.headers.get('x-request-id'));
    }
  }

  private async request(method: string, path: string, o: { body?: Uint8Array<ArrayBuffer>; type?: string; signal?: AbortSignal; accept?: string } = {}): Promise<Response> {
    const headers: Record<string, string> = { Accept: o.accept ?? 'application/json' };
    const token = this.options.token();
    if (token) headers.Authorization = `Bearer ${token}`;
    if (o.type) headers['Content-Type'] = o.type;
    const url = `${this.options.apiBase}${path}`;
    let response: Response;
    try {
      response = await this.fetchImpl(url, { method, headers, ...(o.body && { body: o.body }), ...(o.signal && { signal: o.signal }) });
    } catch (error) {
      throw unreachableError(error);
    }
    if (!response.ok) throw await apiErrorOf(response);
    return response;
  }
}
