import { FFT_SOURCE } from './fft';

/**
 * Helpers shared by the FFT-repulsion kernels (fftGridKernels.ts, fftKernelSpectrum.ts), pasted
 * into each kernel's closure: the FFT, plans cached per length, per-thread scratch buffers, chunk
 * claiming from the pool's atomic counter, panel gather/scatter, and the circulant index → node
 * offset map.
 */
export const GRID_PRELUDE = String.raw`
  ${FFT_SOURCE}
  const plans = new Map();
  function planFor(m) {
    let p = plans.get(m);
    if (!p) { p = createFft(m); plans.set(m, p); }
    return p;
  }
  let scratch = [];
  function buffers(size) {
    if (scratch.length === 0 || scratch[0].length < size) scratch = [0, 1, 2, 3].map(() => new Float64Array(size));
    return scratch;
  }
  function claim(counter, chunk, total, body) {
    for (;;) {
      const start = Atomics.add(counter, 0, chunk);
      if (start >= total) return;
      const end = Math.min(total, start + chunk);
      for (let t = start; t < end; t++) body(t);
    }
  }
  /** Copies columns c0 … c1−1 of rows 0 … rows−1 (row length m) into a panel of width c1 − c0. */
  function gather(gr, gi, pr, pi, rows, c0, c1, m) {
    const width = c1 - c0;
    for (let k = 0; k < rows; k++) {
      const s = k * m + c0, o = k * width;
      for (let c = 0; c < width; c++) { pr[o + c] = gr[s + c]; pi[o + c] = gi[s + c]; }
    }
  }
  /** The reverse of gather, for rows 0 … rows−1 of the panel. */
  function scatter(pr, pi, gr, gi, rows, c0, c1, m) {
    const width = c1 - c0;
    for (let k = 0; k < rows; k++) {
      const s = k * m + c0, o = k * width;
      for (let c = 0; c < width; c++) { gr[s + c] = pr[o + c]; gi[s + c] = pi[o + c]; }
    }
  }
  /** Circulant embedding of the kernel: node offset of index k on an axis of M = 2n (−1 at k = n). */
  function offset(k, n, m) { return k < n ? k : (k > n ? m - k : -1); }`;
