/**
 * The server's one error type: a machine-readable code, the HTTP status it maps to, and a message
 * for people. Use cases throw it for bad input, unknown ids and conflicts; the HTTP error handler
 * answers `{ code, message, requestId }` with the status. Anything else is an internal error (500).
 */
export class AppError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
    this.name = 'AppError';
  }
}

export const badRequest = (code: string, message: string): AppError => new AppError(400, code, message);
export const notFound = (what: string): AppError => new AppError(404, 'not-found', `no ${what}`);
export const conflict = (code: string, message: string): AppError => new AppError(409, code, message);
