import { badRequest } from '../appError';
import type { AuditEntry, AuditQuery } from '../audit/auditLog';
import type { ServerContext } from './context';
import { pageOf, type PageRequest, type Paged } from './page';

/** The audit log's filters as a client gives them (`GET /api/audit`). */
export interface AuditFilters extends PageRequest {
  readonly projectId?: number;
  /** The actor, exactly. */
  readonly actor?: string;
  /** An action exactly (`case.claim`), or a prefix ending in `.*` (`case.*`: every case action). */
  readonly action?: string;
  /** ISO 8601 instants: from (inclusive), to (exclusive). */
  readonly from?: string;
  readonly to?: string;
}

/** Entries per page when the client does not say. */
export const AUDIT_PAGE_SIZE = 200;

/**
 * One page of the audit log, newest first, with how many entries match the filters. A bad
 * instant is a 400 `invalid-query`, never an empty answer that looks like "nothing happened".
 */
export async function listAudit(ctx: ServerContext, filters: AuditFilters): Promise<Paged<AuditEntry>> {
  const query: AuditQuery = {
    ...(filters.projectId !== undefined && { projectId: filters.projectId }),
    ...(filters.actor !== undefined && { actor: filters.actor }),
    ...actionFilter(filters.action),
    ...(filters.from !== undefined && { from: instant('from', filters.from) }),
    ...(filters.to !== undefined && { to: instant('to', filters.to) }),
  };
  const page = pageOf(filters, AUDIT_PAGE_SIZE);
  const [items, total] = await Promise.all([ctx.audit.list({ ...query, ...page }), ctx.audit.count(query)]);
  return { items, total };
}

/** `case.*` → the prefix `case.`; anything else is an exact action. */
function actionFilter(action: string | undefined): Pick<AuditQuery, 'action' | 'actionPrefix'> {
  if (action === undefined) return {};
  return action.endsWith('.*') ? { actionPrefix: action.slice(0, -1) } : { action };
}

const FIRST_INSTANT = Date.parse('0000-01-01T00:00:00.000Z');
const LAST_INSTANT = Date.parse('9999-12-31T23:59:59.999Z');

/**
 * An ISO 8601 date, or date-time with `Z` or an offset (a date alone is midnight UTC; a time
 * without a zone would depend on the server's), as the UTC text the log stores
 * (`2026-11-25T12:00:00.000Z`), which compares in time order as text.
 */
function instant(name: string, value: string): string {
  const time = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/i.test(value) && realDay(value) ? Date.parse(value) : NaN;
  if (Number.isNaN(time)) throw badRequest('invalid-query', `${name} must be an ISO 8601 instant such as 2026-11-25T12:00:00Z, not "${value.slice(0, 40)}"`);
  // Kept within four-digit years (an offset can cross them): toISOString writes others with a sign, which would not compare as text.
  return new Date(Math.min(Math.max(time, FIRST_INSTANT), LAST_INSTANT)).toISOString();
}

/** Whether the date part names a day of the calendar (Date.parse takes 2026-02-30 for 2 March). */
function realDay(value: string): boolean {
  const [year, month, day] = value.slice(0, 10).split('-').map(Number) as [number, number, number];
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day); // not Date.UTC, which reads years 0–99 as 1900–1999
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}
