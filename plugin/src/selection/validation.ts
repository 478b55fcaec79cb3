import { InvalidInputError } from '../core/errors';

/** A budget must be a positive integer. */
export function validateBudget(budget: number, what = 'budget'): number {
  if (!Number.isInteger(budget) || budget <= 0) {
    throw new InvalidInputError('invalid-budget', `${what} must be a positive integer, got ${budget}`);
  }
  return budget;
}

/** α must be a number in [0, 1]. */
export function validateAlpha(alpha: number): number {
  if (typeof alpha !== 'number' || !(alpha >= 0 && alpha <= 1)) {
    throw new InvalidInputError('invalid-option', `alpha must be a number in [0, 1], got ${alpha}`);
  }
  return alpha;
}

/** Throws on the first repeated id; returns a map id → row. */
export function indexIds(ids: readonly string[], what: string): Map<string, number> {
  const index = new Map<string, number>();
  ids.forEach((id, row) => {
    if (typeof id !== 'string' || id.length === 0) throw new InvalidInputError('unknown-id', `${what}: row ${row} has an empty id`);
    const first = index.get(id);
    if (first !== undefined) throw new InvalidInputError('duplicate-id', `${what}: id "${id}" appears twice (rows ${first} and ${row})`);
    index.set(id, row);
  });
  return index;
}
