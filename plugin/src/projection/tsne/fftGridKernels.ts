import { GRID_PRELUDE } from './fftGridPrelude';

/**
 * JavaScript sources of the grid phases of the FFT-interpolation repulsion (see fftGradient.ts
 * for the method), run by {@link KernelPool} in this order every iteration, after the kernel
 * spectrum (fftKernelSpectrum.ts) when the grid changed. Three real charges are convolved with
 * the kernel: 1 (grid B, real) and x + i·y (grid A, complex), coordinates relative to the grid
 * centre; each grid is n × n nodes zero-padded to M × M, M = 2n.
 *
 * 1. `fftSpread` — per box row: zero its node rows, then spread the charges of its points, taken
 *    in index order, to the 3×3 Lagrange nodes of their box.
 * 2. `fftColumns` — per panel of columns 0 … n−1 (the others are zero padding), the axis-0 FFT.
 *    Grid B is real, so columns 2c and 2c + 1 share one complex transform and are separated by
 *    symmetry: for Z = FFT(u + i·v), U_k = (Z_k + conj Z_{M−k})/2 and V_k = (Z_k − conj Z_{M−k})/2i.
 * 3. `fftRows` — per row: the axis-1 FFT, × the kernel's real spectrum (already scaled by 1/M²),
 *    inverse FFT, while the row is in cache. Grid B's 2-D spectrum is Hermitian, so only its rows
 *    0 … n (= M/2) are needed.
 * 4. `fftColumnsInverse` — per panel of columns 0 … n−1, the inverse axis-0 FFT, keeping rows
 *    0 … n−1: grid A then holds the potentials φx + i·φy and grid B φ1 at the nodes. Grid B's
 *    rows above n are conj(row M − k) (a real result has Hermitian columns), and its two real
 *    columns 2c, 2c + 1 again share one transform (as its real and imaginary parts).
 *
 * Every output value is computed by one thread in a fixed order (points of a box row in index
 * order, one column pair or row per transform), so the result does not depend on the thread
 * count. Grids are row-major with row length M: node (a, b) — a along x, b along y — is at a·M + b.
 */
/** Spreads the charges of the points of each box row to the grid nodes (phase 1). */
export const FFT_SPREAD_KERNEL = String.raw`(() => {
  ${GRID_PRELUDE}
  return function fftSpread(task) {
    const n = task.n, m = task.m, boxes = task.boxes, lo = task.lo, w = task.w, cx = task.cx, cy = task.cy;
    const y = new Float64Array(task.y), order = new Int32Array(task.order), rowStart = new Int32Array(task.rowStart);
    const boxRow = new Int32Array(task.boxRow);
    const ar = new Float64Array(task.ar), ai = new Float64Array(task.ai), br = new Float64Array(task.br);
    claim(new Int32Array(task.counter), 1, boxes, (bx) => {
      for (const first of [3 * bx, n + 3 * bx]) {
        const s = first * m, e = (first + 3) * m;
        for (let r = s; r < e; r += m) { ar.fill(0, r, r + n); ai.fill(0, r, r + n); br.fill(0, r, r + n); }
      }
      for (let p = rowStart[bx], pe = rowStart[bx + 1]; p < pe; p++) {
        const i = order[p], px = y[2 * i], py = y[2 * i + 1];
        const ux = (px - lo) / w - boxRow[i];
        const sy = (py - lo) / w;
        let by = Math.floor(sy);
        if (by > boxes - 1) by = boxes - 1;
        if (by < 0) by = 0;
        const uy = sy - by;
        // Lagrange basis on the nodes 1/6, 1/2, 5/6 of the box
        const lx0 = 4.5 * (ux - 0.5) * (ux - 5 / 6), lx1 = -9 * (ux - 1 / 6) * (ux - 5 / 6), lx2 = 4.5 * (ux - 1 / 6) * (ux - 0.5);
        const ly0 = 4.5 * (uy - 0.5) * (uy - 5 / 6), ly1 = -9 * (uy - 1 / 6) * (uy - 5 / 6), ly2 = 4.5 * (uy - 1 / 6) * (uy - 0.5);
        const qx = px - cx, qy = py - cy;
        for (let a = 0; a < 3; a++) {
          const la = a === 0 ? lx0 : a === 1 ? lx1 : lx2;
          const base = (3 * bx + a) * m + 3 * by;
          for (let b = 0; b < 3; b++) {
            const wgt = la * (b === 0 ? ly0 : b === 1 ? ly1 : ly2), idx = base + b;
            ar[idx] += wgt * qx; ai[idx] += wgt * qy; br[idx] += wgt;
          }
        }
      }
    });
  };
})()`;

/** Axis-0 FFTs of the charge grids, by panels of columns (phase 2). */
export const FFT_COLUMNS_KERNEL = String.raw`(() => {
  ${GRID_PRELUDE}
  return function fftColumns(task) {
    const n = task.n, m = task.m, panel = task.panel;
    const fft = planFor(m);
    const ar = new Float64Array(task.ar), ai = new Float64Array(task.ai), br = new Float64Array(task.br), bi = new Float64Array(task.bi);
    const perGrid = Math.ceil(n / panel);
    const [pr, pi, sr, si] = buffers(m * panel);
    claim(new Int32Array(task.counter), 1, 2 * perGrid, (t) => {
      const c0 = (t % perGrid) * panel, c1 = Math.min(n, c0 + panel), width = c1 - c0;
      if (t < perGrid) {
        gather(ar, ai, pr, pi, m, c0, c1, m);
        fft.forward(pr, pi, sr, si, width);
        scatter(pr, pi, ar, ai, m, c0, c1, m);
        return;
      }
      // grid B (real): column c0 + 2j in the real part, c0 + 2j + 1 in the imaginary part
      const pairs = Math.ceil(width / 2);
      for (let k = 0; k < m; k++) {
        for (let j = 0; j < pairs; j++) {
          const c = c0 + 2 * j;
          pr[k * pairs + j] = br[k * m + c];
          pi[k * pairs + j] = c + 1 < c1 ? br[k * m + c + 1] : 0;
        }
      }
      fft.forward(pr, pi, sr, si, pairs);
      for (let k = 0; k < m; k++) {
        const mk = k === 0 ? 0 : m - k;
        for (let j = 0; j < pairs; j++) {
          const c = c0 + 2 * j, zr = pr[k * pairs + j], zi = pi[k * pairs + j], yr = pr[mk * pairs + j], yi = -pi[mk * pairs + j];
          br[k * m + c] = 0.5 * (zr + yr); bi[k * m + c] = 0.5 * (zi + yi);
          if (c + 1 < c1) { br[k * m + c + 1] = 0.5 * (zi - yi); bi[k * m + c + 1] = -0.5 * (zr - yr); }
        }
      }
    });
  };
})()`;

/** Forward axis-1 FFT × kernel spectrum → inverse, for each charge row (phase 3). */
export const FFT_ROWS_KERNEL = String.raw`(() => {
  ${GRID_PRELUDE}
  return function fftRows(task) {
    const n = task.n, m = task.m;
    const fft = planFor(m);
    const spectrum = new Float64Array(task.spectrum);
    const grids = [[new Float64Array(task.ar), new Float64Array(task.ai)], [new Float64Array(task.br), new Float64Array(task.bi)]];
    const [sr, si] = buffers(m);
    // every row of grid A, rows 0 … n of grid B (its spectrum is Hermitian)
    claim(new Int32Array(task.counter), 1, m + n + 1, (t) => {
      const [gr, gi] = grids[t < m ? 0 : 1];
      const row = t < m ? t : t - m, s = row * m;
      const rr = gr.subarray(s, s + m), ri = gi.subarray(s, s + m);
      rr.fill(0, n); ri.fill(0, n);
      fft.forward(rr, ri, sr, si);
      for (let c = 0; c < m; c++) { const f = spectrum[s + c]; rr[c] *= f; ri[c] *= f; }
      fft.inverse(rr, ri, sr, si);
    });
  };
})()`;

/** Inverse axis-0 FFTs of the charge grids, by panels of columns, keeping rows 0 … n−1 (phase 4). */
export const FFT_COLUMNS_INVERSE_KERNEL = String.raw`(() => {
  ${GRID_PRELUDE}
  return function fftColumnsInverse(task) {
    const n = task.n, m = task.m, panel = task.panel;
    const fft = planFor(m);
    const ar = new Float64Array(task.ar), ai = new Float64Array(task.ai), br = new Float64Array(task.br), bi = new Float64Array(task.bi);
    const perGrid = Math.ceil(n / panel);
    const [pr, pi, sr, si] = buffers(m * panel);
    claim(new Int32Array(task.counter), 1, 2 * perGrid, (t) => {
      const c0 = (t % perGrid) * panel, c1 = Math.min(n, c0 + panel), width = c1 - c0;
      if (t < perGrid) {
        gather(ar, ai, pr, pi, m, c0, c1, m);
        fft.inverse(pr, pi, sr, si, width);
        scatter(pr, pi, ar, ai, n, c0, c1, m);
        return;
      }
      // grid B: Hermitian columns (rows above n mirrored), two real columns per transform
      const pairs = Math.ceil(width / 2);
      for (let k = 0; k < m; k++) {
        const src = k <= n ? k : m - k, sign = k <= n ? 1 : -1;
        for (let j = 0; j < pairs; j++) {
          const c = c0 + 2 * j, o = k * pairs + j;
          const ur = br[src * m + c], ui = sign * bi[src * m + c];
          const vr = c + 1 < c1 ? br[src * m + c + 1] : 0, vi = c + 1 < c1 ? sign * bi[src * m + c + 1] : 0;
          pr[o] = ur - vi; pi[o] = ui + vr;
        }
      }
      fft.inverse(pr, pi, sr, si, pairs);
      for (let k = 0; k < n; k++) {
        for (let j = 0; j < pairs; j++) {
          const c = c0 + 2 * j;
          br[k * m + c] = pr[k * pairs + j];
          if (c + 1 < c1) br[k * m + c + 1] = pi[k * pairs + j];
        }
      }
    });
  };
})()`;
