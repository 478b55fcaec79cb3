import { InvalidInputError } from '../core/errors';

/**
 * At most `maxPerGroup` selections per group in one selection (a cold start, or one active-learning
 * round): slices of one patient's volume are not independent, so a budget spent on adjacent slices
 * of one volume buys little. `groups[i]` is the group (e.g. the volume) of row i.
 */
export interface GroupLimit {
  readonly groups: ArrayLike<number>;
  readonly maxPerGroup: number;
}

/** Checks a {@link GroupLimit} against a pool of `n` rows; returns it, or throws naming the problem. */
export function validateGroupLimit(limit: GroupLimit, n: number): GroupLimit {
  if (!Number.isInteger(limit.maxPerGroup) || limit.maxPerGroup < 1) {
    throw new InvalidInputError('invalid-option', `the per-group cap must be a positive integer, got ${limit.maxPerGroup}`);
  }
  validateGroupLabels(limit.groups, n);
  return limit;
}

/** Checks one group label per row of a pool of `n` rows, each a non-negative integer; throws naming the problem. */
export function validateGroupLabels(groups: ArrayLike<number>, n: number): void {
  if (groups.length !== n) throw new InvalidInputError('ragged-rows', `${groups.length} group labels for ${n} rows`);
  for (let i = 0; i < n; i++) {
    const g = groups[i]!;
    if (!Number.isInteger(g) || g < 0) throw new InvalidInputError('invalid-option', `group label of row ${i} is ${g}; it must be a non-negative integer`);
  }
}

/**
 * Counts selections per group and says whether a row may still be taken. Without a limit every row
 * may. Once {@link relax} is called (the cap leaves too few rows for the budget), every row may,
 * and the strategy notes it.
 */
export class GroupQuota {
  private readonly counts: Map<number, number> = new Map();
  private relaxed = false;

  constructor(private readonly limit: GroupLimit | undefined) {}

  /** Whether a cap applies at all (and has not been relaxed). */
  get active(): boolean {
    return this.limit !== undefined && !this.relaxed;
  }

  /** The cap (Infinity without a limit). */
  get cap(): number {
    return this.limit?.maxPerGroup ?? Infinity;
  }

  allows(row: number): boolean {
    if (!this.active) return true;
    return (this.counts.get(this.limit!.groups[row]!) ?? 0) < this.limit!.maxPerGroup;
  }

  take(row: number): void {
    if (this.limit === undefined) return;
    const g = this.limit.groups[row]!;
    this.counts.set(g, (this.counts.get(g) ?? 0) + 1);
  }

  /** Lifts the cap for the rest of this selection; returns the note that says so. */
  relax(wanted: number, got: number): string {
    this.relaxed = true;
    return `the cap of ${this.limit!.maxPerGroup} per volume left ${got} of the ${wanted} wanted: the remaining ${wanted - got} were chosen without it`;
  }

  /** How many of `rows` may still be taken. */
  capacity(rows: Iterable<number>): number {
    if (!this.active) return Infinity;
    const room = new Map<number, number>();
    let total = 0;
    for (const row of rows) {
      const g = this.limit!.groups[row]!;
      const left = room.get(g) ?? this.limit!.maxPerGroup - (this.counts.get(g) ?? 0);
      if (left > 0) total++;
      room.set(g, left - 1);
    }
    return total;
  }
}
