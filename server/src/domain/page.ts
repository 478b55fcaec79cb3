import { badRequest } from '../appError';

/** The most entries one page of a list holds (audit log, deliveries, instances). */
export const MAX_PAGE_SIZE = 500;

/** The page a client asked for: `limit` and `offset` as given (undefined: not given). */
export interface PageRequest {
  readonly limit?: number;
  readonly offset?: number;
}

/** One page of a list, and how many entries the whole list has (what `X-Total-Count` says). */
export interface Paged<T> {
  readonly items: T[];
  readonly total: number;
}

/**
 * The page to read: `limit` 1 … {@link MAX_PAGE_SIZE} (a larger one is read as the maximum, so
 * that a client of before the bound, asking for 1000, still gets an answer; the total tells it
 * there is more), `defaultLimit` when not given (undefined: everything); `offset` ≥ 0 [0].
 */
export function pageOf(request: PageRequest, defaultLimit: number | undefined): { limit?: number; offset: number } {
  const { limit, offset = 0 } = request;
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1)) throw badRequest('invalid-query', `limit must be an integer from 1 to ${MAX_PAGE_SIZE}`);
  if (!Number.isSafeInteger(offset) || offset < 0) throw badRequest('invalid-query', 'offset must be a non-negative integer');
  const chosen = limit === undefined ? defaultLimit : Math.min(limit, MAX_PAGE_SIZE);
  return chosen === undefined ? { offset } : { limit: chosen, offset };
}
