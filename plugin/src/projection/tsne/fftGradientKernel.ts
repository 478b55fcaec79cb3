/**
 * JavaScript source of the per-point phase of the FFT-interpolation gradient, run by
 * {@link KernelPool} after the grid phases (fftGridKernels.ts). It writes the same five numbers
 * per point as the Barnes–Hut kernel (gradientKernel.ts), so the optimizer's step is shared:
 *
 *   out[5i], out[5i+1]   repulsion Σ_j q_ij² (y_i − y_j) = y_i·φ1 − (φx, φy)
 *   out[5i+2]            (1 + 2|y_i|²)·φ1 − 2 y_i·(φx, φy) − 1, whose sum over i is Z = Σ_{i≠j} q_ij
 *   out[5i+3], out[5i+4] attraction Σ_j P_ij q_ij (y_i − y_j) over the sparse P (CSR)
 *
 * where φ_c(y_i) = Σ_j q_ij² c_j for the charges c = 1, x, y is interpolated from the node
 * potentials of the point's box with the same 3×3 Lagrange weights that spread the charges, and
 * coordinates are relative to the grid centre (the identities hold for any origin; a central one
 * keeps the terms small). Why the sum is Z: q = q²·(1 + d²) and d² = |y_i|² − 2 y_i·y_j + |y_j|²,
 * so Σ_{i,j} q_ij = Σ_i [(1 + |y_i|²) φ1_i − 2 y_i·φ_i] + Σ_j |y_j|² Σ_i q_ij², and the last sum
 * is Σ_j |y_j|² φ1_j because the interpolated operator (spread, symmetric grid kernel,
 * interpolate with the same weights) is symmetric — so a fourth charge |y|² (openTSNE's) is not
 * needed. The − 1 removes the self term q_ii = 1; its repulsion is zero. Each point is written by
 * one thread.
 */
export const FFT_GRADIENT_KERNEL = String.raw`function fftGradient(task) {
  const n = task.n, m = task.m, boxes = task.boxes, lo = task.lo, w = task.w, cx = task.cx, cy = task.cy, chunk = task.chunk;
  const y = new Float64Array(task.y), out = new Float64Array(task.out), boxRow = new Int32Array(task.boxRow);
  const ar = new Float64Array(task.ar), ai = new Float64Array(task.ai), br = new Float64Array(task.br);
  const rowPtr = new Int32Array(task.rowPtr), cols = new Int32Array(task.cols), vals = new Float64Array(task.vals);
  const counter = new Int32Array(task.counter);
  for (;;) {
    const start = Atomics.add(counter, 0, chunk);
    if (start >= n) break;
    const end = Math.min(n, start + chunk);
    for (let i = start; i < end; i++) {
      const px = y[2 * i], py = y[2 * i + 1];
      const bx = boxRow[i];
      const ux = (px - lo) / w - bx;
      const sy = (py - lo) / w;
      let by = Math.floor(sy);
      if (by > boxes - 1) by = boxes - 1;
      if (by < 0) by = 0;
      const uy = sy - by;
      const lx0 = 4.5 * (ux - 0.5) * (ux - 5 / 6), lx1 = -9 * (ux - 1 / 6) * (ux - 5 / 6), lx2 = 4.5 * (ux - 1 / 6) * (ux - 0.5);
      const ly0 = 4.5 * (uy - 0.5) * (uy - 5 / 6), ly1 = -9 * (uy - 1 / 6) * (uy - 5 / 6), ly2 = 4.5 * (uy - 1 / 6) * (uy - 0.5);
      let f0 = 0, fx = 0, fy = 0;
      for (let a = 0; a < 3; a++) {
        const la = a === 0 ? lx0 : a === 1 ? lx1 : lx2;
        const base = (3 * bx + a) * m + 3 * by;
        for (let b = 0; b < 3; b++) {
          const wgt = la * (b === 0 ? ly0 : b === 1 ? ly1 : ly2), idx = base + b;
          f0 += wgt * br[idx]; fx += wgt * ar[idx]; fy += wgt * ai[idx];
        }
      }
      const qx = px - cx, qy = py - cy;
      let ax = 0, ay = 0;
      for (let p = rowPtr[i], e = rowPtr[i + 1]; p < e; p++) {
        const j = cols[p];
        const dx = px - y[2 * j], dy = py - y[2 * j + 1];
        const v = vals[p] / (1 + dx * dx + dy * dy);
        ax += v * dx; ay += v * dy;
      }
      const o = 5 * i;
      out[o] = qx * f0 - fx; out[o + 1] = qy * f0 - fy;
      out[o + 2] = (1 + 2 * (qx * qx + qy * qy)) * f0 - 2 * (qx * fx + qy * fy) - 1;
      out[o + 3] = ax; out[o + 4] = ay;
    }
  }
}`;
