import { InvalidInputError } from '../../core/errors';
import { defaultThreads } from '../kernelPool';

/** Options of {@link tsne}; every field is optional. */
export interface TsneOptions {
  /** Effective number of neighbours (default 30); clamped to max(1, (N−1)/3) for small N. */
  perplexity?: number;
  /** Total gradient-descent iterations, including the exaggeration phase (default 750). */
  iterations?: number;
  /** Iterations of the early-exaggeration phase (default 250). */
  exaggerationIterations?: number;
  /** Factor applied to P during the early-exaggeration phase (default 12). */
  earlyExaggeration?: number;
  /** Step size, or 'auto' (default) = max(N / earlyExaggeration, 50), as openTSNE / scikit-learn. */
  learningRate?: number | 'auto';
  /** Barnes–Hut opening angle (default 0.5; 0 = exact O(N²) repulsion); unused by 'fft'. */
  theta?: number;
  /**
   * Repulsive forces: 'barnes-hut' (quadtree, O(N log N) per iteration), 'fft' (FIt-SNE's
   * interpolation on a grid, O(N) + FFTs) or 'auto' (default): 'fft' from
   * {@link FFT_REPULSION_THRESHOLD} points up, 'barnes-hut' below.
   */
  repulsion?: 'barnes-hut' | 'fft' | 'auto';
  /** Reduce to this many dimensions by PCA first when the input has more columns (default 50). */
  pcaComponents?: number;
  /** Neighbour search: 'exact', 'approximate' or 'auto' (default; exact up to 10,000 points). */
  neighbors?: 'exact' | 'approximate' | 'auto';
  /** Threads including the main one (default min(2, available cores)); does not change results. */
  threads?: number;
  /** Aborting it makes {@link tsne} reject with CancelledError. */
  signal?: AbortSignal;
}

/** Options with defaults applied and N-dependent values resolved. */
export interface ResolvedTsneOptions {
  readonly perplexity: number;
  readonly iterations: number;
  readonly exaggerationIterations: number;
  readonly earlyExaggeration: number;
  readonly learningRate: number;
  readonly theta: number;
  readonly repulsion: 'barnes-hut' | 'fft';
  readonly pcaComponents: number;
  readonly neighbors: 'exact' | 'approximate' | 'auto';
  readonly threads: number;
  readonly signal?: AbortSignal;
}

/**
 * Smallest N for which repulsion 'auto' picks 'fft'. Below it Barnes–Hut is as fast or faster:
 * the FFT grid has a fixed cost (at least 50 × 50 boxes) whatever N is. Measured in
 * docs/projection.md.
 */
export const FFT_REPULSION_THRESHOLD = 5000;

function invalid(message: string): InvalidInputError {
  return new InvalidInputError('invalid-option', `tsne: ${message}`);
}

function positiveNumber(name: string, value: number | undefined, fallback: number, min = 0, inclusive = false): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || (inclusive ? v < min : v <= min)) {
    throw invalid(`${name} must be a finite number ${inclusive ? '≥' : '>'} ${min}, got ${String(v)}`);
  }
  return v;
}

function integer(name: string, value: number | undefined, fallback: number, min: number): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw invalid(`${name} must be an integer ≥ ${min}, got ${String(v)}`);
  return v;
}

/** Validates `options` (InvalidInputError 'invalid-option' naming the field) and fills defaults. */
export function resolveTsneOptions(options: TsneOptions, n: number): ResolvedTsneOptions {
  if (options === null || typeof options !== 'object') throw invalid('options must be an object');
  const perplexity = positiveNumber('perplexity', options.perplexity, 30);
  const iterations = integer('iterations', options.iterations, 750, 1);
  const exaggerationIterations = integer('exaggerationIterations', options.exaggerationIterations, Math.min(250, iterations), 0);
  if (exaggerationIterations > iterations) throw invalid(`exaggerationIterations (${exaggerationIterations}) must not exceed iterations (${iterations})`);
  const earlyExaggeration = positiveNumber('earlyExaggeration', options.earlyExaggeration, 12, 1, true);
  const lr = options.learningRate ?? 'auto';
  const learningRate = lr === 'auto' ? Math.max(n / earlyExaggeration, 50) : positiveNumber('learningRate', lr, 0);
  const theta = positiveNumber('theta', options.theta, 0.5, 0, true);
  const repulsionOption = options.repulsion ?? 'auto';
  if (repulsionOption !== 'barnes-hut' && repulsionOption !== 'fft' && repulsionOption !== 'auto') {
    throw invalid(`repulsion must be 'barnes-hut', 'fft' or 'auto', got ${String(repulsionOption)}`);
  }
  const repulsion = repulsionOption === 'auto' ? (n >= FFT_REPULSION_THRESHOLD ? 'fft' : 'barnes-hut') : repulsionOption;
  const pcaComponents = integer('pcaComponents', options.pcaComponents, 50, 2);
  const neighbors = options.neighbors ?? 'auto';
  if (neighbors !== 'exact' && neighbors !== 'approximate' && neighbors !== 'auto') {
    throw invalid(`neighbors must be 'exact', 'approximate' or 'auto', got ${String(neighbors)}`);
  }
  const threads = integer('threads', options.threads, defaultThreads(), 1);
  if (threads > 64) throw invalid(`threads must be at most 64, got ${threads}`);
  const resolved = {
    perplexity: Math.min(perplexity, Math.max(1, (n - 1) / 3)),
    iterations, exaggerationIterations, earlyExaggeration, learningRate, theta, repulsion, pcaComponents, neighbors, threads,
  };
  return options.signal ? { ...resolved, signal: options.signal } : resolved;
}
