import { createRng } from '../random/rng';
import { pca } from './pca';
import fixture from './__fixtures__/pca.json';

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) expect(Math.abs(actual[i]! - expected[i]!)).toBeLessThanOrEqual(tol);
}

describe('pca', () => {
  it('solves a 3-point example by hand', async () => {
    // Points (0,0), (2,0), (4,0) + y offsets: mean (2, 1); all variance along x.
    const input = { rows: 3, cols: 2, data: Float64Array.from([0, 1, 2, 1, 4, 1]) };
    const r = await pca(input, 1, createRng(1));
    expectClose(r.mean, [2, 1], 1e-15);
    expectClose(r.components, [1, 0], 1e-15);
    expectClose(r.scores, [-2, 0, 2], 1e-14);
    expectClose(r.explainedVariance, [4], 1e-14); // (4 + 0 + 4) / (3 − 1)
  });

  it('matches scikit-learn PCA (svd_solver=full) on the fixture', async () => {
    const input = { rows: fixture.rows, cols: fixture.cols, data: Float64Array.from(fixture.data) };
    const r = await pca(input, fixture.nComponents, createRng(7));
    expectClose(r.mean, fixture.mean, 1e-12);
    expectClose(r.explainedVariance, fixture.explainedVariance, 1e-10);
    expectClose(r.components, fixture.components, 1e-9);
    expectClose(r.scores, fixture.scores, 1e-9);
  });

  it('randomized SVD agrees with the exact solution on a low-rank-plus-noise matrix', async () => {
    const rng = createRng(3);
    const n = 400, d = 300, rank = 6;
    const a = Array.from({ length: n * rank }, () => rng.nextGaussian());
    const b = Array.from({ length: rank * d }, () => rng.nextGaussian());
    const data = new Float32Array(n * d);
    for (let i = 0; i < n; i++) {
      for (let c = 0; c < d; c++) {
        let s = 0.05 * rng.nextGaussian() + 3;
        for (let r = 0; r < rank; r++) s += a[i * rank + r]! * b[r * d + c]! * (rank - r);
        data[i * d + c] = s;
      }
    }
    const input = { rows: n, cols: d, data };
    const exact = await pca(input, 4, createRng(1), { method: 'exact' });
    const approx = await pca(input, 4, createRng(1), { method: 'randomized' });
    for (let j = 0; j < 4; j++) expect(Math.abs(approx.explainedVariance[j]! / exact.explainedVariance[j]! - 1)).toBeLessThan(1e-6);
    expectClose(approx.components, exact.components, 1e-4); // same sign convention, so same vectors
    const again = await pca(input, 4, createRng(1), { method: 'randomized' });
    expect(Buffer.from(again.scores.buffer).equals(Buffer.from(approx.scores.buffer))).toBe(true);
  });

  it('gives bit-identical results on 1 and 2 threads', async () => {
    const rng = createRng(4);
    const data = Float32Array.from({ length: 300 * 200 }, () => rng.nextGaussian());
    const input = { rows: 300, cols: 200, data };
    const one = await pca(input, 5, createRng(2), { method: 'randomized', threads: 1 });
    const two = await pca(input, 5, createRng(2), { method: 'randomized', threads: 2 });
    expect(Buffer.from(two.scores.buffer).equals(Buffer.from(one.scores.buffer))).toBe(true);
    expect(Buffer.from(two.components.buffer).equals(Buffer.from(one.components.buffer))).toBe(true);
  });

  it('handles a constant input and rejects bad nComponents', async () => {
    const input = { rows: 4, cols: 3, data: new Float64Array(12).fill(2) };
    const r = await pca(input, 2, createRng(1));
    expect(Array.from(r.scores).every((v) => v === 0 || Object.is(v, -0))).toBe(true);
    expect(Array.from(r.explainedVariance)).toEqual([0, 0]);
    await expect(pca(input, 4, createRng(1))).rejects.toThrow(expect.objectContaining({ code: 'invalid-option' }));
    await expect(pca(input, 0, createRng(1))).rejects.toThrow(expect.objectContaining({ code: 'invalid-option' }));
  });
});
