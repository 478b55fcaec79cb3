import { InvalidInputError } from '../core/errors';
import { validateGroupLabels } from './groupQuota';

/**
 * A volume penalty on diversity, the soft alternative to a per-volume cap (groupQuota.ts):
 * slices of one patient's volume are not independent, so in the distances that diversity is
 * measured by — the 2-D distance to the nearest image already labelled or picked (eq. 8, and the
 * cold start's farthest-point sampling) — a distance between two rows of the same group counts
 * (1 − `penalty`) times. At `penalty` 1 a volume that has a pick makes its other slices count as
 * covered; below 1 a far slice of it can still win. `groups[i]` is the group (e.g. the volume) of
 * row i. Nothing is excluded, so no budget is ever left unfilled.
 */
export interface GroupPenalty {
  readonly groups: ArrayLike<number>;
  /** In (0, 1]. */
  readonly penalty: number;
}

/** Checks a {@link GroupPenalty} against a pool of `n` rows; returns it, or throws naming the problem. */
export function validateGroupPenalty(penalty: GroupPenalty, n: number): GroupPenalty {
  if (!(penalty.penalty > 0 && penalty.penalty <= 1)) throw new InvalidInputError('invalid-option', `the volume penalty must be in (0, 1], got ${penalty.penalty}`);
  validateGroupLabels(penalty.groups, n);
  return penalty;
}

/** The factor a distance between rows `a` and `b` is multiplied by: 1 − penalty in one group, else 1 (always 1 without a penalty). */
export function distanceFactor(penalty: GroupPenalty | undefined, a: number, b: number): number {
  return penalty !== undefined && penalty.groups[a] === penalty.groups[b] ? 1 - penalty.penalty : 1;
}
