import { InvalidInputError, RegistryError } from '@scanselect/plugin';
import { ConfigError } from '../config/serverConfig';

/** Exit code for bad input (wrong arguments, unreadable or malformed files). */
export const EXIT_BAD_INPUT = 2;
/** Exit code for anything else that went wrong. */
export const EXIT_FAILURE = 1;

/** A problem with the command line or with a file it names. */
export class UsageError extends Error {}

/** True when the error is the caller's fault (exit 2), false for an internal failure (exit 1). */
export function isBadInput(error: unknown): boolean {
  if (error instanceof InvalidInputError || error instanceof RegistryError || error instanceof UsageError || error instanceof ConfigError) return true;
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'EISDIR' || code === 'EACCES' || code === 'ENOTDIR';
}

/** One line describing the error, for stderr. */
export function oneLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.replace(/\s*\n\s*/g, ' ');
}
