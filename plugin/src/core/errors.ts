/**
 * Typed errors thrown by the engine. The engine never logs-and-continues: every problem with
 * the caller's input surfaces as an {@link InvalidInputError} whose `code` says what kind of
 * problem it is, so that a CLI can map it to exit code 2 and a server to HTTP 400.
 */

/** Machine-readable kinds of bad input. */
export type InvalidInputCode =
  | 'not-finite'
  | 'ragged-rows'
  | 'empty-input'
  | 'duplicate-id'
  | 'unknown-id'
  | 'labelled-not-in-pool'
  | 'missing-score'
  | 'invalid-budget'
  | 'invalid-option'
  | 'parse-error'
  | 'unsupported-transfer-syntax'
  | 'unsupported-format'
  | 'corrupt-file'
  | 'unknown-label-value'
  | 'mask-overlap';

/** Base class of every error the engine throws on purpose. */
export class ScanSelectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** The caller's input is wrong; the message says what and where. */
export class InvalidInputError extends ScanSelectError {
  readonly code: InvalidInputCode;

  constructor(code: InvalidInputCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** A registry lookup or registration failed (unknown or duplicate id). */
export class RegistryError extends ScanSelectError {
  readonly registry: string;

  constructor(registry: string, message: string) {
    super(message);
    this.registry = registry;
  }
}

/** An operation was cancelled through its AbortSignal. */
export class CancelledError extends ScanSelectError {
  constructor(message = 'operation cancelled') {
    super(message);
  }
}
