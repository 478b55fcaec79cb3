import type { NextFunction, Request, Response } from 'express';
import { AppError, type FieldError } from '../appError';

/** What a client is told about an error: never a stack, a server path, a file's content or a library's message. */
export interface ErrorAnswer {
  readonly status: number;
  readonly code: string;
  readonly message: string;
  readonly fields?: readonly FieldError[];
}

/** Messages of our own for the 4xx errors of Express's middleware (static files, body parsers): theirs name server paths. */
const GENERIC_4XX: Readonly<Record<number, ErrorAnswer>> = {
  400: { status: 400, code: 'bad-request', message: 'the request is malformed' },
  403: { status: 403, code: 'forbidden', message: 'this is not allowed' },
  404: { status: 404, code: 'not-found', message: 'not found' },
  405: { status: 405, code: 'method-not-allowed', message: 'this method is not allowed here' },
  413: { status: 413, code: 'too-large', message: 'the request body is too large' },
  415: { status: 415, code: 'unsupported-media-type', message: 'this content type is not accepted here' },
};

/** Maps any error to the answer a client gets (AppError as it is; body-parser and static-file errors by kind; everything else 500). */
export function classifyError(error: unknown): ErrorAnswer {
  if (error instanceof AppError) return error;
  const type = (error as { type?: unknown } | null)?.type;
  if (type === 'entity.parse.failed') return { status: 400, code: 'invalid-json', message: 'the request body is not valid JSON' };
  if (type === 'entity.too.deep') return { status: 400, code: 'too-deep', message: (error as Error).message };
  if (type === 'entity.too.large') return GENERIC_4XX[413]!;
  if (type === 'encoding.unsupported' || type === 'charset.unsupported') return { status: 415, code: 'unsupported-encoding', message: 'the request body has an unsupported content encoding or charset' };
  const status = (error as { status?: unknown } | null)?.status;
  if (typeof status === 'number' && status >= 400 && status < 500) return GENERIC_4XX[status] ?? { status, code: 'bad-request', message: 'the request was refused' };
  return { status: 500, code: 'internal', message: 'internal error (see the server log with this request id)' };
}

/**
 * The one error handler: `{ code, message, requestId }` with the status, plus `fields` (which
 * input field is wrong, and why) when the error names fields. A 500's stack goes to
 * the operator log — which redacts UIDs — with the request id, never to the client.
 */
export function errorHandler(log: (line: string) => void) {
  // Express recognises an error handler by its four parameters.
  return (error: unknown, req: Request, res: Response, _next: NextFunction): void => {
    const { status, code, message, fields } = classifyError(error);
    if (status === 500) log(`[${req.requestId}] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.status(status).json({ code, message, ...(fields && fields.length > 0 ? { fields } : {}), requestId: req.requestId });
  };
}
