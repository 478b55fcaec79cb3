import type { ApiErrorBody } from '@scanselect/server';

/**
 * A failed call to the ScanSelect API: the server's `{ code, message, requestId }` and the HTTP
 * status, or — when the server could not be reached or answered something else — a code of our
 * own (`server-unreachable`, `bad-response`) with a message a radiologist can act on.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string | null = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The server could not be reached at all (network error, server down): worth retrying. */
  get unreachable(): boolean {
    return this.code === 'server-unreachable' || this.status === 502 || this.status === 503 || this.status === 504;
  }

  /** A short line for the panel: the message and, for server errors, the request id to quote. */
  describe(): string {
    return this.requestId ? `${this.message} (request ${this.requestId})` : this.message;
  }
}

function isErrorBody(value: unknown): value is ApiErrorBody {
  const v = value as Partial<ApiErrorBody> | null;
  return typeof v === 'object' && v !== null && typeof v.code === 'string' && typeof v.message === 'string';
}

/** The ApiError for a non-2xx answer, read from its JSON body when it is the server's error shape. */
export async function apiErrorOf(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  const requestId = response.headers.get('x-request-id');
  if (isErrorBody(body)) return new ApiError(response.status, body.code, body.message, body.requestId ?? requestId);
  const detail = text.trim().slice(0, 200);
  return new ApiError(response.status, response.status >= 500 ? 'server-error' : 'bad-response', `the server answered ${response.status}${detail ? `: ${detail}` : ''}`, requestId);
}

/** The ApiError for a request that never got an answer. */
export function unreachableError(cause: unknown): ApiError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new ApiError(0, 'server-unreachable', `the ScanSelect server cannot be reached (${reason}); check the connection and try again`, null);
}
