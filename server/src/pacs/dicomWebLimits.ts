import { AppError } from '../appError';

/**
 * Most items one DICOMweb list parameter may hold — frame numbers in a `/frames/{list}` path,
 * the values of a query parameter (commas and repetitions counted: `includefield`, UID lists):
 * a longer list is answered 400, so that a short request cannot ask for a huge answer.
 */
export const MAX_LIST_ITEMS = 1000;

/** Largest QIDO-RS `limit`: a larger one is lowered to it, and it is the folder source's page size. */
export const MAX_QIDO_LIMIT = 1000;

/** The Warning header of a QIDO-RS answer cut at the limit (PS3.18 8.3.4.4). */
export const MORE_RESULTS_WARNING = '299 ScanSelect: "There are additional results that can be requested"';

const tooMany = (what: string, count: number): AppError =>
  new AppError(400, 'too-many-items', `${what} lists ${count} items; at most ${MAX_LIST_ITEMS} are accepted`);

/**
 * The frame numbers of a `/frames/{list}` path segment: positive integers, each once (in the
 * order first asked), at most {@link MAX_LIST_ITEMS} as written.
 */
export function frameNumbers(list: string): number[] {
  const items = list.split(',');
  if (items.length > MAX_LIST_ITEMS) throw tooMany('the frame list', items.length);
  const numbers = items.map((item) => (/^\d{1,9}$/.test(item.trim()) ? Number(item) : NaN));
  if (numbers.some((n) => !Number.isInteger(n) || n < 1)) throw new AppError(400, 'invalid-frame-list', `"${list.slice(0, 80)}" is not a list of frame numbers (1, 2, …)`);
  return [...new Set(numbers)];
}

/** A query as Node parses it: a repeated key gives an array. */
export type Query = Readonly<Record<string, unknown>>;

/** Throws 400 when any query parameter holds more than {@link MAX_LIST_ITEMS} items (repetitions and commas counted). */
export function checkQueryLists(query: Query): void {
  for (const [name, raw] of Object.entries(query)) {
    const values = ([] as unknown[]).concat(raw).map(String);
    const count = values.reduce((sum, v) => sum + v.split(',').length, 0);
    if (count > MAX_LIST_ITEMS) throw tooMany(`the query parameter ${name.slice(0, 40)}`, count);
  }
}

/** QIDO-RS paging of a query: `offset` [0] and `limit` [and at most {@link MAX_QIDO_LIMIT}; 0 means the maximum]. */
export function qidoPage(query: Query): { offset: number; limit: number } {
  const offset = nonNegative(query, 'offset') ?? 0;
  const asked = nonNegative(query, 'limit') ?? 0;
  return { offset, limit: asked === 0 ? MAX_QIDO_LIMIT : Math.min(asked, MAX_QIDO_LIMIT) };
}

function nonNegative(query: Query, name: string): number | undefined {
  const raw = query[name];
  if (raw === undefined) return undefined;
  const value = typeof raw === 'string' && /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value)) throw new AppError(400, 'invalid-query', `${name} must be given once, as a non-negative integer`);
  return value;
}

/**
 * What a read-only proxy forwards to a PACS: the path's frame lists de-duplicated and capped,
 * the query's lists capped and a `limit` above {@link MAX_QIDO_LIMIT} lowered to it (an absent
 * limit is left to the PACS); everything else exactly as asked. Throws 400 beyond the caps.
 */
export function boundedRequest(segments: readonly string[], search: string): { segments: string[]; search: string } {
  const bounded = segments.map((s, i) => (i > 0 && segments[i - 1] === 'frames' ? frameNumbers(s).join(',') : s));
  const params = new URLSearchParams(search);
  const query: Record<string, string | string[]> = {};
  for (const name of new Set(params.keys())) {
    const all = params.getAll(name);
    query[name] = all.length === 1 ? all[0]! : all;
  }
  checkQueryLists(query);
  if (query.limit === undefined) return { segments: bounded, search };
  const { limit } = qidoPage({ limit: query.limit });
  if (String(limit) === query.limit) return { segments: bounded, search };
  params.set('limit', String(limit));
  return { segments: bounded, search: `?${params.toString()}` };
}
