/**
 * The console's one way to the server: same-origin `fetch` with the bearer token, errors as
 * {@link ApiError} (the server's `{ code, message, fields, requestId }`), downloads as files.
 */

/** One wrong input field, as the server names it (dotted path). */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

/** An error answer of the API, or a network failure (status 0). */
export class ApiError extends Error {
  constructor(readonly status: number, readonly code: string, message: string, readonly fields: readonly FieldError[] = [], readonly requestId: string | null = null) {
    super(message);
    this.name = 'ApiError';
  }
}

/** A page of a list the server pages (`X-Total-Count`). */
export interface Page<T> {
  readonly items: T[];
  readonly total: number;
}

export class Api {
  constructor(private readonly token: () => string | null, private readonly onUnauthorized: () => void = () => undefined) {}

  get<T>(path: string): Promise<T> {
    return this.send<T>('GET', path);
  }

  async page<T>(path: string): Promise<Page<T>> {
    const response = await this.raw('GET', path);
    const items = (await response.json()) as T[];
    const total = Number(response.headers.get('X-Total-Count') ?? items.length);
    return { items, total: Number.isFinite(total) ? total : items.length };
  }

  async send<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await this.raw(method, path, body);
    if (response.status === 204) return undefined as T;
    const text = await response.text();
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /** The response of a successful request (any other status throws {@link ApiError}). */
  async raw(method: string, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = {};
    const token = this.token();
    if (token) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let response: Response;
    try {
      response = await fetch(path, { method, headers, ...(body !== undefined && { body: JSON.stringify(body) }) });
    } catch (error) {
      throw new ApiError(0, 'network', `The server cannot be reached (${error instanceof Error ? error.message : String(error)}).`);
    }
    if (response.ok) return response;
    const error = await errorOf(response);
    if (response.status === 401) this.onUnauthorized();
    throw error;
  }

  /** Saves a download the server answers (a link cannot carry the bearer token): a blob, then a click. */
  async download(path: string, fallbackName: string): Promise<string> {
    const response = await this.raw('GET', path);
    const name = /filename="([^"]+)"/.exec(response.headers.get('Content-Disposition') ?? '')?.[1] ?? fallbackName;
    const url = URL.createObjectURL(await response.blob());
    const link = document.createElement('a');
    link.href = url;
    link.download = name;
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
    return name;
  }
}

async function errorOf(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text) as { code?: string; message?: string; fields?: FieldError[]; requestId?: string };
    return new ApiError(response.status, body.code ?? 'error', body.message ?? `HTTP ${response.status}`, body.fields ?? [], body.requestId ?? null);
  } catch {
    return new ApiError(response.status, 'error', `HTTP ${response.status}: ${text.slice(0, 200)}`);
  }
}

/** A readable sentence for any thrown value. */
export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.requestId ? `${error.message} (request ${error.requestId})` : error.message;
  return error instanceof Error ? error.message : String(error);
}
