/**
 * JavaScript source of the t-SNE gradient kernel run by {@link KernelPool} (a string so that
 * worker threads can evaluate it; see kernelPool.ts).
 *
 * For each point i of a claimed chunk it writes five numbers to out[5i … 5i+4]:
 *   repulsion Σ_j q_ij² (y_i − y_j) (x, y), the normaliser part Σ_j q_ij, and
 *   attraction Σ_j P_ij q_ij (y_i − y_j) (x, y),
 * with the unnormalised Student-t kernel q_ij = 1 / (1 + ‖y_i − y_j‖²). The repulsive sums use
 * the Barnes–Hut quadtree (a cell of side w at squared distance D from y_i is summarised by its
 * centre of mass when w² < θ²·D); the attractive sums run over the sparse P (CSR). Nothing is
 * reduced across points here: the main thread sums the normaliser in index order, so the result
 * is identical whatever the thread count.
 */
export const GRADIENT_KERNEL = String.raw`function tsneGradientKernel(task) {
  const n = task.n, chunk = task.chunk, theta2 = task.theta * task.theta;
  const y = new Float64Array(task.y), out = new Float64Array(task.out);
  const comX = new Float64Array(task.comX), comY = new Float64Array(task.comY);
  const mass = new Float64Array(task.mass), width2 = new Float64Array(task.width2);
  const firstChild = new Int32Array(task.firstChild), childCount = new Int32Array(task.childCount);
  const lo = new Int32Array(task.lo), hi = new Int32Array(task.hi), perm = new Int32Array(task.perm);
  const rowPtr = new Int32Array(task.rowPtr), cols = new Int32Array(task.cols), vals = new Float64Array(task.vals);
  const counter = new Int32Array(task.counter);
  const stack = new Int32Array(task.stackSize);
  for (;;) {
    const start = Atomics.add(counter, 0, chunk);
    if (start >= n) break;
    const end = Math.min(n, start + chunk);
    for (let i = start; i < end; i++) {
      const yx = y[2 * i], yy = y[2 * i + 1];
      let rx = 0, ry = 0, sq = 0;
      let top = 0;
      stack[top++] = 0;
      while (top > 0) {
        const node = stack[--top];
        const fc = firstChild[node];
        if (fc < 0) {
          for (let p = lo[node], e = hi[node]; p < e; p++) {
            const j = perm[p];
            if (j === i) continue;
            const dx = yx - y[2 * j], dy = yy - y[2 * j + 1];
            const q = 1 / (1 + dx * dx + dy * dy);
            sq += q;
            const q2 = q * q;
            rx += q2 * dx; ry += q2 * dy;
          }
          continue;
        }
        const dx = yx - comX[node], dy = yy - comY[node];
        const d2 = dx * dx + dy * dy;
        if (width2[node] < theta2 * d2) {
          const q = 1 / (1 + d2), m = mass[node];
          sq += m * q;
          const mq2 = m * q * q;
          rx += mq2 * dx; ry += mq2 * dy;
        } else {
          for (let c = fc, ce = fc + childCount[node]; c < ce; c++) stack[top++] = c;
        }
      }
      let ax = 0, ay = 0;
      for (let p = rowPtr[i], e = rowPtr[i + 1]; p < e; p++) {
        const j = cols[p];
        const dx = yx - y[2 * j], dy = yy - y[2 * j + 1];
        const w = vals[p] / (1 + dx * dx + dy * dy);
        ax += w * dx; ay += w * dy;
      }
      const o = 5 * i;
      out[o] = rx; out[o + 1] = ry; out[o + 2] = sq; out[o + 3] = ax; out[o + 4] = ay;
    }
  }
}`;
