import { InvalidInputError } from '../core/errors';

/**
 * Eq. (4): splits R extra slots over clusters in proportion to their sizes by the largest-
 * remainder method, so that the shares sum to R exactly. No cluster gets more than its cap
 * (|C| − 1, since its medoid is already taken); a share above the cap is fixed at the cap and
 * the rest is split again over the other clusters the same way, until every share fits.
 * Remainder ties go to the larger cluster, then to the lower cluster index.
 */
export function allocateProportionally(remaining: number, sizes: readonly number[], caps: readonly number[]): Int32Array {
  const k = sizes.length;
  const totalCap = caps.reduce((a, b) => a + b, 0);
  if (!Number.isInteger(remaining) || remaining < 0) throw new InvalidInputError('invalid-budget', `cannot allocate ${remaining} slots`);
  if (remaining > totalCap) throw new InvalidInputError('invalid-budget', `cannot allocate ${remaining} slots to clusters that hold only ${totalCap} more items`);
  const shares = new Int32Array(k);
  const fixed = new Array<boolean>(k).fill(false);
  let left = remaining;
  for (;;) {
    const open = [...Array(k).keys()].filter((c) => !fixed[c]);
    const openSize = open.reduce((a, c) => a + sizes[c]!, 0);
    const trial = largestRemainder(left, open.map((c) => sizes[c]!), openSize);
    const over = open.filter((c, idx) => trial[idx]! > caps[c]!);
    if (over.length === 0) {
      open.forEach((c, idx) => (shares[c] = trial[idx]!));
      return shares;
    }
    for (const c of over) {
      fixed[c] = true;
      shares[c] = caps[c]!;
      left -= caps[c]!;
    }
  }
}

function largestRemainder(total: number, sizes: readonly number[], sizeSum: number): number[] {
  if (sizes.length === 0 || total === 0) return sizes.map(() => 0);
  const quotas = sizes.map((s) => (total * s) / sizeSum);
  const floors = quotas.map(Math.floor);
  let rest = total - floors.reduce((a, b) => a + b, 0);
  const order = sizes
    .map((s, idx) => ({ idx, frac: quotas[idx]! - floors[idx]!, s }))
    .sort((a, b) => b.frac - a.frac || b.s - a.s || a.idx - b.idx);
  for (const { idx } of order) {
    if (rest === 0) break;
    floors[idx]!++;
    rest--;
  }
  return floors;
}
