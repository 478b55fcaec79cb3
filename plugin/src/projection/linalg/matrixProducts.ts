/**
 * Small dense helpers of the PCA. (The products with the tall input X are kernels run by the
 * thread pool: see productKernels.ts.)
 */

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
