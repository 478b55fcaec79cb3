import { sharedFloat64, sharedInt32 } from '../kernelPool';

/** A sparse symmetric affinity matrix in CSR form, on shared memory (the gradient kernel reads it). */
export interface SparseAffinities {
  readonly n: number;
  /** Row i's entries are [rowPtr[i], rowPtr[i + 1]). */
  readonly rowPtr: Int32Array;
  readonly cols: Int32Array;
  readonly values: Float64Array;
}

/** Entropy tolerance of the σ search (nats), as scikit-learn's `_binary_search_perplexity`. */
const ENTROPY_TOLERANCE = 1e-5;
const MAX_STEPS = 100;

/**
 * Finds the Gaussian precision β = 1/(2σ²) for which the conditional distribution
 * p_j ∝ exp(−β·d_j) over one point's k neighbours (d_j squared distances, `dist[offset …]`) has
 * entropy log(perplexity), by bisection on β (doubling/halving while unbounded). Distances are
 * shifted by their minimum first: that leaves p unchanged but keeps exp from underflowing to 0
 * for far or tightly packed points, so every row sums to 1 without NaN. Writes p into
 * `out[offset …]` and returns the entropy reached (in nats).
 */
export function searchRow(dist: Float64Array, offset: number, k: number, perplexity: number, out: Float64Array): number {
  const target = Math.log(perplexity);
  let dmin = Infinity;
  let dmeanShift = 0;
  for (let t = 0; t < k; t++) dmin = Math.min(dmin, dist[offset + t]!);
  for (let t = 0; t < k; t++) dmeanShift += dist[offset + t]! - dmin;
  dmeanShift /= k;
  let beta = dmeanShift > 0 ? 1 / dmeanShift : 1;
  let lo = 0;
  let hi = Infinity;
  let entropy = 0;
  for (let step = 0; step < MAX_STEPS; step++) {
    let sum = 0;
    let weighted = 0;
    for (let t = 0; t < k; t++) {
      const shifted = dist[offset + t]! - dmin;
      const p = Math.exp(-beta * shifted);
      out[offset + t] = p;
      sum += p;
      weighted += shifted * p;
    }
    entropy = Math.log(sum) + (beta * weighted) / sum;
    for (let t = 0; t < k; t++) out[offset + t] = out[offset + t]! / sum;
    const diff = entropy - target;
    if (Math.abs(diff) <= ENTROPY_TOLERANCE) break;
    if (diff > 0) {
      lo = beta;
      beta = hi === Infinity ? beta * 2 : (beta + hi) / 2;
    } else {
      hi = beta;
      beta = (beta + lo) / 2;
    }
  }
  return entropy;
}

/** Conditional affinities p_{j|i} for every row of a kNN graph (n×k squared distances). */
export function conditionalAffinities(distances: Float64Array, n: number, k: number, perplexity: number): Float64Array {
  const out = new Float64Array(n * k);
  for (let i = 0; i < n; i++) searchRow(distances, i * k, k, perplexity, out);
  return out;
}

/**
 * Symmetric joint affinities P = (P_cond + P_condᵀ) / 2n as CSR. Entries of a row appear in a
 * deterministic order: the point's own neighbours first (nearest first), then the points that
 * have it as a neighbour (in index order); a pair present both ways is merged into one entry.
 * The values sum to 1.
 */
export function symmetrize(indices: Int32Array, conditional: Float64Array, n: number, k: number): SparseAffinities {
  // Upper bound of each row's length: its k neighbours plus its in-degree.
  const bound = new Int32Array(n + 1);
  for (let e = 0; e < n * k; e++) bound[indices[e]! + 1]!++;
  for (let i = 0; i < n; i++) bound[i + 1] = bound[i + 1]! + bound[i]! + k;
  const tmpCols = new Int32Array(bound[n]!);
  const tmpVals = new Float64Array(bound[n]!);
  const fill = new Int32Array(n);
  const slotOf = new Int32Array(n).fill(-1); // slotOf[j]: where j sits in the row being built
  const add = (i: number, j: number, v: number): void => {
    const s = slotOf[j]!;
    if (s >= bound[i]! && s < bound[i]! + fill[i]! && tmpCols[s] === j) {
      tmpVals[s] = tmpVals[s]! + v;
      return;
    }
    const at = bound[i]! + fill[i]!;
    tmpCols[at] = j;
    tmpVals[at] = v;
    slotOf[j] = at;
    fill[i]!++;
  };
  // Row by row would need the transpose first; instead gather incoming entries per target row.
  const incomingPtr = new Int32Array(n + 1);
  for (let e = 0; e < n * k; e++) incomingPtr[indices[e]! + 1]!++;
  for (let i = 0; i < n; i++) incomingPtr[i + 1] = incomingPtr[i + 1]! + incomingPtr[i]!;
  const incomingFrom = new Int32Array(n * k);
  const incomingVal = new Float64Array(n * k);
  const cursor = incomingPtr.slice(0, n);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < k; t++) {
      const j = indices[i * k + t]!;
      const at = cursor[j]!++;
      incomingFrom[at] = i;
      incomingVal[at] = conditional[i * k + t]!;
    }
  }
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < k; t++) add(i, indices[i * k + t]!, conditional[i * k + t]!);
    for (let e = incomingPtr[i]!; e < incomingPtr[i + 1]!; e++) add(i, incomingFrom[e]!, incomingVal[e]!);
  }
  const rowPtr = sharedInt32(n + 1);
  for (let i = 0; i < n; i++) rowPtr[i + 1] = rowPtr[i]! + fill[i]!;
  const cols = sharedInt32(rowPtr[n]!);
  const values = sharedFloat64(rowPtr[n]!);
  const scale = 1 / (2 * n);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < fill[i]!; t++) {
      cols[rowPtr[i]! + t] = tmpCols[bound[i]! + t]!;
      values[rowPtr[i]! + t] = tmpVals[bound[i]! + t]! * scale;
    }
  }
  return { n, rowPtr, cols, values };
}
