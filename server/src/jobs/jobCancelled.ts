/**
 * A job an admin cancelled ends `failed` with the error `cancelled by <actor>` (the jobs table's
 * states are queued, running, succeeded and failed only) and `cancelRequestedBy` set, so that a
 * client can tell "cancelled" from "failed".
 */
export const CANCELLED_BY = 'cancelled by ';

/** The error text of a job `actor` cancelled. */
export function cancelledText(actor: string): string {
  return `${CANCELLED_BY}${actor}`;
}

/** The reason a job's stop signal carries when an admin cancelled it: the job ends failed and is not retried. */
export class JobCancelledError extends Error {
  constructor(readonly actor: string) {
    super(cancelledText(actor));
    this.name = 'JobCancelledError';
  }
}

/** The admin who cancelled the job whose stop signal this is, or null (not aborted, or aborted for another reason). */
export function cancelledBy(signal: AbortSignal): string | null {
  return signal.aborted && signal.reason instanceof JobCancelledError ? signal.reason.actor : null;
}
