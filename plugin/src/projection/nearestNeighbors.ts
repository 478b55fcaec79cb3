import { InvalidInputError } from '../core/errors';
import type { DenseMatrix } from '../core/matrix';
import type { Rng } from '../random/rng';
import { bufferOf, defaultThreads, KernelPool, sharedFloat64, sharedInt32 } from './kernelPool';
import { APPROXIMATE_NEIGHBOR_KERNELS, approximateNeighbors, type ApproximateNeighborsOptions } from './neighbors/approximateNeighbors';
import { EXACT_KNN_KERNEL } from './neighbors/exactKnnKernel';

/** k nearest neighbours of every row, excluding the row itself. */
export interface NeighborGraph {
  /** n×k row-major neighbour indices, nearest first (ties: lower index first). */
  readonly indices: Int32Array;
  /** n×k **squared** Euclidean distances matching `indices`. */
  readonly distances: Float64Array;
}

/** Options of {@link nearestNeighbors}. */
export interface NearestNeighborsOptions {
  /**
   * 'exact', 'approximate' (random-projection forest + neighbour-of-neighbour refinement) or
   * 'auto' (default: exact up to {@link EXACT_NEIGHBORS_LIMIT} rows).
   */
  method?: 'exact' | 'approximate' | 'auto';
  /** Threads for the search (default min(2, available cores)). Ignored when `pool` is given. */
  threads?: number;
  /** An existing pool that has {@link NEIGHBOR_KERNELS} registered (lets t-SNE reuse its workers). */
  pool?: KernelPool;
  /** Tuning of the approximate method. */
  approximate?: ApproximateNeighborsOptions;
}

/**
 * Above this many rows 'auto' switches to the approximate method. Exact is O(n²·d); at d = 50,
 * k = 90 on 2 threads the approximate search becomes faster from about 7,500 (clustered rows) to
 * 10,000 rows (uniform random rows), so exact is kept up to the latter.
 */
export const EXACT_NEIGHBORS_LIMIT = 10000;

/** The kernels this module registers in a {@link KernelPool}. */
export const NEIGHBOR_KERNELS: Readonly<Record<string, string>> = { knn: EXACT_KNN_KERNEL, ...APPROXIMATE_NEIGHBOR_KERNELS };

/**
 * k nearest neighbours (Euclidean; self excluded, duplicates included at distance 0).
 *
 * The exact method is a blocked brute force; the approximate one (neighbors/approximateNeighbors.ts)
 * is seeded by `rng`. Both run on the pool's threads, are deterministic and give the same result
 * for any thread count. `rng` is not consumed by the exact method.
 */
export async function nearestNeighbors(input: DenseMatrix, k: number, rng: Rng, options: NearestNeighborsOptions = {}): Promise<NeighborGraph> {
  const { rows: n, cols: d } = input;
  if (!Number.isInteger(k) || k < 1 || k > n - 1) {
    throw new InvalidInputError('invalid-option', `nearestNeighbors: k must be an integer in [1, rows − 1 = ${n - 1}], got ${k}`);
  }
  const method = options.method ?? 'auto';
  if (method !== 'exact' && method !== 'approximate' && method !== 'auto') {
    throw new InvalidInputError('invalid-option', `nearestNeighbors: method must be 'exact', 'approximate' or 'auto', got ${String(method)}`);
  }
  const x = sharedFloat64(n * d);
  x.set(input.data);
  const approximate = method === 'approximate' || (method === 'auto' && n > EXACT_NEIGHBORS_LIMIT);
  const pool = options.pool ?? new KernelPool(options.threads ?? defaultThreads(), NEIGHBOR_KERNELS);
  try {
    return approximate ? await approximateNeighbors(pool, x, n, d, k, rng, options.approximate) : await exactNeighbors(pool, x, n, d, k);
  } finally {
    if (!options.pool) await pool.close();
  }
}

async function exactNeighbors(pool: KernelPool, x: Float64Array, n: number, d: number, k: number): Promise<NeighborGraph> {
  const norms = sharedFloat64(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < d; c++) s += x[i * d + c]! * x[i * d + c]!;
    norms[i] = s;
  }
  const indices = sharedInt32(n * k);
  const distances = sharedFloat64(n * k);
  await pool.run({
    kernel: 'knn', counter: bufferOf(sharedInt32(1)), n, d, k, chunk: 64,
    x: bufferOf(x), norms: bufferOf(norms), outIdx: bufferOf(indices), outDist: bufferOf(distances),
  });
  // Copy out of shared memory so callers get ordinary arrays.
  return { indices: Int32Array.from(indices), distances: Float64Array.from(distances) };
}
