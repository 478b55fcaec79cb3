import { CancelledError, InvalidInputError } from '../core/errors';
import { assertFinite, type DenseMatrix, type Points2D } from '../core/matrix';
import { reportProgress, type ProgressCallback } from '../core/progress';
import type { Rng } from '../random/rng';
import { KernelPool, sharedFloat64 } from './kernelPool';
import { NEIGHBOR_KERNELS, nearestNeighbors } from './nearestNeighbors';
import { PCA_KERNELS } from './linalg/productKernels';
import { pca } from './pca';
import { conditionalAffinities, symmetrize } from './tsne/affinities';
import { FFT_KERNELS } from './tsne/fftGradient';
import { GRADIENT_KERNEL } from './tsne/gradientKernel';
import { optimizeEmbedding } from './tsne/optimizer';
import { resolveTsneOptions, type TsneOptions } from './tsne/tsneOptions';

export type { TsneOptions } from './tsne/tsneOptions';

/** Standard deviation of the first initial coordinate (openTSNE's PCA initialisation). */
const INIT_STD = 1e-4;
/** Seeded jitter added to the initialisation, relative to INIT_STD (see {@link tsne}). */
const INIT_JITTER = 1e-2;

/**
 * t-SNE of the rows of `input` into 2-D.
 *
 * Pipeline: PCA to `pcaComponents` dimensions when the input is wider → k = min(N−1, ⌊3·perplexity⌋)
 * nearest neighbours → per-point σ search to the perplexity → sparse symmetric P = (P + Pᵀ)/2N →
 * initialisation from the first two principal components scaled to std 1e-4, plus a seeded jitter
 * of 1% of that scale (it separates identical rows and makes the seed matter even when PCA and
 * neighbours are exact) → gradient descent (early exaggeration, momentum, gains; repulsion by a
 * Barnes–Hut quadtree or by FFT-accelerated interpolation, `options.repulsion`; see optimizer.ts).
 * Work is split over `threads` threads (main + workers); the output is bit-identical for the same
 * input, options and seed, whatever the thread count.
 *
 * Edge cases: N = 1 gives the origin; identical rows (including a constant input) get no NaN — a
 * constant input, which has no structure to show, gives all points at the origin. Perplexity is
 * clamped to max(1, (N−1)/3) for small N.
 *
 * @throws InvalidInputError 'empty-input' | 'not-finite' | 'invalid-option'
 * @throws CancelledError when `options.signal` is aborted
 */
export async function tsne(input: DenseMatrix, options: TsneOptions, rng: Rng, onProgress?: ProgressCallback): Promise<Points2D> {
  validateInput(input);
  const opts = resolveTsneOptions(options, input.rows);
  const n = input.rows;
  // Fork in a fixed order so each stage's stream does not depend on which stages run.
  const pcaRng = rng.fork();
  const neighborRng = rng.fork();
  const initRng = rng.fork();
  checkAborted(opts.signal);
  if (n === 1) return new Float64Array(2);
  const pool = new KernelPool(opts.threads, { ...NEIGHBOR_KERNELS, ...PCA_KERNELS, ...FFT_KERNELS, gradient: GRADIENT_KERNEL });
  try {
    reportProgress(onProgress, 'tsne:pca', 0);
    const reduced = await reduceDimensions(input, opts.pcaComponents, pcaRng, pool);
    reportProgress(onProgress, 'tsne:pca', 1);
    checkAborted(opts.signal);
    const y = await initialEmbedding(reduced, pcaRng, initRng, pool);
    if (y === null) return new Float64Array(2 * n); // constant input
    const k = Math.min(n - 1, Math.max(1, Math.floor(3 * opts.perplexity)));
    reportProgress(onProgress, 'tsne:neighbors', 0, `k=${k}`);
    const graph = await nearestNeighbors(reduced.matrix, k, neighborRng, { method: opts.neighbors, pool });
    reportProgress(onProgress, 'tsne:neighbors', 1, `k=${k}`);
    checkAborted(opts.signal);
    reportProgress(onProgress, 'tsne:affinities', 0);
    const p = symmetrize(graph.indices, conditionalAffinities(graph.distances, n, k, opts.perplexity), n, k);
    reportProgress(onProgress, 'tsne:affinities', 1);
    await optimizeEmbedding(y, p, pool, { ...opts, onProgress });
    return Float64Array.from(y);
  } finally {
    await pool.close();
  }
}

function validateInput(input: DenseMatrix): void {
  if (input.rows < 1 || input.cols < 1) throw new InvalidInputError('empty-input', `tsne: input is ${input.rows}×${input.cols}`);
  if (input.data.length !== input.rows * input.cols) {
    throw new InvalidInputError('invalid-option', `tsne: data has ${input.data.length} values, expected rows×cols = ${input.rows * input.cols}`);
  }
  assertFinite(input, 'tsne input');
}

function checkAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError('t-SNE cancelled');
}

interface Reduced {
  readonly matrix: DenseMatrix;
  /** Leading principal-component scores when PCA ran (columns ordered by variance), else null. */
  readonly isPca: boolean;
}

/** PCA to `components` dimensions when the input is wider; otherwise a Float64 copy. */
async function reduceDimensions(input: DenseMatrix, components: number, rng: Rng, pool: KernelPool): Promise<Reduced> {
  const { rows, cols } = input;
  if (cols > components && rows > 1) {
    const m = Math.min(components, rows);
    return { matrix: { rows, cols: m, data: (await pca(input, m, rng, { pool })).scores }, isPca: true };
  }
  return { matrix: { rows, cols, data: Float64Array.from(input.data) }, isPca: false };
}

/**
 * First two principal components scaled so the first has std 1e-4, plus seeded jitter; null
 * when the input has zero variance. Shared memory: the gradient kernel reads it.
 */
async function initialEmbedding(reduced: Reduced, pcaRng: Rng, initRng: Rng, pool: KernelPool): Promise<Float64Array | null> {
  const { rows: n, cols } = reduced.matrix;
  let scores: Float64Array;
  let k: number;
  if (reduced.isPca) {
    scores = reduced.matrix.data as Float64Array;
    k = cols;
  } else {
    k = Math.min(2, n, cols);
    scores = (await pca(reduced.matrix, k, pcaRng, { pool })).scores;
  }
  const y = sharedFloat64(2 * n);
  for (let i = 0; i < n; i++) {
    y[2 * i] = scores[i * k]!;
    y[2 * i + 1] = k > 1 ? scores[i * k + 1]! : 0;
  }
  let sum = 0;
  for (let i = 0; i < n; i++) sum += y[2 * i]!;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (y[2 * i]! - sum / n) ** 2;
  const std = Math.sqrt(ss / n);
  if (!(std > 1e-150)) return null; // PC1 carries all variance, so zero variance there = constant input
  const scale = INIT_STD / std;
  for (let t = 0; t < 2 * n; t++) y[t] = y[t]! * scale + INIT_STD * INIT_JITTER * initRng.nextGaussian();
  return y;
}
