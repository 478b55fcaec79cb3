import type { Rng } from '../../random/rng';
import { CHEST_PHANTOM_GROUPS, type ChestPhantomGroup } from './chestPhantomTypes';

/** Share of each group among drawn phantoms. */
const GROUP_WEIGHTS: Record<ChestPhantomGroup, number> = { adult: 0.4, child: 0.2, rotated: 0.2, 'low-exposure': 0.2 };

/** A group drawn in proportion to its weight (one float from `rng`). */
export function drawGroup(rng: Rng): ChestPhantomGroup {
  let u = rng.nextFloat();
  for (const g of CHEST_PHANTOM_GROUPS) {
    u -= GROUP_WEIGHTS[g];
    if (u < 0) return g;
  }
  return 'adult';
}

/** Group of each of `count` images, proportional to GROUP_WEIGHTS, at least one each when count ≥ 4. */
export function stratifiedGroups(count: number): ChestPhantomGroup[] {
  const quotas = CHEST_PHANTOM_GROUPS.map((g) => GROUP_WEIGHTS[g] * count);
  const counts = quotas.map((q) => Math.floor(q));
  if (count >= CHEST_PHANTOM_GROUPS.length) for (let k = 0; k < counts.length; k++) counts[k] = Math.max(1, counts[k]);
  let assigned = counts.reduce((x, y) => x + y, 0);
  const order = quotas.map((q, k) => [q - Math.floor(q), k] as const).sort((x, y) => y[0] - x[0] || x[1] - y[1]);
  for (let j = 0; assigned < count; j = (j + 1) % order.length, assigned++) counts[order[j][1]]++;
  for (let k = counts.length - 1; assigned > count; k = (k + counts.length - 1) % counts.length) {
    if (counts[k] > 1) { counts[k]--; assigned--; }
  }
  const groups: ChestPhantomGroup[] = [];
  CHEST_PHANTOM_GROUPS.forEach((g, k) => { for (let j = 0; j < counts[k]; j++) groups.push(g); });
  return groups;
}
