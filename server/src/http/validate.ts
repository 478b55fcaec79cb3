import Ajv, { type ErrorObject } from 'ajv';
import { AppError, type FieldError } from '../appError';

const ajv = new Ajv({ allErrors: true, useDefaults: true, strict: true, allowUnionTypes: true, discriminator: true });

/** A compiled JSON Schema check: returns the value (defaults filled in) or throws a 400 naming every problem. */
export type Validator<T> = (value: unknown, what?: string) => T;

/**
 * Compiles a JSON Schema (the same object the OpenAPI document serves) into a validator. The
 * input is deep-copied first, so defaults never leak into the caller's object.
 */
export function validator<T>(schema: object): Validator<T> {
  let check: ReturnType<typeof ajv.compile> | null = null;
  return (value, what = 'body') => {
    check ??= ajv.compile(schema);
    const copy = value === undefined ? undefined : (JSON.parse(JSON.stringify(value)) as unknown);
    if (!check(copy)) {
      const errors = mergeAlternatives(check.errors ?? []);
      throw new AppError(400, `invalid-${what}`, describe(errors, what), fieldErrors(errors));
    }
    return copy as T;
  };
}

/**
 * A value that matches none of a `oneOf`/`anyOf`'s alternatives (α: a number in [0, 1] or
 * "adaptive") gives one error per alternative and one for the choice: they become one error at the
 * field, "must be ≤ 1 or must be \"adaptive\"".
 */
function mergeAlternatives(errors: readonly ErrorObject[]): ErrorObject[] {
  const choices = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
  const within = (e: ErrorObject, choice: ErrorObject): boolean => e !== choice && e.schemaPath.startsWith(`${choice.schemaPath}/`);
  return errors.flatMap((e) => {
    if (choices.some((choice) => within(e, choice))) return [];
    if (!choices.includes(e)) return [e];
    const branches = errors.filter((b) => within(b, e)).map((b) => (b.keyword === 'const' ? `must be ${JSON.stringify((b.params as { allowedValue: unknown }).allowedValue)}` : b.message ?? b.keyword));
    return [{ ...e, message: branches.length > 0 ? [...new Set(branches)].join(' or ') : e.message }];
  });
}

/** The errors by field path (`budget.total`; an unknown property at its own path), for forms. */
function fieldErrors(errors: readonly ErrorObject[]): FieldError[] {
  return errors.map((e) => {
    const path = e.instancePath.split('/').filter(Boolean);
    if (e.keyword === 'additionalProperties') return { field: [...path, (e.params as { additionalProperty: string }).additionalProperty].join('.'), message: 'unknown property' };
    if (e.keyword === 'required') return { field: [...path, (e.params as { missingProperty: string }).missingProperty].join('.'), message: 'required' };
    if (e.keyword === 'enum') return { field: path.join('.'), message: `must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}` };
    return { field: path.join('.'), message: e.message ?? e.keyword };
  });
}

function describe(errors: readonly ErrorObject[], what: string): string {
  const parts = errors.slice(0, 5).map((e) => {
    const at = e.instancePath ? `${what}${e.instancePath.replace(/\//g, '.')}` : what;
    if (e.keyword === 'additionalProperties') return `${at}: unknown property "${(e.params as { additionalProperty: string }).additionalProperty}"`;
    if (e.keyword === 'enum') return `${at}: must be one of ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
    return `${at}: ${e.message ?? e.keyword}`;
  });
  return parts.join('; ') + (errors.length > 5 ? ` (and ${errors.length - 5} more)` : '');
}
