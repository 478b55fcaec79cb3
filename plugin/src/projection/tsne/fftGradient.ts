import { bufferOf, type KernelPool, sharedFloat64, sharedInt32 } from '../kernelPool';
import type { SparseAffinities } from './affinities';
import { fftLength } from './fft';
import { FFT_GRADIENT_KERNEL } from './fftGradientKernel';
import { FFT_COLUMNS_INVERSE_KERNEL, FFT_COLUMNS_KERNEL, FFT_ROWS_KERNEL, FFT_SPREAD_KERNEL } from './fftGridKernels';
import { FFT_KERNEL_COLUMNS_KERNEL, FFT_KERNEL_ROWS_KERNEL } from './fftKernelSpectrum';
import type { GradientField } from './gradientField';
import { bounds2d } from './bounds';

/** The kernels {@link FftGradient} runs; register them in the pool. */
export const FFT_KERNELS: Readonly<Record<string, string>> = {
  fftKernelColumns: FFT_KERNEL_COLUMNS_KERNEL,
  fftKernelRows: FFT_KERNEL_ROWS_KERNEL,
  fftSpread: FFT_SPREAD_KERNEL,
  fftColumns: FFT_COLUMNS_KERNEL,
  fftRows: FFT_ROWS_KERNEL,
  fftColumnsInverse: FFT_COLUMNS_INVERSE_KERNEL,
  fftGradient: FFT_GRADIENT_KERNEL,
};

/** Grid resolution of the interpolation (FIt-SNE's names in brackets). */
export interface FftGridSettings {
  /** Fewest boxes per axis [min_num_intervals]. */
  readonly minIntervals: number;
  /** Widest box, in embedding units [1 / intervals_per_integer]: the kernel varies on a scale of 1. */
  readonly boxWidth: number;
  /** Most boxes per axis (a 2^a·3^b·5^c number): caps the cost when the map gets very wide, at some accuracy. */
  readonly maxIntervals: number;
}

/** Defaults: 3 nodes per box of width ≤ 1 and at least 10 boxes, as openTSNE (FIt-SNE: at least 50); see docs/projection.md. */
export const FFT_GRID_DEFAULTS: FftGridSettings = { minIntervals: 10, boxWidth: 1, maxIntervals: 250 };

/** Columns per transform panel: a panel of M × 16 complex values stays in the L2 cache. */
const PANEL = 32;
/** Points per claimed chunk of the per-point phase. */
const CHUNK = 256;

/** The grid of one iteration: `boxes` × `boxes` square boxes of side `boxWidth` from (lo, lo). */
export interface GridPlan {
  readonly lo: number;
  readonly boxWidth: number;
  readonly boxes: number;
  /** Interpolation nodes per axis (3 per box). */
  readonly nodes: number;
  /** FFT length per axis: 2·nodes (circulant embedding of the Toeplitz kernel matrix). */
  readonly size: number;
  /** Grid centre: the origin of the charges' coordinates. */
  readonly cx: number;
  readonly cy: number;
}

/** Box widths are taken from the ladder boxWidth · 2^(k/8), k integer, so the kernel spectrum can be reused. */
const LADDER_STEPS_PER_OCTAVE = 8;

/**
 * The boxes cover the square [lo, lo + boxes·boxWidth]² over the points' bounding box. The box
 * width is the widest step of the ladder boxWidth·2^(k/8) that gives at least `minIntervals`
 * boxes and is at most `settings.boxWidth` — or the narrowest that needs at most `maxIntervals`
 * boxes when that is wider. The number of boxes is ⌈extent / width⌉ rounded up to 2^a·3^b·5^c
 * (so the FFT length 6·boxes needs no further padding). While the map's extent stays within one
 * step and one rounding, the plan's size and spacing, hence the kernel spectrum, do not change.
 */
export function planGrid(y: Float64Array, n: number, settings: FftGridSettings = FFT_GRID_DEFAULTS): GridPlan {
  const { minX, minY, maxX, maxY } = bounds2d(y, n);
  const lo = Math.min(minX, minY);
  const extent = Math.max(Math.max(maxX, maxY) - lo, 1e-12 * (1 + Math.abs(lo)));
  const steps = LADDER_STEPS_PER_OCTAVE;
  const ladder = (k: number): number => settings.boxWidth * 2 ** (k / steps);
  // The widest ladder width ≤ min(boxWidth, extent / minIntervals) (the loops undo rounding) …
  const target = Math.min(settings.boxWidth, extent / settings.minIntervals);
  let k = Math.floor(steps * Math.log2(target / settings.boxWidth));
  while (ladder(k + 1) <= target) k++;
  while (ladder(k) > target) k--;
  // … unless that needs more than maxIntervals boxes: then the narrowest width that fits.
  if (extent / ladder(k) > settings.maxIntervals) {
    k = Math.ceil(steps * Math.log2(extent / (settings.maxIntervals * settings.boxWidth)));
    while (extent / ladder(k - 1) <= settings.maxIntervals) k--;
    while (extent / ladder(k) > settings.maxIntervals) k++;
  }
  const boxWidth = ladder(k);
  const boxes = Math.min(settings.maxIntervals, fftLength(Math.max(1, Math.ceil(extent / boxWidth))));
  const nodes = 3 * boxes;
  const centre = lo + boxes * boxWidth / 2;
  return { lo, boxWidth, boxes, nodes, size: 2 * nodes, cx: centre, cy: centre };
}

/**
 * Repulsion by FFT-accelerated interpolation (Linderman et al. 2019, "Fast interpolation-based
 * t-SNE", FIt-SNE; as openTSNE's `estimate_negative_gradient_fft_2d`), plus the sparse attraction.
 *
 * Per call: plan the grid (above); sort the points by box row (counting sort, index order within a
 * row); recompute the kernel's spectrum if the grid's size or spacing changed
 * (fftKernelSpectrum.ts); run the grid phases of fftGridKernels.ts (spread the charges 1, x, y to
 * 3×3 Lagrange nodes per box → 2-D FFT convolution with K = 1/(1 + d²)² on the node grid, zero
 * padded → potentials at the nodes), then the per-point phase (fftGradientKernel.ts) that
 * interpolates the potentials back and recovers the repulsion and Z exactly from them.
 * O(N + M² log M) per iteration, M = 6·boxes; the interpolation error falls as (box width)³.
 */
export class FftGradient implements GradientField {
  private readonly n: number;
  private readonly boxRow: Int32Array;
  private readonly order: Int32Array;
  private rowStart = sharedInt32(1);
  private grids: Float64Array[] = [];
  private kernelColumns: Float64Array[] = [];
  private spectrum = sharedFloat64(1);
  /** Size and spacing the spectrum was computed for. */
  private spectrumKey = '';
  private readonly counter = bufferOf(sharedInt32(1));
  private readonly pointTask: Readonly<Record<string, SharedArrayBuffer | number | string>>;
  /** The plan of the last {@link compute} (for diagnostics). */
  lastPlan: GridPlan | null = null;

  /** @param y embedding (interleaved, shared memory), read at every {@link compute}; @param out 5 numbers per point (shared). */
  constructor(private readonly y: Float64Array, p: SparseAffinities, private readonly out: Float64Array, private readonly settings: FftGridSettings = FFT_GRID_DEFAULTS) {
    this.n = p.n;
    this.boxRow = sharedInt32(p.n);
    this.order = sharedInt32(p.n);
    this.pointTask = { rowPtr: bufferOf(p.rowPtr), cols: bufferOf(p.cols), vals: bufferOf(p.values) };
  }

  async compute(pool: KernelPool): Promise<void> {
    const plan = planGrid(this.y, this.n, this.settings);
    this.lastPlan = plan;
    this.sortByBoxRow(plan);
    this.reserve(plan);
    const [ar, ai, br, bi] = this.grids.map(bufferOf) as [SharedArrayBuffer, SharedArrayBuffer, SharedArrayBuffer, SharedArrayBuffer];
    const [kr, ki] = this.kernelColumns.map(bufferOf) as [SharedArrayBuffer, SharedArrayBuffer];
    const grid = {
      counter: this.counter, n: plan.nodes, m: plan.size, boxes: plan.boxes, lo: plan.lo, w: plan.boxWidth,
      h: plan.boxWidth / 3, cx: plan.cx, cy: plan.cy, panel: PANEL, ar, ai, br, bi, kr, ki, spectrum: bufferOf(this.spectrum),
    };
    const key = `${plan.size}:${plan.boxWidth}`;
    if (key !== this.spectrumKey) {
      await pool.run({ ...grid, kernel: 'fftKernelColumns' });
      await pool.run({ ...grid, kernel: 'fftKernelRows' });
      this.spectrumKey = key;
    }
    const points = { y: bufferOf(this.y), boxRow: bufferOf(this.boxRow) };
    await pool.run({ ...grid, ...points, kernel: 'fftSpread', order: bufferOf(this.order), rowStart: bufferOf(this.rowStart) });
    await pool.run({ ...grid, kernel: 'fftColumns' });
    await pool.run({ ...grid, kernel: 'fftRows' });
    await pool.run({ ...grid, kernel: 'fftColumnsInverse' });
    await pool.run({ ...grid, ...points, ...this.pointTask, kernel: 'fftGradient', n: this.n, chunk: CHUNK, out: bufferOf(this.out) });
  }

  /** boxRow[i] = the point's box along x; order = points grouped by box row, index order within. */
  private sortByBoxRow(plan: GridPlan): void {
    const { n, y, boxRow, order } = this;
    if (this.rowStart.length < plan.boxes + 1) this.rowStart = sharedInt32(plan.boxes + 1);
    const start = this.rowStart;
    start.fill(0, 0, plan.boxes + 1);
    for (let i = 0; i < n; i++) {
      let b = Math.floor((y[2 * i]! - plan.lo) / plan.boxWidth);
      if (b > plan.boxes - 1) b = plan.boxes - 1;
      if (b < 0) b = 0;
      boxRow[i] = b;
      start[b + 1]!++;
    }
    for (let b = 0; b < plan.boxes; b++) start[b + 1]! += start[b]!;
    const next = Int32Array.from(start.subarray(0, plan.boxes));
    for (let i = 0; i < n; i++) order[next[boxRow[i]!]!++] = i;
  }

  /** Grows the shared grids when M does (with room for M to grow by 25 %, so a growing map does not reallocate every iteration). */
  private reserve(plan: GridPlan): void {
    const gridSize = plan.size * plan.size;
    if (this.grids.length === 0 || this.grids[0]!.length < gridSize) {
      const capacity = Math.ceil(gridSize * 1.25 * 1.25);
      this.grids = [0, 1, 2, 3].map(() => sharedFloat64(capacity));
    }
    if (this.spectrum.length < gridSize) {
      this.spectrum = sharedFloat64(Math.ceil(gridSize * 1.25 * 1.25));
      this.spectrumKey = '';
    }
    const columnsSize = plan.size * plan.nodes;
    if (this.kernelColumns.length === 0 || this.kernelColumns[0]!.length < columnsSize) {
      const capacity = Math.ceil(columnsSize * 1.25 * 1.25);
      this.kernelColumns = [0, 1].map(() => sharedFloat64(capacity));
    }
  }
}
