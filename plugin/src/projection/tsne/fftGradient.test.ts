import { createRng } from '../../random/rng';
import { KernelPool, sharedFloat64, sharedInt32 } from '../kernelPool';
import type { SparseAffinities } from './affinities';
import { FFT_GRID_DEFAULTS, FFT_KERNELS, FftGradient, type FftGridSettings, planGrid } from './fftGradient';

/** Exact O(N²) repulsion Σ_j q²(y_i − y_j) and Z = Σ_{i≠j} q: the independent reference. */
function exactRepulsion(y: Float64Array, n: number): { force: Float64Array; z: number } {
  const force = new Float64Array(2 * n);
  let z = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      if (j === i) continue;
      const dx = y[2 * i]! - y[2 * j]!;
      const dy = y[2 * i + 1]! - y[2 * j + 1]!;
      const q = 1 / (1 + dx * dx + dy * dy);
      z += q;
      force[2 * i] += q * q * dx;
      force[2 * i + 1] += q * q * dy;
    }
  }
  return { force, z };
}

/** Clustered points: `clusters` Gaussian blobs spread over about `span` units. */
function clusteredPoints(n: number, span: number, seed: number): Float64Array {
  const rng = createRng(seed);
  const centres = Array.from({ length: 6 }, () => [(rng.nextFloat() - 0.5) * span, (rng.nextFloat() - 0.5) * span] as const);
  const y = sharedFloat64(2 * n);
  for (let i = 0; i < n; i++) {
    const [cx, cy] = centres[i % centres.length]!;
    y[2 * i] = cx + rng.nextGaussian() * span / 20;
    y[2 * i + 1] = cy + rng.nextGaussian() * span / 20;
  }
  return y;
}

const noAffinities = (n: number): SparseAffinities => ({ n, rowPtr: sharedInt32(n + 1), cols: sharedInt32(0), values: sharedFloat64(0) });

async function fftRepulsion(y: Float64Array, n: number, threads = 1, settings: FftGridSettings = FFT_GRID_DEFAULTS): Promise<{ force: Float64Array; z: number; out: Float64Array }> {
  const out = sharedFloat64(5 * n);
  const pool = new KernelPool(threads, FFT_KERNELS);
  try {
    await new FftGradient(y, noAffinities(n), out, settings).compute(pool);
  } finally {
    await pool.close();
  }
  const force = new Float64Array(2 * n);
  let z = 0;
  for (let i = 0; i < n; i++) {
    force[2 * i] = out[5 * i]!;
    force[2 * i + 1] = out[5 * i + 1]!;
    z += out[5 * i + 2]!;
  }
  return { force, z, out };
}

/** ‖a − b‖ / ‖b‖ over all coordinates. */
function relativeError(a: Float64Array, b: Float64Array): number {
  let num = 0;
  let den = 0;
  for (let t = 0; t < b.length; t++) {
    num += (a[t]! - b[t]!) ** 2;
    den += b[t]! ** 2;
  }
  return Math.sqrt(num / den);
}

describe('FftGradient', () => {
  // Six Gaussian blobs (sd = span/20) of 400 points in all: sparse, so the near field, where the
  // interpolation is least accurate, dominates the forces — a harder case than a t-SNE map.
  // Spans from the start of an optimisation (0.01) to a finished map at N = 10,000 (~80).
  const spans = [0.01, 3, 30, 100];

  // Measured (norm-wise force error, |ΔZ|/Z) at spans 0.01 / 3 / 30 / 100: default grid 1e-12 /
  // 1.1e-3 / 2.1e-2 / 4.6e-2 and 3e-14 / 3.1e-4 / 3.2e-3 / 2.3e-2; Barnes–Hut θ = 0.5 on the same
  // points 1.5e-6 / 5.3e-3 / 1.2e-2 / 1.1e-2 and 2.4e-7 / 5.5e-4 / 4.7e-3 / 4.4e-3.
  it.each(spans)('default grid (boxes ≤ 1 wide): repulsion within 6e-2 and Z within 3e-2 of the exact sums (span %p)', async (span) => {
    const n = 400;
    const y = clusteredPoints(n, span, Math.round(span * 100));
    const exact = exactRepulsion(y, n);
    const fft = await fftRepulsion(y, n);
    expect(relativeError(fft.force, exact.force)).toBeLessThan(6e-2);
    expect(Math.abs(fft.z - exact.z) / exact.z).toBeLessThan(3e-2);
  });

  // The error falls as (box width)³ (cubic interpolation error of 3-node Lagrange polynomials).
  it.each([
    [0.01, 0.25, 1e-3, 2e-4],
    [3, 0.25, 1e-3, 2e-4],
    [30, 0.25, 1e-3, 2e-4],
    [100, 0.5, 1e-2, 4e-3],
  ])('converges to the exact sums as the boxes narrow (span %p, width %p)', async (span, boxWidth, forceError, zError) => {
    const n = 400;
    const y = clusteredPoints(n, span, Math.round(span * 100));
    const exact = exactRepulsion(y, n);
    const fine = await fftRepulsion(y, n, 1, { minIntervals: 10, boxWidth, maxIntervals: 1000 });
    expect(relativeError(fine.force, exact.force)).toBeLessThan(forceError);
    expect(Math.abs(fine.z - exact.z) / exact.z).toBeLessThan(zError);
  });

  it('gives the same numbers with 1 and 2 threads', async () => {
    const n = 500;
    const y = clusteredPoints(n, 40, 5);
    const one = await fftRepulsion(y, n, 1);
    const two = await fftRepulsion(y, n, 2);
    expect(Buffer.from(two.out.buffer).equals(Buffer.from(one.out.buffer))).toBe(true);
  });

  it('plans boxes of width ≤ 1 from a fixed ladder, 2^a·3^b·5^c of them, at least minIntervals', () => {
    const wide = planGrid(Float64Array.from([-10, 3, 62.5, -1, 0, 0]), 3);
    expect(wide).toMatchObject({ lo: -10, boxWidth: 1, boxes: 75, nodes: 225, size: 450, cx: 27.5, cy: 27.5 });
    const small = planGrid(Float64Array.from([0, 0, 1, 1]), 2);
    expect(small.boxes).toBeGreaterThanOrEqual(FFT_GRID_DEFAULTS.minIntervals);
    expect(small.boxWidth * small.boxes).toBeGreaterThanOrEqual(1);
    expect(Math.log2(small.boxWidth) * 8).toBeCloseTo(Math.round(Math.log2(small.boxWidth) * 8), 9);
    // a nearby extent reuses the same width and size (so the kernel spectrum is reused)
    expect(planGrid(Float64Array.from([0, 0, 1.01, 1]), 2)).toMatchObject({ boxWidth: small.boxWidth, size: small.size });
    const capped = planGrid(Float64Array.from([0, 0, 1000, 0]), 2);
    expect(capped.boxes).toBeLessThanOrEqual(FFT_GRID_DEFAULTS.maxIntervals);
    expect(capped.boxes * capped.boxWidth).toBeGreaterThanOrEqual(1000);
  });
});
