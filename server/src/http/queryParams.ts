import type { Request } from 'express';
import { AppError } from '../appError';
import type { PageRequest } from '../domain/page';
import { intQuery } from './guards';

/**
 * An optional text query parameter, given once: undefined when absent or empty (a form's "any"),
 * 400 `invalid-query` when repeated or longer than `maxLength`.
 */
export function textQuery(req: Request, name: string, maxLength = 200): string | undefined {
  const raw = req.query[name];
  if (raw === undefined || raw === '') return undefined;
  if (typeof raw !== 'string') throw new AppError(400, 'invalid-query', `${name} must be given once, as text`);
  if (raw.length > maxLength) throw new AppError(400, 'invalid-query', `${name} must be at most ${maxLength} characters`);
  return raw;
}

/** An optional query parameter that must be one of `values` (400 `invalid-query` otherwise). */
export function enumQuery<T extends string>(req: Request, name: string, values: readonly T[]): T | undefined {
  const raw = textQuery(req, name);
  if (raw !== undefined && !(values as readonly string[]).includes(raw)) throw new AppError(400, 'invalid-query', `${name} must be ${values.length > 1 ? `${values.slice(0, -1).join(', ')} or ${values.at(-1)!}` : values[0]!}`);
  return raw as T | undefined;
}

/** `?limit=` and `?offset=` as given (the use case applies the bounds). */
export function pageQuery(req: Request): PageRequest {
  const limit = intQuery(req, 'limit');
  const offset = intQuery(req, 'offset');
  return { ...(limit !== undefined && { limit }), ...(offset !== undefined && { offset }) };
}

/** Where a paged list's total goes: the body stays the JSON array it always was. */
export const TOTAL_COUNT_HEADER = 'X-Total-Count';
