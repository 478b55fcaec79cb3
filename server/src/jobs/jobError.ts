import { InvalidInputError } from '@scanselect/plugin';
import { AppError } from '../appError';
import { PacsError } from '../pacs/dicomWebClient';

/** A failed job's error as every role may read it, and in full for admins and the log. */
export interface JobErrorText {
  /** Our own wording, server paths and URLs replaced; or a generic sentence. */
  readonly public: string;
  /** The whole message (may name server paths, URLs or what a library read). */
  readonly detail: string;
}

const MAX_PUBLIC = 500;

/**
 * Replaces what locates things on the server — URLs (`<url>`) and absolute file paths
 * (`<path>`) — in a message meant for any client.
 */
export function redactLocations(message: string): string {
  return message
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'`<>]+/gi, '<url>')
    .replace(/(^|[\s"'`(=:,[])(?:[A-Za-z]:)?(?:[/\\][^\s"'`/\\<>:;,)]+){2,}[/\\]?/g, '$1<path>');
}

/**
 * What a failed job says. Only errors the server words itself — AppError, a PACS error — are
 * shown to every role, with locations redacted. The engine's typed errors show their kind only
 * (their messages may wrap a library's, which can quote a file's content), and any other error
 * a generic sentence: in full they reach only admins and the operator log.
 */
export function jobErrorText(kind: string, error: unknown): JobErrorText {
  const detail = error instanceof Error ? error.message : String(error);
  const later = 'an admin can read the details';
  const shown = error instanceof AppError || error instanceof PacsError ? redactLocations(detail)
    : error instanceof InvalidInputError ? `the ${kind} job failed: invalid input (${error.code}); ${later}`
      : `the ${kind} job failed with an internal error; ${later}`;
  return { public: shown.length > MAX_PUBLIC ? `${shown.slice(0, MAX_PUBLIC - 1)}…` : shown, detail };
}
