import { CancelledError } from '../../core/errors';
import { reportProgress, type ProgressCallback } from '../../core/progress';
import { type KernelPool, sharedFloat64 } from '../kernelPool';
import type { SparseAffinities } from './affinities';
import { BarnesHutGradient } from './barnesHutGradient';
import { FftGradient } from './fftGradient';
import type { GradientField } from './gradientField';

/** Parameters of {@link optimizeEmbedding} (already validated and resolved). */
export interface OptimizerParams {
  readonly iterations: number;
  readonly exaggerationIterations: number;
  readonly earlyExaggeration: number;
  readonly learningRate: number;
  readonly theta: number;
  /** Repulsion method (already resolved from 'auto'). */
  readonly repulsion: 'barnes-hut' | 'fft';
  readonly signal?: AbortSignal;
  readonly onProgress?: ProgressCallback;
}

const MIN_GAIN = 0.01;

/**
 * Gradient descent on the t-SNE objective, in place on `y` (interleaved, on shared memory).
 *
 * The gradient of KL(P‖Q) is used without the constant factor 4 (as openTSNE), so learning rates
 * are 4× those of the textbook form. Momentum is 0.5 during the early-exaggeration phase and 0.8
 * after; per-coordinate gains follow delta-bar-delta (+0.2 when the step changes sign, ×0.8
 * otherwise, at least 0.01); gains and the update are reset when the phase changes, as both
 * scikit-learn and openTSNE do. The embedding is re-centred after every step. The repulsion is
 * Barnes–Hut (barnesHutGradient.ts) or FFT interpolation (fftGradient.ts); both write the same
 * per-point sums, so the step is shared.
 */
export async function optimizeEmbedding(y: Float64Array, p: SparseAffinities, pool: KernelPool, params: OptimizerParams): Promise<void> {
  const n = p.n;
  const out = sharedFloat64(5 * n);
  const field: GradientField = params.repulsion === 'fft' ? new FftGradient(y, p, out) : new BarnesHutGradient(y, p, out, params.theta);
  const update = new Float64Array(2 * n);
  const gains = new Float64Array(2 * n);
  for (let iter = 0; iter < params.iterations; iter++) {
    if (params.signal?.aborted) throw new CancelledError('t-SNE cancelled');
    const exaggerating = iter < params.exaggerationIterations;
    if (iter === 0 || iter === params.exaggerationIterations) {
      update.fill(0);
      gains.fill(1);
    }
    await field.compute(pool);
    if (pool.threads === 1 && iter % 25 === 24) await yieldToEventLoop(); // lets an abort arrive
    step(y, out, update, gains, n, exaggerating ? params.earlyExaggeration : 1, exaggerating ? 0.5 : 0.8, params.learningRate);
    if (iter % 10 === 9 || iter === params.iterations - 1) {
      reportProgress(params.onProgress, 'tsne:optimize', (iter + 1) / params.iterations, `iteration ${iter + 1}/${params.iterations}`);
    }
  }
}

/** One momentum + gains step from the kernel's per-point sums, then re-centring. */
function step(y: Float64Array, out: Float64Array, update: Float64Array, gains: Float64Array, n: number, exaggeration: number, momentum: number, learningRate: number): void {
  let z = 0;
  for (let i = 0; i < n; i++) z += out[5 * i + 2]!; // index order: independent of threads
  const invZ = z > 0 ? 1 / z : 0;
  let meanX = 0;
  let meanY = 0;
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 2; c++) {
      const t = 2 * i + c;
      const grad = exaggeration * out[5 * i + 3 + c]! - out[5 * i + c]! * invZ;
      const u = update[t]!;
      let g = (u * grad < 0) ? gains[t]! + 0.2 : gains[t]! * 0.8;
      if (g < MIN_GAIN) g = MIN_GAIN;
      gains[t] = g;
      const nu = momentum * u - learningRate * g * grad;
      update[t] = nu;
      y[t] = y[t]! + nu;
    }
    meanX += y[2 * i]!;
    meanY += y[2 * i + 1]!;
  }
  meanX /= n;
  meanY /= n;
  for (let i = 0; i < n; i++) {
    y[2 * i] = y[2 * i]! - meanX;
    y[2 * i + 1] = y[2 * i + 1]! - meanY;
  }
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
