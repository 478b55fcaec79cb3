import { InvalidInputError } from '../core/errors';
import type { DenseMatrix } from '../core/matrix';
import type { Rng } from '../random/rng';
import { defaultThreads, KernelPool, sharedFloat64, sharedInt32 } from './kernelPool';
import { orthonormalizeRows } from './linalg/matrixProducts';
import { PCA_KERNELS } from './linalg/productKernels';
import { symmetricEigen } from './linalg/symmetricEigen';

/** Result of {@link pca}. */
export interface PcaResult {
  /** Projections of the centred rows, rows×k row-major. */
  readonly scores: Float64Array;
  /** Unit principal axes, k×cols row-major, largest variance first. */
  readonly components: Float64Array;
  /** Variance along each axis (eigenvalue / (rows − 1), as scikit-learn; 0 when rows = 1). */
  readonly explainedVariance: Float64Array;
  /** Column means that were subtracted. */
  readonly mean: Float64Array;
}

/** Tuning knobs of {@link pca}; the defaults suit embeddings. */
export interface PcaOptions {
  /** 'auto' (default): exact for small inputs, randomized SVD otherwise. */
  method?: 'auto' | 'exact' | 'randomized';
  /** Extra random directions for the randomized SVD (default 10, Halko et al.). */
  oversampling?: number;
  /** Power iterations of the randomized SVD (default 2: enough for the leading components of embeddings). */
  powerIterations?: number;
  /** Threads for the products (default: up to 2 for inputs above a million values, else 1). Ignored with `pool`. */
  threads?: number;
  /** An existing pool with {@link PCA_KERNELS} registered (lets t-SNE reuse its workers). */
  pool?: KernelPool;
}

/** Inputs with more values than this use worker threads by default. */
const PARALLEL_MIN_VALUES = 1_000_000;

/** Below this min(rows, cols) the exact eigen-decomposition is cheap enough to always use. */
const EXACT_LIMIT = 128;

/**
 * Principal component analysis of `input` to `nComponents` dimensions.
 *
 * Small problems (min(rows, cols) ≤ 128, or when k + oversampling reaches min(rows, cols)) are
 * solved exactly from the covariance or Gram matrix. Larger ones use a seeded randomized SVD
 * (Halko, Martinsson & Tropp 2011): a Gaussian test matrix with `oversampling` extra columns,
 * `powerIterations` rounds of re-orthonormalised power iteration, then an exact eigen-solve of
 * the small projected problem. Centring is implicit (the mean is subtracted inside the products)
 * so a large Float32 input is never copied.
 *
 * Signs are made deterministic like scikit-learn's `svd_flip`, but decided on the components:
 * the largest-|value| entry of every component is positive. Directions with zero variance (rank
 * deficiency) come back as zero components with zero scores.
 */
export async function pca(input: DenseMatrix, nComponents: number, rng: Rng, options: PcaOptions = {}): Promise<PcaResult> {
  const { rows: n, cols: d } = input;
  if (!Number.isInteger(nComponents) || nComponents < 1 || nComponents > Math.min(n, d)) {
    throw new InvalidInputError('invalid-option', `pca: nComponents must be an integer in [1, min(rows, cols) = ${Math.min(n, d)}], got ${nComponents}`);
  }
  const oversampling = options.oversampling ?? 10;
  const powerIterations = options.powerIterations ?? 2;
  if (!Number.isInteger(oversampling) || oversampling < 0) throw new InvalidInputError('invalid-option', `pca: oversampling must be a non-negative integer, got ${oversampling}`);
  if (!Number.isInteger(powerIterations) || powerIterations < 0) throw new InvalidInputError('invalid-option', `pca: powerIterations must be a non-negative integer, got ${powerIterations}`);
  const mean = columnMeans(input);
  const small = Math.min(n, d);
  const method = options.method ?? 'auto';
  const exact = method === 'exact' || (method === 'auto' && (small <= EXACT_LIMIT || nComponents + oversampling >= small));
  if (exact && d <= n) return finish(exactFromCovariance(input, mean, nComponents), mean, n, d, nComponents);
  const pool = options.pool ?? new KernelPool(options.threads ?? (n * d > PARALLEL_MIN_VALUES ? defaultThreads() : 1), PCA_KERNELS);
  try {
    const products = new Products(pool, input);
    const result = exact
      ? await exactFromGram(products, mean, nComponents)
      : await randomized(products, mean, nComponents, Math.min(nComponents + oversampling, small), powerIterations, rng);
    return finish(result, mean, n, d, nComponents);
  } finally {
    if (!options.pool) await pool.close();
  }
}

function finish(result: RawPca, mean: Float64Array, n: number, d: number, nComponents: number): PcaResult {  flipSigns(result.components, result.scores, n, d, nComponents);
  const explainedVariance = result.eigenvalues.map((v) => (n > 1 ? Math.max(v, 0) / (n - 1) : 0));
  return { scores: result.scores, components: result.components, explainedVariance, mean };
}

interface RawPca {
  scores: Float64Array;
  components: Float64Array;
  eigenvalues: Float64Array;
}

function columnMeans(input: DenseMatrix): Float64Array {
  const { rows: n, cols: d, data } = input;
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) mean[c] = mean[c]! + data[i * d + c]!;
  for (let c = 0; c < d; c++) mean[c] = mean[c]! / n;
  return mean;
}

function centredRow(input: DenseMatrix, mean: Float64Array, i: number, out: Float64Array): void {
  const d = input.cols;
  for (let c = 0; c < d; c++) out[c] = input.data[i * d + c]! - mean[c]!;
}

/** cols ≤ rows: eigen-decompose the cols×cols scatter matrix XcᵀXc. */
function exactFromCovariance(input: DenseMatrix, mean: Float64Array, k: number): RawPca {
  const { rows: n, cols: d } = input;
  const scatter = new Float64Array(d * d);
  const row = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    centredRow(input, mean, i, row);
    for (let a = 0; a < d; a++) {
      const ra = row[a]!;
      if (ra === 0) continue;
      for (let b = a; b < d; b++) scatter[a * d + b] = scatter[a * d + b]! + ra * row[b]!;
    }
  }
  for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) scatter[a * d + b] = scatter[b * d + a]!;
  const eig = symmetricEigen(scatter, d);
  const components = eig.vectors.slice(0, k * d);
  const scores = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    centredRow(input, mean, i, row);
    for (let j = 0; j < k; j++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += row[c]! * components[j * d + c]!;
      scores[i * k + j] = s;
    }
  }
  return { scores, components, eigenvalues: eig.values.slice(0, k) };
}

/** rows < cols: eigen-decompose the rows×rows Gram matrix XcXcᵀ, then map back to axes. */
async function exactFromGram(products: Products, mean: Float64Array, k: number): Promise<RawPca> {
  const { n, d } = products;
  // Xc·Xcᵀ = X·Xcᵀ − 1·(μᵀXcᵀ): the centred rows as the "W" operand of the product.
  const xc = new Float64Array(n * d);
  const x = products.input.data;
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) xc[i * d + c] = x[i * d + c]! - mean[c]!;
  const gram = await centredRowProducts(products, xc, n, mean);
  for (let a = 0; a < n; a++) for (let b = a + 1; b < n; b++) gram[b * n + a] = gram[a * n + b] = (gram[a * n + b]! + gram[b * n + a]!) / 2;
  const eig = symmetricEigen(gram, n);
  const uk = eig.vectors.slice(0, k * n);
  return axesFromLeftVectors(uk, eig.values, n, k, await centredTransposeProducts(products, uk, k, mean), d);
}

/**
 * Given k left singular vectors u_j (rows of `uk`, length m) with eigenvalues λ_j = s_j² and the
 * unnormalised axes `numer` (k×d, v_j·s_j), returns the unit axes v_j and the scores s_j·u_j.
 */
function axesFromLeftVectors(uk: Float64Array, values: Float64Array, m: number, k: number, numer: Float64Array, d: number): RawPca {
  const components = numer;
  const scores = new Float64Array(m * k);
  const tiny = Math.max(values[0]!, 0) * 1e-24;
  for (let j = 0; j < k; j++) {
    const lambda = values[j]!;
    const s = lambda > tiny && lambda > 0 ? Math.sqrt(lambda) : 0;
    for (let c = 0; c < d; c++) components[j * d + c] = s > 0 ? components[j * d + c]! / s : 0;
    for (let i = 0; i < m; i++) scores[i * k + j] = s * uk[j * m + i]!;
  }
  return { scores, components, eigenvalues: values.slice(0, k) };
}

/** Seeded randomized SVD of the implicitly centred input (Halko et al., Algorithm 4.4). */
async function randomized(products: Products, mean: Float64Array, k: number, l: number, powerIterations: number, rng: Rng): Promise<RawPca> {
  const { n, d } = products;
  const omega = new Float64Array(l * d);
  for (let t = 0; t < omega.length; t++) omega[t] = rng.nextGaussian();
  // Q (l×n, rows orthonormal) spans the range of Xc·Ω.
  let q = await centredRowProducts(products, omega, l, mean);
  orthonormalizeRows(q, l, n);
  for (let it = 0; it < powerIterations; it++) {
    const z = await centredTransposeProducts(products, q, l, mean);
    orthonormalizeRows(z, l, d);
    q = await centredRowProducts(products, z, l, mean);
    orthonormalizeRows(q, l, n);
  }
  // B = Qᵀ·Xc (l×d); its SVD B = U_B S Vᵀ gives Xc ≈ (Q U_B) S Vᵀ.
  const b = await centredTransposeProducts(products, q, l, mean);
  const bbt = new Float64Array(l * l);
  for (let a = 0; a < l; a++) {
    for (let c = a; c < l; c++) {
      let s = 0;
      for (let t = 0; t < d; t++) s += b[a * d + t]! * b[c * d + t]!;
      bbt[a * l + c] = s;
      bbt[c * l + a] = s;
    }
  }
  const eig = symmetricEigen(bbt, l);
  // Left vectors of Xc in the original space: rows of U_Bᵀ·Q (k×n).
  const left = new Float64Array(k * n);
  for (let j = 0; j < k; j++) {
    for (let m = 0; m < l; m++) {
      const w = eig.vectors[j * l + m]!;
      if (w === 0) continue;
      for (let i = 0; i < n; i++) left[j * n + i] = left[j * n + i]! + w * q[m * n + i]!;
    }
  }
  // v_j·s_j = Bᵀ u_B,j; axesFromLeftVectors divides by s_j.
  const numer = new Float64Array(k * d);
  for (let j = 0; j < k; j++) {
    for (let m = 0; m < l; m++) {
      const w = eig.vectors[j * l + m]!;
      for (let t = 0; t < d; t++) numer[j * d + t] = numer[j * d + t]! + w * b[m * d + t]!;
    }
  }
  return axesFromLeftVectors(left, eig.values, n, k, numer, d);
}

/**
 * The two products of X with small dense matrices, run by the pool's kernels (see
 * linalg/productKernels.ts). X is copied once into shared memory, keeping its Float32 type.
 */
class Products {
  readonly n: number;
  readonly d: number;
  private readonly shared: SharedArrayBuffer;
  private readonly f32: number;

  constructor(private readonly pool: KernelPool, readonly input: DenseMatrix) {
    this.n = input.rows;
    this.d = input.cols;
    this.f32 = input.data instanceof Float32Array ? 1 : 0;
    this.shared = new SharedArrayBuffer(Math.max(1, input.data.byteLength));
    (this.f32 ? new Float32Array(this.shared) : new Float64Array(this.shared)).set(input.data);
  }

  /** W (l×d) · Xᵀ → l×n. */
  async rowsT(w: Float64Array, l: number): Promise<Float64Array> {
    const out = sharedFloat64(l * this.n);
    await this.pool.run({ kernel: 'pcaRowsT', counter: sharedInt32(1).buffer as SharedArrayBuffer, n: this.n, d: this.d, l, chunk: 64, f32: this.f32, x: this.shared, w: toShared(w), out: out.buffer as SharedArrayBuffer });
    return Float64Array.from(out);
  }

  /** Q (l×n) · X → l×d. */
  async transposeInto(q: Float64Array, l: number): Promise<Float64Array> {
    const out = sharedFloat64(l * this.d);
    await this.pool.run({ kernel: 'pcaTransposeInto', counter: sharedInt32(1).buffer as SharedArrayBuffer, n: this.n, d: this.d, l, chunk: 128, f32: this.f32, x: this.shared, q: toShared(q), out: out.buffer as SharedArrayBuffer });
    return Float64Array.from(out);
  }
}

function toShared(a: Float64Array): SharedArrayBuffer {
  const s = sharedFloat64(a.length);
  s.set(a);
  return s.buffer as SharedArrayBuffer;
}

/** (W·Xcᵀ) with Xc = X − 1μᵀ: subtract ⟨μ, w_j⟩ from row j. */
async function centredRowProducts(products: Products, w: Float64Array, l: number, mean: Float64Array): Promise<Float64Array> {
  const { n, d } = products;
  const out = await products.rowsT(w, l);
  for (let j = 0; j < l; j++) {
    let shift = 0;
    for (let c = 0; c < d; c++) shift += mean[c]! * w[j * d + c]!;
    for (let i = 0; i < n; i++) out[j * n + i] = out[j * n + i]! - shift;
  }
  return out;
}

/** (Q·Xc) with Xc = X − 1μᵀ: subtract (Σ_i Q[j][i])·μ from row j. */
async function centredTransposeProducts(products: Products, q: Float64Array, l: number, mean: Float64Array): Promise<Float64Array> {
  const { n, d } = products;
  const out = await products.transposeInto(q, l);
  for (let j = 0; j < l; j++) {
    let total = 0;
    for (let i = 0; i < n; i++) total += q[j * n + i]!;
    for (let c = 0; c < d; c++) out[j * d + c] = out[j * d + c]! - total * mean[c]!;
  }
  return out;
}

/** svd_flip on the components: largest-|value| entry positive; scores follow. */
function flipSigns(components: Float64Array, scores: Float64Array, n: number, d: number, k: number): void {
  for (let j = 0; j < k; j++) {
    let best = 0;
    for (let c = 1; c < d; c++) if (Math.abs(components[j * d + c]!) > Math.abs(components[j * d + best]!)) best = c;
    if (components[j * d + best]! >= 0) continue;
    for (let c = 0; c < d; c++) components[j * d + c] = -components[j * d + c]!;
    for (let i = 0; i < n; i++) scores[i * k + j] = -scores[i * k + j]!;
  }
}
