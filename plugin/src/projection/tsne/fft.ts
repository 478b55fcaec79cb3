/**
 * A mixed-radix (4, 2, 3, 5) complex FFT for lengths 2^a·3^b·5^c, written as JavaScript source
 * so that the t-SNE grid kernels can embed it and run it in worker threads (see kernelPool.ts);
 * {@link createFft} compiles the same text for the main thread and the tests.
 *
 * Algorithm: self-sorting Stockham decimation in frequency. A stage of radix p on sub-length L =
 * p·m computes, for every j < m, the p-point DFT of x[j + k·m] (k < p), multiplies output t by
 * ω_L^{jt} and stores it at p·j + t (with the stride of the stages already done); two buffers
 * alternate, so no bit reversal is needed. Radix-4 stages are taken first (fewest passes), then
 * 2, 3 and 5. Twiddles are tabulated per stage with Math.cos / Math.sin of exact angles.
 *
 * Batched layout: `batch` sequences interleaved, element k of sequence r at r + batch·k, so the
 * columns of a row-major panel of width `batch` are transformed together with unit-stride inner
 * loops. Each sequence sees the same arithmetic whatever `batch` is, so results do not depend on
 * how columns are grouped. Forward: X_k = Σ_j x_j e^{−2πijk/n}; the inverse is unnormalised (the
 * forward transform with re and im swapped: swap(DFT(swap(x))) = n·IDFT(x)).
 */
export const FFT_SOURCE = String.raw`function createFft(n) {
  if (!Number.isInteger(n) || n < 1) throw new Error('fft: length ' + n + ' is not 2^a 3^b 5^c');
  const radices = [];
  let rest = n;
  while (rest % 4 === 0) { radices.push(4); rest /= 4; }
  while (rest % 2 === 0) { radices.push(2); rest /= 2; }
  while (rest % 3 === 0) { radices.push(3); rest /= 3; }
  while (rest % 5 === 0) { radices.push(5); rest /= 5; }
  if (rest !== 1) throw new Error('fft: length ' + n + ' is not 2^a 3^b 5^c');
  const stages = [];
  let len = n, span = 1;
  for (const p of radices) {
    const m = len / p;
    const tw = new Float64Array(2 * m * (p - 1));
    for (let j = 0; j < m; j++) {
      for (let t = 1; t < p; t++) {
        const a = -2 * Math.PI * ((j * t) % len) / len;
        tw[2 * (j * (p - 1) + t - 1)] = Math.cos(a);
        tw[2 * (j * (p - 1) + t - 1) + 1] = Math.sin(a);
      }
    }
    stages.push({ p, m, span, tw });
    span *= p;
    len = m;
  }
  const C3 = Math.sqrt(3) / 2;
  const C51 = Math.cos(2 * Math.PI / 5), C52 = Math.cos(4 * Math.PI / 5);
  const S51 = Math.sin(2 * Math.PI / 5), S52 = Math.sin(4 * Math.PI / 5);
  function radix2(st, xr, xi, yr, yi, b) {
    const m = st.m, s = st.span, tw = st.tw, dk = b * s * m, dt = b * s;
    for (let j = 0; j < m; j++) {
      const w1r = tw[2 * j], w1i = tw[2 * j + 1];
      for (let q = 0; q < s; q++) {
        const ia = b * (q + s * j), oa = b * (q + 2 * s * j);
        for (let r = 0; r < b; r++) {
          const i0 = ia + r, i1 = i0 + dk, o0 = oa + r, o1 = o0 + dt;
          const a0r = xr[i0], a0i = xi[i0], a1r = xr[i1], a1i = xi[i1];
          yr[o0] = a0r + a1r; yi[o0] = a0i + a1i;
          const dr = a0r - a1r, di = a0i - a1i;
          yr[o1] = dr * w1r - di * w1i; yi[o1] = dr * w1i + di * w1r;
        }
      }
    }
  }
  function radix4(st, xr, xi, yr, yi, b) {
    const m = st.m, s = st.span, tw = st.tw, dk = b * s * m, dt = b * s;
    for (let j = 0; j < m; j++) {
      const w1r = tw[6 * j], w1i = tw[6 * j + 1], w2r = tw[6 * j + 2], w2i = tw[6 * j + 3], w3r = tw[6 * j + 4], w3i = tw[6 * j + 5];
      for (let q = 0; q < s; q++) {
        const ia = b * (q + s * j), oa = b * (q + 4 * s * j);
        for (let r = 0; r < b; r++) {
          const i0 = ia + r, i1 = i0 + dk, i2 = i1 + dk, i3 = i2 + dk;
          const t0r = xr[i0] + xr[i2], t0i = xi[i0] + xi[i2], t1r = xr[i0] - xr[i2], t1i = xi[i0] - xi[i2];
          const t2r = xr[i1] + xr[i3], t2i = xi[i1] + xi[i3], t3r = xr[i1] - xr[i3], t3i = xi[i1] - xi[i3];
          const o0 = oa + r, o1 = o0 + dt, o2 = o1 + dt, o3 = o2 + dt;
          yr[o0] = t0r + t2r; yi[o0] = t0i + t2i;
          const b1r = t1r + t3i, b1i = t1i - t3r, b2r = t0r - t2r, b2i = t0i - t2i, b3r = t1r - t3i, b3i = t1i + t3r;
          yr[o1] = b1r * w1r - b1i * w1i; yi[o1] = b1r * w1i + b1i * w1r;
          yr[o2] = b2r * w2r - b2i * w2i; yi[o2] = b2r * w2i + b2i * w2r;
          yr[o3] = b3r * w3r - b3i * w3i; yi[o3] = b3r * w3i + b3i * w3r;
        }
      }
    }
  }
  function radix3(st, xr, xi, yr, yi, b) {
    const m = st.m, s = st.span, tw = st.tw, dk = b * s * m, dt = b * s;
    for (let j = 0; j < m; j++) {
      const w1r = tw[4 * j], w1i = tw[4 * j + 1], w2r = tw[4 * j + 2], w2i = tw[4 * j + 3];
      for (let q = 0; q < s; q++) {
        const ia = b * (q + s * j), oa = b * (q + 3 * s * j);
        for (let r = 0; r < b; r++) {
          const i0 = ia + r, i1 = i0 + dk, i2 = i1 + dk;
          const sr = xr[i1] + xr[i2], si = xi[i1] + xi[i2], dr = (xr[i1] - xr[i2]) * C3, di = (xi[i1] - xi[i2]) * C3;
          const mr = xr[i0] - 0.5 * sr, mi = xi[i0] - 0.5 * si;
          const o0 = oa + r, o1 = o0 + dt, o2 = o1 + dt;
          yr[o0] = xr[i0] + sr; yi[o0] = xi[i0] + si;
          const b1r = mr + di, b1i = mi - dr, b2r = mr - di, b2i = mi + dr;
          yr[o1] = b1r * w1r - b1i * w1i; yi[o1] = b1r * w1i + b1i * w1r;
          yr[o2] = b2r * w2r - b2i * w2i; yi[o2] = b2r * w2i + b2i * w2r;
        }
      }
    }
  }
  function radix5(st, xr, xi, yr, yi, b) {
    const m = st.m, s = st.span, tw = st.tw, dk = b * s * m, dt = b * s;
    for (let j = 0; j < m; j++) {
      const w = 8 * j;
      const w1r = tw[w], w1i = tw[w + 1], w2r = tw[w + 2], w2i = tw[w + 3], w3r = tw[w + 4], w3i = tw[w + 5], w4r = tw[w + 6], w4i = tw[w + 7];
      for (let q = 0; q < s; q++) {
        const ia = b * (q + s * j), oa = b * (q + 5 * s * j);
        for (let r = 0; r < b; r++) {
          const i0 = ia + r, i1 = i0 + dk, i2 = i1 + dk, i3 = i2 + dk, i4 = i3 + dk;
          const a0r = xr[i0], a0i = xi[i0];
          const s14r = xr[i1] + xr[i4], s14i = xi[i1] + xi[i4], d14r = xr[i1] - xr[i4], d14i = xi[i1] - xi[i4];
          const s23r = xr[i2] + xr[i3], s23i = xi[i2] + xi[i3], d23r = xr[i2] - xr[i3], d23i = xi[i2] - xi[i3];
          const m1r = a0r + C51 * s14r + C52 * s23r, m1i = a0i + C51 * s14i + C52 * s23i;
          const m2r = a0r + C52 * s14r + C51 * s23r, m2i = a0i + C52 * s14i + C51 * s23i;
          const n1r = S51 * d14r + S52 * d23r, n1i = S51 * d14i + S52 * d23i;
          const n2r = S52 * d14r - S51 * d23r, n2i = S52 * d14i - S51 * d23i;
          const o0 = oa + r, o1 = o0 + dt, o2 = o1 + dt, o3 = o2 + dt, o4 = o3 + dt;
          yr[o0] = a0r + s14r + s23r; yi[o0] = a0i + s14i + s23i;
          const b1r = m1r + n1i, b1i = m1i - n1r, b4r = m1r - n1i, b4i = m1i + n1r;
          const b2r = m2r + n2i, b2i = m2i - n2r, b3r = m2r - n2i, b3i = m2i + n2r;
          yr[o1] = b1r * w1r - b1i * w1i; yi[o1] = b1r * w1i + b1i * w1r;
          yr[o2] = b2r * w2r - b2i * w2i; yi[o2] = b2r * w2i + b2i * w2r;
          yr[o3] = b3r * w3r - b3i * w3i; yi[o3] = b3r * w3i + b3i * w3r;
          yr[o4] = b4r * w4r - b4i * w4i; yi[o4] = b4r * w4i + b4i * w4r;
        }
      }
    }
  }
  const butterflies = { 2: radix2, 3: radix3, 4: radix4, 5: radix5 };
  function forward(re, im, scratchRe, scratchIm, batch) {
    const b = batch || 1;
    let xr = re, xi = im, yr = scratchRe, yi = scratchIm;
    for (const st of stages) {
      butterflies[st.p](st, xr, xi, yr, yi, b);
      const tr = xr; xr = yr; yr = tr;
      const ti = xi; xi = yi; yi = ti;
    }
    if (xr !== re) {
      for (let k = 0, e = n * b; k < e; k++) { re[k] = xr[k]; im[k] = xi[k]; }
    }
  }
  function inverse(re, im, scratchRe, scratchIm, batch) {
    forward(im, re, scratchIm, scratchRe, batch);
  }
  return { length: n, radices, forward, inverse };
}`;

/** A planned FFT of one length (see {@link FFT_SOURCE}). */
export interface Fft {
  readonly length: number;
  /** The radices of the stages, in the order they run. */
  readonly radices: readonly number[];
  /**
   * In-place forward DFT of `batch` (default 1) interleaved sequences held in `re`/`im`
   * (length ≥ length·batch); the scratch arrays must be as long.
   */
  forward(re: Float64Array, im: Float64Array, scratchRe: Float64Array, scratchIm: Float64Array, batch?: number): void;
  /** In-place unnormalised inverse DFT (n times the inverse transform); same layout as {@link Fft.forward}. */
  inverse(re: Float64Array, im: Float64Array, scratchRe: Float64Array, scratchIm: Float64Array, batch?: number): void;
}

let compiled: ((n: number) => Fft) | null = null;

/** Plans an FFT of `length` (= 2^a·3^b·5^c; throws otherwise) from {@link FFT_SOURCE}. */
export function createFft(length: number): Fft {
  compiled ??= new Function(`'use strict'; return (${FFT_SOURCE});`)() as (n: number) => Fft;
  return compiled(length);
}

/** The smallest 2^a·3^b·5^c ≥ max(1, `min`): a length {@link createFft} accepts without padding further. */
export function fftLength(min: number): number {
  let n = Math.max(1, Math.ceil(min));
  for (;; n++) {
    let r = n;
    for (const p of [2, 3, 5]) while (r % p === 0) r /= p;
    if (r === 1) return n;
  }
}
