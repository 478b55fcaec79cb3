/**
 * Cache-friendly dense products used by PCA. Matrices are row-major typed arrays; the "tall"
 * operand X (n×d, the embeddings) is only ever streamed row by row, which is what keeps a
 * 10,000×2048 Float32 input fast without copying it to Float64.
 */

type Numeric = Float32Array | Float64Array;

/**
 * out (l×n) = W (l×d) · Xᵀ, i.e. out[j][i] = ⟨X row i, W row j⟩. Four rows of X are processed
 * together so each loaded W entry feeds four multiply-adds.
 */
export function multiplyByRowsTransposed(x: Numeric, n: number, d: number, w: Float64Array, l: number): Float64Array {
  const out = new Float64Array(l * n);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o0 = i * d;
    const o1 = o0 + d;
    const o2 = o1 + d;
    const o3 = o2 + d;
    for (let j = 0; j < l; j++) {
      const ow = j * d;
      let s0 = 0;
      let s1 = 0;
      let s2 = 0;
      let s3 = 0;
      for (let c = 0; c < d; c++) {
        const wc = w[ow + c]!;
        s0 += x[o0 + c]! * wc;
        s1 += x[o1 + c]! * wc;
        s2 += x[o2 + c]! * wc;
        s3 += x[o3 + c]! * wc;
      }
      const oo = j * n + i;
      out[oo] = s0;
      out[oo + 1] = s1;
      out[oo + 2] = s2;
      out[oo + 3] = s3;
    }
  }
  for (; i < n; i++) {
    for (let j = 0; j < l; j++) {
      let s = 0;
      for (let c = 0; c < d; c++) s += x[i * d + c]! * w[j * d + c]!;
      out[j * n + i] = s;
    }
  }
  return out;
}

/**
 * out (l×d) = Q (l×n) · X, i.e. out[j] = Σ_i Q[j][i] · (X row i). Accumulates four rows of X
 * at a time into each output row, so every load/store of the output does four multiply-adds.
 */
export function multiplyTransposeInto(x: Numeric, n: number, d: number, q: Float64Array, l: number): Float64Array {
  const out = new Float64Array(l * d);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o0 = i * d;
    const o1 = o0 + d;
    const o2 = o1 + d;
    const o3 = o2 + d;
    for (let j = 0; j < l; j++) {
      const q0 = q[j * n + i]!;
      const q1 = q[j * n + i + 1]!;
      const q2 = q[j * n + i + 2]!;
      const q3 = q[j * n + i + 3]!;
      const oo = j * d;
      for (let c = 0; c < d; c++) {
        out[oo + c] = out[oo + c]! + q0 * x[o0 + c]! + q1 * x[o1 + c]! + q2 * x[o2 + c]! + q3 * x[o3 + c]!;
      }
    }
  }
  for (; i < n; i++) {
    for (let j = 0; j < l; j++) {
      const qi = q[j * n + i]!;
      for (let c = 0; c < d; c++) out[j * d + c] = out[j * d + c]! + qi * x[i * d + c]!;
    }
  }
  return out;
}

/**
 * Orthonormalises the l rows (each of length n) of `m` in place by modified Gram–Schmidt,
 * applied twice ("twice is enough", Giraud et al.) for orthogonality to machine precision.
 * A row that becomes numerically zero is left as zeros (a rank-deficient direction).
 */
export function orthonormalizeRows(m: Float64Array, l: number, n: number): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let j = 0; j < l; j++) {
      const oj = j * n;
      for (let p = 0; p < j; p++) {
        const op = p * n;
        let r = 0;
        for (let i = 0; i < n; i++) r += m[op + i]! * m[oj + i]!;
        for (let i = 0; i < n; i++) m[oj + i] = m[oj + i]! - r * m[op + i]!;
      }
      let norm = 0;
      for (let i = 0; i < n; i++) norm += m[oj + i]! * m[oj + i]!;
      norm = Math.sqrt(norm);
      const scale = norm > 1e-300 ? 1 / norm : 0;
      for (let i = 0; i < n; i++) m[oj + i] = m[oj + i]! * scale;
    }
  }
}
