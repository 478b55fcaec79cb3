import { GRID_PRELUDE } from './fftGridPrelude';

/**
 * JavaScript sources of the two phases that compute the 2-D DFT of the circulant-embedded kernel
 * K(d) = 1/(1 + d²)² on the M × M node grid (M = 2n, node spacing h), run by {@link KernelPool}
 * only when the grid's size or spacing changes (fftGradient.ts keeps both fixed while it can).
 *
 * The embedded kernel is real and even along both axes (index k ↦ offset min(k, M − k), zero at
 * k = n), so its spectrum is real, and so is the axis-0 transform of each column. Two real
 * columns (c and c + n) therefore share one complex transform, their spectra coming back as its
 * real and imaginary parts; the same holds for pairs of rows along axis 1. The whole spectrum
 * costs M transforms of length M instead of 2M, and is stored scaled by 1/M² (the unnormalised
 * inverse FFT's factor). One thread writes each value, so it does not depend on the thread count.
 */

/** Axis-0 transforms of kernel columns c and c + n, packed, by panels: kr, ki (M × n each). */
export const FFT_KERNEL_COLUMNS_KERNEL = String.raw`(() => {
  ${GRID_PRELUDE}
  return function fftKernelColumns(task) {
    const n = task.n, m = task.m, h2 = task.h * task.h, panel = task.panel;
    const fft = planFor(m);
    const kr = new Float64Array(task.kr), ki = new Float64Array(task.ki);
    const [pr, pi, sr, si] = buffers(m * panel);
    claim(new Int32Array(task.counter), 1, Math.ceil(n / panel), (t) => {
      const c0 = t * panel, c1 = Math.min(n, c0 + panel), width = c1 - c0;
      for (let k = 0; k < m; k++) {
        const a = offset(k, n, m);
        for (let c = c0; c < c1; c++) {
          const b = offset(c + n, n, m), o = k * width + c - c0;
          pr[o] = a < 0 ? 0 : 1 / ((1 + h2 * (a * a + c * c)) ** 2);
          pi[o] = a < 0 || b < 0 ? 0 : 1 / ((1 + h2 * (a * a + b * b)) ** 2);
        }
      }
      fft.forward(pr, pi, sr, si, width);
      scatter(pr, pi, kr, ki, m, c0, c1, n);
    });
  };
})()`;

/** Axis-1 transforms of rows k and k + n of the column transforms, packed: the spectrum (M × M, × 1/M²). */
export const FFT_KERNEL_ROWS_KERNEL = String.raw`(() => {
  ${GRID_PRELUDE}
  return function fftKernelRows(task) {
    const n = task.n, m = task.m, scale = 1 / (m * m);
    const fft = planFor(m);
    const kr = new Float64Array(task.kr), ki = new Float64Array(task.ki), spectrum = new Float64Array(task.spectrum);
    const [lowRe, highRe, sr, si] = buffers(m);
    claim(new Int32Array(task.counter), 1, n, (k) => {
      // Row k of the column transforms is kr[k·n + c] for c < n and ki[k·n + c − n] above.
      for (let c = 0; c < n; c++) {
        lowRe[c] = kr[k * n + c]; lowRe[c + n] = ki[k * n + c];
        highRe[c] = kr[(k + n) * n + c]; highRe[c + n] = ki[(k + n) * n + c];
      }
      fft.forward(lowRe, highRe, sr, si);
      for (let c = 0; c < m; c++) { spectrum[k * m + c] = lowRe[c] * scale; spectrum[(k + n) * m + c] = highRe[c] * scale; }
    });
  };
})()`;
