/**
 * JavaScript sources of the two dense products of the randomized PCA, run by {@link KernelPool}
 * (strings so that worker threads can evaluate them; see kernelPool.ts). X is the tall n×d input
 * (Float32 or Float64, `task.f32` says which), streamed row by row and never copied to Float64.
 *
 * Each output element is summed in the same order whatever the thread count or chunking (over c
 * for `pcaRowsT`, over i in groups of four for `pcaTransposeInto`), so results do not depend on
 * the number of threads.
 */

/**
 * out (l×n) = W (l×d) · Xᵀ. Threads claim chunks of X rows. Register block: 4 rows of X × 2
 * rows of W, so 6 loads feed 8 multiply-adds.
 */
export const PCA_ROWS_T_KERNEL = String.raw`function pcaRowsT(task) {
  const n = task.n, d = task.d, l = task.l, chunk = task.chunk;
  const x = task.f32 ? new Float32Array(task.x) : new Float64Array(task.x);
  const w = new Float64Array(task.w), out = new Float64Array(task.out);
  const counter = new Int32Array(task.counter);
  for (;;) {
    const start = Atomics.add(counter, 0, chunk);
    if (start >= n) break;
    const end = Math.min(n, start + chunk);
    let i = start;
    for (; i + 4 <= end; i += 4) {
      const o0 = i * d, o1 = o0 + d, o2 = o1 + d, o3 = o2 + d;
      let j = 0;
      for (; j + 2 <= l; j += 2) {
        const a = j * d, b = a + d;
        let s00 = 0, s10 = 0, s20 = 0, s30 = 0, s01 = 0, s11 = 0, s21 = 0, s31 = 0;
        for (let c = 0; c < d; c++) {
          const wa = w[a + c], wb = w[b + c];
          const x0 = x[o0 + c], x1 = x[o1 + c], x2 = x[o2 + c], x3 = x[o3 + c];
          s00 += x0 * wa; s10 += x1 * wa; s20 += x2 * wa; s30 += x3 * wa;
          s01 += x0 * wb; s11 += x1 * wb; s21 += x2 * wb; s31 += x3 * wb;
        }
        const oa = j * n + i, ob = oa + n;
        out[oa] = s00; out[oa + 1] = s10; out[oa + 2] = s20; out[oa + 3] = s30;
        out[ob] = s01; out[ob + 1] = s11; out[ob + 2] = s21; out[ob + 3] = s31;
      }
      for (; j < l; j++) {
        const a = j * d;
        let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        for (let c = 0; c < d; c++) {
          const wa = w[a + c];
          s0 += x[o0 + c] * wa; s1 += x[o1 + c] * wa; s2 += x[o2 + c] * wa; s3 += x[o3 + c] * wa;
        }
        const oa = j * n + i;
        out[oa] = s0; out[oa + 1] = s1; out[oa + 2] = s2; out[oa + 3] = s3;
      }
    }
    for (; i < end; i++) {
      for (let j = 0; j < l; j++) {
        let s = 0;
        for (let c = 0; c < d; c++) s += x[i * d + c] * w[j * d + c];
        out[j * n + i] = s;
      }
    }
  }
}`;

/**
 * out (l×d) = Q (l×n) · X. Threads claim blocks of output columns, so each owns its outputs.
 * Register block: 4 rows of X × 2 rows of Q; every output element accumulates over i in
 * groups of four, in increasing i.
 */
export const PCA_TRANSPOSE_INTO_KERNEL = String.raw`function pcaTransposeInto(task) {
  const n = task.n, d = task.d, l = task.l, chunk = task.chunk;
  const x = task.f32 ? new Float32Array(task.x) : new Float64Array(task.x);
  const q = new Float64Array(task.q), out = new Float64Array(task.out);
  const counter = new Int32Array(task.counter);
  for (;;) {
    const c0 = Atomics.add(counter, 0, chunk);
    if (c0 >= d) break;
    const c1 = Math.min(d, c0 + chunk);
    let i = 0;
    for (; i + 4 <= n; i += 4) {
      const o0 = i * d, o1 = o0 + d, o2 = o1 + d, o3 = o2 + d;
      let j = 0;
      for (; j + 2 <= l; j += 2) {
        const qa = j * n + i, qb = qa + n;
        const a0 = q[qa], a1 = q[qa + 1], a2 = q[qa + 2], a3 = q[qa + 3];
        const b0 = q[qb], b1 = q[qb + 1], b2 = q[qb + 2], b3 = q[qb + 3];
        const oa = j * d, ob = oa + d;
        for (let c = c0; c < c1; c++) {
          const x0 = x[o0 + c], x1 = x[o1 + c], x2 = x[o2 + c], x3 = x[o3 + c];
          out[oa + c] = out[oa + c] + a0 * x0 + a1 * x1 + a2 * x2 + a3 * x3;
          out[ob + c] = out[ob + c] + b0 * x0 + b1 * x1 + b2 * x2 + b3 * x3;
        }
      }
      for (; j < l; j++) {
        const qa = j * n + i;
        const a0 = q[qa], a1 = q[qa + 1], a2 = q[qa + 2], a3 = q[qa + 3];
        const oa = j * d;
        for (let c = c0; c < c1; c++) out[oa + c] = out[oa + c] + a0 * x[o0 + c] + a1 * x[o1 + c] + a2 * x[o2 + c] + a3 * x[o3 + c];
      }
    }
    for (; i < n; i++) {
      for (let j = 0; j < l; j++) {
        const qi = q[j * n + i];
        for (let c = c0; c < c1; c++) out[j * d + c] = out[j * d + c] + qi * x[i * d + c];
      }
    }
  }
}`;

/** The kernels to register in a KernelPool that runs PCA. */
export const PCA_KERNELS: Readonly<Record<string, string>> = {
  pcaRowsT: PCA_ROWS_T_KERNEL,
  pcaTransposeInto: PCA_TRANSPOSE_INTO_KERNEL,
};
