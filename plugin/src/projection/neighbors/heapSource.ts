/**
 * JavaScript source of the bounded neighbour heaps shared by the approximate-neighbour kernels
 * (pasted into each kernel's source; see kernelPool.ts for why kernels are strings).
 *
 * A heap holds at most k (squared distance, index) pairs at offset o of two parallel arrays, as a
 * max-heap ordered by (distance, index), so the root is the entry to evict: of two candidates at the
 * same distance the lower index wins, as in the exact kernel.
 *
 * - `heapPush(hd, hi, o, k, size, dist, j)` offers j and returns the new size (the heap grows until
 *   it holds k entries; then j replaces the root when it beats it). It does not check whether j is
 *   already in the heap: callers skip known members with a stamp array.
 * - `heapSortInto(hd, hi, o, k, outIdx, outDist, out)` empties a full heap into a row sorted by
 *   (distance, index), nearest first (heap sort: the row may be the heap itself).
 */
export const HEAP_SOURCE = String.raw`
  function heapPush(hd, hi, o, k, size, dist, j) {
    if (size < k) {
      let c = size;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (hd[o + p] > dist || (hd[o + p] === dist && hi[o + p] > j)) break;
        hd[o + c] = hd[o + p]; hi[o + c] = hi[o + p]; c = p;
      }
      hd[o + c] = dist; hi[o + c] = j;
      return size + 1;
    }
    if (dist > hd[o] || (dist === hd[o] && j > hi[o])) return size;
    let c = 0;
    for (;;) {
      let m = 2 * c + 1;
      if (m >= k) break;
      if (m + 1 < k && (hd[o + m + 1] > hd[o + m] || (hd[o + m + 1] === hd[o + m] && hi[o + m + 1] > hi[o + m]))) m++;
      if (hd[o + m] < dist || (hd[o + m] === dist && hi[o + m] < j)) break;
      hd[o + c] = hd[o + m]; hi[o + c] = hi[o + m]; c = m;
    }
    hd[o + c] = dist; hi[o + c] = j;
    return size;
  }
  function heapSortInto(hd, hi, o, k, outIdx, outDist, out) {
    for (let s = k - 1; s >= 0; s--) {
      const rd = hd[o], ri = hi[o], ld = hd[o + s], li = hi[o + s];
      let c = 0;
      for (;;) {
        let m = 2 * c + 1;
        if (m >= s) break;
        if (m + 1 < s && (hd[o + m + 1] > hd[o + m] || (hd[o + m + 1] === hd[o + m] && hi[o + m + 1] > hi[o + m]))) m++;
        if (hd[o + m] < ld || (hd[o + m] === ld && hi[o + m] < li)) break;
        hd[o + c] = hd[o + m]; hi[o + c] = hi[o + m]; c = m;
      }
      hd[o + c] = ld; hi[o + c] = li;
      outDist[out + s] = rd; outIdx[out + s] = ri;
    }
  }`;
