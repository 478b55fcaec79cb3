import { InvalidInputError } from '../core/errors';
import type { EmbeddedPool } from '../selection/pipeline';
import type { Rng } from '../random/rng';

/** Options of {@link clusteredEmbeddings}. */
export interface ClusteredEmbeddingsOptions {
  /** Number of images. */
  readonly n: number;
  /** Embedding dimension. */
  readonly dimensions: number;
  /** Number of clusters (modes of the pool). */
  readonly clusters: number;
  /** Cluster sizes fall off as 1/(c+1)^skew (0: equal sizes). Default 0.7. */
  readonly skew?: number;
  /** Distance scale between cluster centres relative to the within-cluster spread. Default 4. */
  readonly separation?: number;
  /** Prefix of the generated ids. Default `img`. */
  readonly idPrefix?: string;
}

/** A synthetic pool with its ground truth. */
export interface ClusteredEmbeddings extends EmbeddedPool {
  /** True cluster of each row. */
  readonly truth: Int32Array;
  /** Distance of each row to its cluster centre divided by the spread (an "atypicality"). */
  readonly atypicality: Float64Array;
}

/**
 * Synthetic embeddings with cluster structure, for tests, the demo and benchmarks: Gaussian
 * clusters of unequal size around random centres, non-negative like the output of a ReLU
 * encoder's pooling layer. Not a stand-in for real images; a way to exercise the engine at any N.
 */
export function clusteredEmbeddings(options: ClusteredEmbeddingsOptions, rng: Rng): ClusteredEmbeddings {
  const { n, dimensions: d, clusters: k } = options;
  if (!Number.isInteger(n) || n < 1 || !Number.isInteger(d) || d < 1 || !Number.isInteger(k) || k < 1) {
    throw new InvalidInputError('invalid-option', `synthetic embeddings need positive integers n, dimensions, clusters; got ${n}, ${d}, ${k}`);
  }
  const skew = options.skew ?? 0.7;
  const separation = options.separation ?? 4;
  const prefix = options.idPrefix ?? 'img';
  const weights = Array.from({ length: k }, (_, c) => 1 / Math.pow(c + 1, skew));
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  const centres = new Float64Array(k * d);
  // Centre coordinates ~ N(0, separation²/2) per dimension, so that two centres are about
  // separation · √d apart while a member is about √d from its centre: the ratio is `separation`.
  const centreScale = separation / Math.sqrt(2);
  for (let j = 0; j < k * d; j++) centres[j] = rng.nextGaussian() * centreScale;
  const data = new Float32Array(n * d);
  const truth = new Int32Array(n);
  const atypicality = new Float64Array(n);
  const ids: string[] = [];
  const width = String(n).length;
  for (let i = 0; i < n; i++) {
    const c = drawCluster(weights, totalWeight, rng);
    truth[i] = c;
    let dist2 = 0;
    for (let j = 0; j < d; j++) {
      const e = rng.nextGaussian(); // unit spread per dimension
      dist2 += e * e;
      // Shift by a constant and clamp at 0: non-negative features as after ReLU + pooling.
      data[i * d + j] = Math.max(0, 3 * centreScale + centres[c * d + j]! + e);
    }
    atypicality[i] = Math.sqrt(dist2 / d);
    ids.push(`${prefix}-${String(i + 1).padStart(width, '0')}`);
  }
  return { ids, embeddings: { rows: n, cols: d, data }, truth, atypicality };
}

function drawCluster(weights: readonly number[], total: number, rng: Rng): number {
  let target = rng.nextFloat() * total;
  for (let c = 0; c < weights.length; c++) {
    target -= weights[c]!;
    if (target < 0) return c;
  }
  return weights.length - 1;
}
