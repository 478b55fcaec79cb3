import type { Rng } from '../../random/rng';
import { sharedInt32 } from '../kernelPool';

/** A forest of random-projection trees; only the leaves are kept. */
export interface RpForest {
  /** trees × n row indices (shared memory): tree after tree, each tree's rows grouped by leaf. */
  readonly items: Int32Array;
  /** Start of every leaf in `items` (shared memory), plus the end of the last leaf. */
  readonly leafStart: Int32Array;
  /** Leaves of tree t are treeLeaves[t] … treeLeaves[t + 1] − 1. */
  readonly treeLeaves: readonly number[];
  /** Size of the largest leaf. */
  readonly maxLeafSize: number;
}

/**
 * Random-projection trees over the rows of x (n×d), built on the main thread from `rng` (each
 * tree is O(n·d·depth), a small part of the neighbour search).
 *
 * A node of m > leafSize rows is split along the difference of two random rows of the node (a
 * direction that follows the data, as in Annoy and pynndescent) at the rank that gives each side
 * a whole number of leaves: the node will end in L = ⌈m / leafSize⌉ leaves, and the ⌊L/2⌋·m/L
 * rows with the smallest projections go left. Leaves therefore all have about n/⌈n/leafSize⌉
 * rows, at most leafSize and more than (leafSize − 1)/2: with leafSize ≥ 2k + 1 every leaf holds
 * at least k + 1 rows, so every row has k leaf-mates in every tree. Rank splits need no threshold,
 * so duplicate rows and zero directions (two identical rows) split like any others.
 *
 * Leaves are stored depth first, so consecutive rows of `items` are near each other in space.
 */
export function buildRpForest(x: Float64Array, n: number, d: number, trees: number, leafSize: number, rng: Rng): RpForest {
  const items = sharedInt32(trees * n);
  const starts: number[] = [0];
  const treeLeaves: number[] = [0];
  const projection = new Float64Array(n);
  const direction = new Float64Array(d);
  let maxLeafSize = 0;
  for (let t = 0; t < trees; t++) {
    const base = t * n;
    for (let i = 0; i < n; i++) items[base + i] = i;
    const stack: number[] = [base, base + n];
    while (stack.length > 0) {
      const hi = stack.pop()!;
      const lo = stack.pop()!;
      const m = hi - lo;
      if (m <= leafSize) {
        starts.push(hi);
        maxLeafSize = Math.max(maxLeafSize, m);
        continue;
      }
      const leaves = Math.ceil(m / leafSize);
      const mid = lo + Math.round((m * Math.floor(leaves / 2)) / leaves);
      splitAtRank(x, d, items, lo, hi, mid, rng, direction, projection);
      stack.push(mid, hi, lo, mid); // left popped first: leaves in position order
    }
    treeLeaves.push(starts.length - 1);
  }
  const leafStart = sharedInt32(starts.length);
  leafStart.set(starts);
  return { items, leafStart, treeLeaves, maxLeafSize };
}

/** Reorders items[lo, hi) so that the rows before `mid` project no higher than those after. */
function splitAtRank(x: Float64Array, d: number, items: Int32Array, lo: number, hi: number, mid: number, rng: Rng, direction: Float64Array, projection: Float64Array): void {
  const m = hi - lo;
  const ia = rng.nextInt(m);
  let ib = rng.nextInt(m - 1);
  if (ib >= ia) ib++;
  const a = items[lo + ia]! * d;
  const b = items[lo + ib]! * d;
  for (let c = 0; c < d; c++) direction[c] = x[a + c]! - x[b + c]!;
  for (let p = lo; p < hi; p++) {
    const o = items[p]! * d;
    let s0 = 0;
    let s1 = 0;
    let c = 0;
    for (; c + 1 < d; c += 2) {
      s0 += direction[c]! * x[o + c]!;
      s1 += direction[c + 1]! * x[o + c + 1]!;
    }
    if (c < d) s0 += direction[c]! * x[o + c]!;
    projection[p - lo] = s0 + s1;
  }
  quickselect(projection, items, lo, m, mid - lo);
}

/**
 * Hoare quickselect on values[0, m) carrying items[lo, lo + m) along: afterwards no value before
 * position `rank` exceeds one at or after it. Middle-element pivots; deterministic.
 */
function quickselect(values: Float64Array, items: Int32Array, lo: number, m: number, rank: number): void {
  let left = 0;
  let right = m - 1;
  while (right > left) {
    const pivot = values[(left + right) >> 1]!;
    let i = left;
    let j = right;
    while (i <= j) {
      while (values[i]! < pivot) i++;
      while (values[j]! > pivot) j--;
      if (i <= j) {
        const v = values[i]!;
        values[i] = values[j]!;
        values[j] = v;
        const it = items[lo + i]!;
        items[lo + i] = items[lo + j]!;
        items[lo + j] = it;
        i++;
        j--;
      }
    }
    if (rank <= j) right = j;
    else if (rank >= i) left = i;
    else return;
  }
}
