/**
 * JavaScript source of the exact k-nearest-neighbour kernel run by {@link KernelPool} (kept as
 * a string so that worker threads can evaluate it; see kernelPool.ts).
 *
 * Task fields: x (Float64 n×d), norms (Float64 n, squared row norms), n, d, k, chunk, counter,
 * outIdx (Int32 n×k), outDist (Float64 n×k). Each claimed chunk of query rows is compared with
 * all rows tile by tile (tiles of 256 rows stay in cache while four query rows at a time are
 * dotted against them). Candidates are ranked by ‖a‖² + ‖b‖² − 2a·b (clamped at 0) in a
 * max-heap ordered by (distance, index); the k survivors' squared distances are then recomputed
 * directly as Σ(a − b)², which removes the cancellation error of the expansion, and sorted by
 * (distance, index). The query itself is excluded by index, so duplicate rows are neighbours at
 * distance 0.
 */
export const EXACT_KNN_KERNEL = String.raw`function exactKnnKernel(task) {
  const n = task.n, d = task.d, k = task.k, chunk = task.chunk;
  const x = new Float64Array(task.x), norms = new Float64Array(task.norms);
  const outIdx = new Int32Array(task.outIdx), outDist = new Float64Array(task.outDist);
  const counter = new Int32Array(task.counter);
  const TILE = 256;
  const heapD = new Float64Array(chunk * k), heapI = new Int32Array(chunk * k), size = new Int32Array(chunk);
  function offer(slot, i, j, dist) {
    if (j === i) return;
    if (dist < 0) dist = 0;
    const o = slot * k;
    let s = size[slot];
    if (s < k) {
      let c = s; size[slot] = s + 1;
      while (c > 0) {
        const p = (c - 1) >> 1;
        if (heapD[o + p] > dist || (heapD[o + p] === dist && heapI[o + p] > j)) break;
        heapD[o + c] = heapD[o + p]; heapI[o + c] = heapI[o + p]; c = p;
      }
      heapD[o + c] = dist; heapI[o + c] = j;
      return;
    }
    if (dist > heapD[o] || (dist === heapD[o] && j > heapI[o])) return;
    let c = 0;
    for (;;) {
      let m = 2 * c + 1;
      if (m >= k) break;
      if (m + 1 < k && (heapD[o + m + 1] > heapD[o + m] || (heapD[o + m + 1] === heapD[o + m] && heapI[o + m + 1] > heapI[o + m]))) m++;
      if (heapD[o + m] < dist || (heapD[o + m] === dist && heapI[o + m] < j)) break;
      heapD[o + c] = heapD[o + m]; heapI[o + c] = heapI[o + m]; c = m;
    }
    heapD[o + c] = dist; heapI[o + c] = j;
  }
  for (;;) {
    const start = Atomics.add(counter, 0, chunk);
    if (start >= n) break;
    const end = Math.min(n, start + chunk);
    size.fill(0);
    for (let t0 = 0; t0 < n; t0 += TILE) {
      const t1 = Math.min(n, t0 + TILE);
      let i = start;
      for (; i + 4 <= end; i += 4) {
        const o0 = i * d, o1 = o0 + d, o2 = o1 + d, o3 = o2 + d;
        const n0 = norms[i], n1 = norms[i + 1], n2 = norms[i + 2], n3 = norms[i + 3];
        const sl = i - start;
        for (let j = t0; j < t1; j++) {
          const oj = j * d;
          let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
          for (let c = 0; c < d; c++) {
            const v = x[oj + c];
            s0 += x[o0 + c] * v; s1 += x[o1 + c] * v; s2 += x[o2 + c] * v; s3 += x[o3 + c] * v;
          }
          const nj = norms[j];
          offer(sl, i, j, n0 + nj - 2 * s0);
          offer(sl + 1, i + 1, j, n1 + nj - 2 * s1);
          offer(sl + 2, i + 2, j, n2 + nj - 2 * s2);
          offer(sl + 3, i + 3, j, n3 + nj - 2 * s3);
        }
      }
      for (; i < end; i++) {
        const oi = i * d;
        for (let j = t0; j < t1; j++) {
          const oj = j * d;
          let s = 0;
          for (let c = 0; c < d; c++) s += x[oi + c] * x[oj + c];
          offer(i - start, i, j, norms[i] + norms[j] - 2 * s);
        }
      }
    }
    for (let i = start; i < end; i++) {
      const o = (i - start) * k, out = i * k, oi = i * d;
      for (let t = 0; t < k; t++) {
        const j = heapI[o + t], oj = j * d;
        let s = 0;
        for (let c = 0; c < d; c++) { const diff = x[oi + c] - x[oj + c]; s += diff * diff; }
        let p = t;
        while (p > 0 && (outDist[out + p - 1] > s || (outDist[out + p - 1] === s && outIdx[out + p - 1] > j))) {
          outDist[out + p] = outDist[out + p - 1]; outIdx[out + p] = outIdx[out + p - 1]; p--;
        }
        outDist[out + p] = s; outIdx[out + p] = j;
      }
    }
  }
}`;
