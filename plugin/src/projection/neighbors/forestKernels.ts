import { HEAP_SOURCE } from './heapSource';

/**
 * JavaScript source of the kernel that seeds the approximate neighbour heaps from one tree of a
 * random-projection forest (run once per tree; see rpForest.ts and kernelPool.ts).
 *
 * Task fields: x (Float64 n×d), n, d, k, items and leafStart (the forest), firstLeaf, leaves
 * (this tree's leaves), maxLeafSize, counter, heapD (Float64 n×k), heapI (Int32 n×k), size (Int32
 * n). Threads claim whole leaves. For a leaf of m rows the upper triangle of its m×m squared
 * distance matrix is computed four rows at a time (each candidate row is loaded once for four
 * sums, which keeps the adds independent), every pair's sum running over the coordinates in order
 * as Σ(a − b)², exactly as the exact kernel's final distances. Then each row of the leaf, its
 * current heap members stamped, is offered its leaf-mates. A row lies in one leaf per tree, so each
 * heap has one writer: the heaps do not depend on the thread count.
 */
export const LEAF_JOIN_KERNEL = String.raw`function leafJoinKernel(task) {
  const n = task.n, d = task.d, k = task.k, firstLeaf = task.firstLeaf, leaves = task.leaves;
  const x = new Float64Array(task.x), items = new Int32Array(task.items), leafStart = new Int32Array(task.leafStart);
  const heapD = new Float64Array(task.heapD), heapI = new Int32Array(task.heapI), size = new Int32Array(task.size);
  const counter = new Int32Array(task.counter);
  const stamp = new Int32Array(n).fill(-1), dm = new Float64Array(task.maxLeafSize * task.maxLeafSize);
  ${HEAP_SOURCE}
  for (;;) {
    const leaf = firstLeaf + Atomics.add(counter, 0, 1);
    if (leaf >= firstLeaf + leaves) break;
    const lo = leafStart[leaf], m = leafStart[leaf + 1] - lo;
    let a = 0;
    for (; a + 4 <= m; a += 4) {
      const o0 = items[lo + a] * d, o1 = items[lo + a + 1] * d, o2 = items[lo + a + 2] * d, o3 = items[lo + a + 3] * d;
      for (let b = a + 1; b < m; b++) {
        const ob = items[lo + b] * d;
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (let c = 0; c < d; c++) {
          const v = x[ob + c];
          let t = x[o0 + c] - v; s0 += t * t;
          t = x[o1 + c] - v; s1 += t * t;
          t = x[o2 + c] - v; s2 += t * t;
          t = x[o3 + c] - v; s3 += t * t;
        }
        dm[a * m + b] = s0; dm[(a + 1) * m + b] = s1; dm[(a + 2) * m + b] = s2; dm[(a + 3) * m + b] = s3;
      }
    }
    for (; a < m; a++) {
      const oa = items[lo + a] * d;
      for (let b = a + 1; b < m; b++) {
        const ob = items[lo + b] * d;
        let s = 0;
        for (let c = 0; c < d; c++) { const t = x[oa + c] - x[ob + c]; s += t * t; }
        dm[a * m + b] = s;
      }
    }
    for (let a = 0; a < m; a++) {
      const i = items[lo + a], o = i * k;
      let s = size[i];
      for (let t = 0; t < s; t++) stamp[heapI[o + t]] = i;
      for (let b = 0; b < m; b++) {
        if (b === a) continue;
        const j = items[lo + b];
        if (stamp[j] === i) continue;
        s = heapPush(heapD, heapI, o, k, s, b > a ? dm[a * m + b] : dm[b * m + a], j);
      }
      size[i] = s;
    }
  }
}`;

/**
 * JavaScript source of the kernel that turns the full heaps left by {@link LEAF_JOIN_KERNEL}
 * into rows sorted by (distance, index), in place, and flags every entry as new for the first
 * refinement round. Task fields: n, k, chunk, counter, heapD, heapI, isNew (Uint8 n×k).
 */
export const SORT_ROWS_KERNEL = String.raw`function sortRowsKernel(task) {
  const n = task.n, k = task.k, chunk = task.chunk;
  const heapD = new Float64Array(task.heapD), heapI = new Int32Array(task.heapI), isNew = new Uint8Array(task.isNew);
  const counter = new Int32Array(task.counter);
  ${HEAP_SOURCE}
  for (;;) {
    const start = Atomics.add(counter, 0, chunk);
    if (start >= n) break;
    const end = Math.min(n, start + chunk);
    for (let i = start; i < end; i++) heapSortInto(heapD, heapI, i * k, k, heapI, heapD, i * k);
    isNew.fill(1, start * k, end * k);
  }
}`;
