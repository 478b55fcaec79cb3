import type { Rng } from '../../random/rng';

/**
 * Smooth random fields and smoothing for the phantoms: value noise (lung texture, low-pass
 * exposure variation) and a separable [1 2 1]/4 blur.
 */

/** Smooth value noise in about [−1, 1]: a random grid of `cells`² cells, smoothstep-interpolated. */
export function valueNoise(rng: Rng, size: number, cells: number): Float32Array {
  const n = cells + 1;
  const grid = new Float32Array(n * n);
  for (let i = 0; i < grid.length; i++) grid[i] = 2 * rng.nextFloat() - 1;
  const i0 = new Int32Array(size);
  const w = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    const g = ((i + 0.5) / size) * cells;
    const k = Math.min(cells - 1, Math.floor(g));
    const f = g - k;
    i0[i] = k;
    w[i] = f * f * (3 - 2 * f);
  }
  const out = new Float32Array(size * size);
  for (let r = 0; r < size; r++) {
    const rowA = i0[r] * n;
    const rowB = rowA + n;
    const wy = w[r];
    for (let c = 0; c < size; c++) {
      const k = i0[c];
      const wx = w[c];
      const top = grid[rowA + k] + (grid[rowA + k + 1] - grid[rowA + k]) * wx;
      const bottom = grid[rowB + k] + (grid[rowB + k + 1] - grid[rowB + k]) * wx;
      out[r * size + c] = top + (bottom - top) * wy;
    }
  }
  return out;
}

/** In-place separable [1 2 1]/4 blur (edges clamped). */
export function blur121(data: Float32Array, size: number): void {
  const tmp = new Float32Array(size);
  for (let r = 0; r < size; r++) {
    const o = r * size;
    for (let c = 0; c < size; c++) {
      const l = data[o + (c > 0 ? c - 1 : c)];
      const rr = data[o + (c < size - 1 ? c + 1 : c)];
      tmp[c] = 0.25 * (l + rr) + 0.5 * data[o + c];
    }
    data.set(tmp, o);
  }
  const col = new Float32Array(size);
  for (let c = 0; c < size; c++) {
    for (let r = 0; r < size; r++) {
      const u = data[(r > 0 ? r - 1 : r) * size + c];
      const d = data[(r < size - 1 ? r + 1 : r) * size + c];
      col[r] = 0.25 * (u + d) + 0.5 * data[r * size + c];
    }
    for (let r = 0; r < size; r++) data[r * size + c] = col[r];
  }
}
