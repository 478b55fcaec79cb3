import { HEAP_SOURCE } from './heapSource';

/**
 * JavaScript source of one refinement round of the approximate neighbour graph ("neighbours of
 * neighbours", the local join of NN-descent — Dong, Charikar & Li 2011 — done by each row for
 * itself), run by {@link KernelPool}.
 *
 * Row i of the new graph is the best k of its current row and of the join lists (joinListsKernel.ts)
 * of the rows on its own join list: for an entry v of i's list that is new, all of v's list; for
 * an old one, only v's new entries (a pair joined through two old edges was already compared in an
 * earlier round). Candidates are deduplicated with a stamp array (current members and i itself
 * are skipped), then compared with i four at a time: each coordinate of i is loaded once for four
 * independent sums, and a block stops as soon as all four partial sums exceed the current k-th
 * distance (partial sums only grow). Sums run over the coordinates in order as Σ(a − b)², so the
 * distances are exactly those of the exact kernel. The new row is sorted by (distance, index) and
 * its entries flagged new when they were not in the old row; `changes[i]` counts them.
 *
 * Rows read the previous graph and write the next one (double buffering) and one thread writes a
 * row, so the result does not depend on the thread count. The caller numbers the rows in a
 * depth-first tree order, so that consecutive rows, claimed together, share candidates in cache.
 *
 * Task fields: x (Float64 n×d), n, d, k, chunk, counter, width, inIdx, inDist,
 * list, listNew, listLength, newList, newLength (see joinListsKernel.ts), outIdx, outDist, outNew,
 * changes (Int32 n).
 */
export const REFINE_KERNEL = String.raw`function refineKernel(task) {
  const n = task.n, d = task.d, k = task.k, chunk = task.chunk, width = task.width;
  const x = new Float64Array(task.x);
  const inIdx = new Int32Array(task.inIdx), inDist = new Float64Array(task.inDist);
  const list = new Int32Array(task.list), listNew = new Uint8Array(task.listNew), listLength = new Int32Array(task.listLength);
  const newList = new Int32Array(task.newList), newLength = new Int32Array(task.newLength);
  const outIdx = new Int32Array(task.outIdx), outDist = new Float64Array(task.outDist), outNew = new Uint8Array(task.outNew);
  const changes = new Int32Array(task.changes), counter = new Int32Array(task.counter);
  const stamp = new Int32Array(n).fill(-1), hd = new Float64Array(k), hi = new Int32Array(k);
  let cand = new Int32Array(Math.max(1024, width * width));
  ${HEAP_SOURCE}
  function gather(i) {
    const old = 2 * i, seen = 2 * i + 1, o = i * width;
    let count = 0;
    for (let t = 0, e = listLength[i]; t < e; t++) {
      const v = list[o + t], ov = v * width, all = listNew[o + t] === 1;
      const src = all ? list : newList, e2 = all ? listLength[v] : newLength[v];
      if (count + e2 > cand.length) { const grown = new Int32Array(2 * (count + e2)); grown.set(cand); cand = grown; }
      for (let q = ov; q < ov + e2; q++) {
        const j = src[q];
        if (stamp[j] === old || stamp[j] === seen) continue;
        stamp[j] = seen; cand[count++] = j;
      }
    }
    return count;
  }
  function copyRow(o) {
    for (let t = 0; t < k; t++) { outIdx[o + t] = inIdx[o + t]; outDist[o + t] = inDist[o + t]; outNew[o + t] = 0; }
  }
  for (;;) {
    const start = Atomics.add(counter, 0, chunk);
    if (start >= n) break;
    const end = Math.min(n, start + chunk);
    for (let i = start; i < end; i++) {
      const o = i * k, oi = i * d;
      stamp[i] = 2 * i;
      // A row sorted ascending, read backwards, is a max-heap.
      for (let t = 0; t < k; t++) { const j = inIdx[o + t]; stamp[j] = 2 * i; hd[k - 1 - t] = inDist[o + t]; hi[k - 1 - t] = j; }
      const count = gather(i);
      let accepted = 0, u = 0;
      for (; u + 4 <= count; u += 4) {
        const j0 = cand[u], j1 = cand[u + 1], j2 = cand[u + 2], j3 = cand[u + 3];
        const o0 = j0 * d, o1 = j1 * d, o2 = j2 * d, o3 = j3 * d, bound = hd[0];
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0, c = 0, beyond = false;
        while (c < d) {
          const stop = c + 8 < d ? c + 8 : d;
          for (; c < stop; c++) {
            const v = x[oi + c];
            let t = v - x[o0 + c]; s0 += t * t;
            t = v - x[o1 + c]; s1 += t * t;
            t = v - x[o2 + c]; s2 += t * t;
            t = v - x[o3 + c]; s3 += t * t;
          }
          if (s0 > bound && s1 > bound && s2 > bound && s3 > bound) { beyond = true; break; }
        }
        if (beyond) continue;
        if (s0 <= bound) { heapPush(hd, hi, 0, k, k, s0, j0); accepted++; }
        if (s1 <= hd[0]) { heapPush(hd, hi, 0, k, k, s1, j1); accepted++; }
        if (s2 <= hd[0]) { heapPush(hd, hi, 0, k, k, s2, j2); accepted++; }
        if (s3 <= hd[0]) { heapPush(hd, hi, 0, k, k, s3, j3); accepted++; }
      }
      for (; u < count; u++) {
        const j = cand[u], oj = j * d;
        let s = 0;
        for (let c = 0; c < d; c++) { const t = x[oi + c] - x[oj + c]; s += t * t; }
        if (s <= hd[0]) { heapPush(hd, hi, 0, k, k, s, j); accepted++; }
      }
      if (accepted === 0) { copyRow(o); changes[i] = 0; continue; }
      heapSortInto(hd, hi, 0, k, outIdx, outDist, o);
      let fresh = 0;
      for (let t = 0; t < k; t++) { const f = stamp[outIdx[o + t]] === 2 * i + 1 ? 1 : 0; outNew[o + t] = f; fresh += f; }
      changes[i] = fresh;
    }
  }
}`;
