import { InvalidInputError } from './errors';

/**
 * A dense row-major matrix of `rows × cols` numbers. High-dimensional embeddings are kept in a
 * Float32Array (a 50,000 × 2048 pool is 400 MB that way, twice that in Float64); derived
 * low-dimensional data uses Float64Array.
 */
export interface DenseMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float32Array | Float64Array;
}

/** 2-D coordinates of N points, interleaved as x0, y0, x1, y1, … (length 2N). */
export type Points2D = Float64Array;

/** Builds a DenseMatrix from row arrays, rejecting ragged rows and non-finite values. */
export function matrixFromRows(rowsIn: ReadonlyArray<ArrayLike<number>>, what = 'matrix'): DenseMatrix {
  const rows = rowsIn.length;
  if (rows === 0) throw new InvalidInputError('empty-input', `${what} has no rows`);
  const cols = rowsIn[0]!.length;
  if (cols === 0) throw new InvalidInputError('empty-input', `${what} has rows of length 0`);
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const row = rowsIn[i]!;
    if (row.length !== cols) {
      throw new InvalidInputError('ragged-rows', `${what}: row ${i} has ${row.length} values, expected ${cols}`);
    }
    for (let j = 0; j < cols; j++) data[i * cols + j] = row[j]!;
  }
  assertFinite({ rows, cols, data }, what);
  return { rows, cols, data };
}

/** Throws InvalidInputError('not-finite') naming the first NaN or ±Infinity found. */
export function assertFinite(matrix: DenseMatrix, what = 'matrix', ids?: readonly string[]): void {
  const { data, cols } = matrix;
  for (let k = 0; k < data.length; k++) {
    if (!Number.isFinite(data[k]!)) {
      const row = Math.floor(k / cols);
      const where = ids ? `row "${ids[row]}"` : `row ${row}`;
      throw new InvalidInputError('not-finite', `${what}: ${where}, column ${k % cols} is ${data[k]} (every value must be a finite number)`);
    }
  }
}

/** Squared Euclidean distance between row i of `a` and row j of `b` (same number of columns). */
export function squaredDistance(a: DenseMatrix, i: number, b: DenseMatrix, j: number): number {
  const d = a.cols;
  const ad = a.data;
  const bd = b.data;
  let s = 0;
  const oa = i * d;
  const ob = j * d;
  for (let c = 0; c < d; c++) {
    const t = ad[oa + c]! - bd[ob + c]!;
    s += t * t;
  }
  return s;
}
