/**
 * The server's one error type: a machine-readable code, the HTTP status it maps to, and a message
 * for people. Use cases throw it for bad input, unknown ids and conflicts; the HTTP error handler
 * answers `{ code, message, requestId }` with the status. Anything else is an internal error (500).
 */
export class AppError extends Error {
  /**
   * @param fields which input fields are wrong, by dotted path (`budget.total`, `classes.1`), for
   *   a form to show each message next to its field; the whole story stays in `message`.
   */
  constructor(readonly status: number, readonly code: string, message: string, readonly fields: readonly FieldError[] = []) {
    super(message);
    this.name = 'AppError';
  }
}

/** One wrong input field: its dotted path in the request body and what is wrong with it. */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

export const badRequest = (code: string, message: string): AppError => new AppError(400, code, message);
export const notFound = (what: string): AppError => new AppError(404, 'not-found', `no ${what}`);
export const conflict = (code: string, message: string): AppError => new AppError(409, code, message);
