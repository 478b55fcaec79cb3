import { matrixFromRows } from '../core/matrix';
import { createRng } from '../random/rng';
import { candidateKs, chooseBestK, renumberBySize, sweepK } from './kSweep';
import fixture from './__fixtures__/clustering.json';

const points = matrixFromRows(fixture.points);

describe('k sweep (eq. 1)', () => {
  it('builds 𝒦 = {kMin … min(kMax, B, N − 1)}', () => {
    expect(candidateKs(100, 10)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(candidateKs(100, 50)).toHaveLength(14);
    expect(candidateKs(4, 50)).toEqual([2, 3]);
    expect(candidateKs(100, 1)).toEqual([]);
    expect(candidateKs(2, 5)).toEqual([]);
    expect(() => candidateKs(100, 10, 1)).toThrow(/k-min/);
    expect(() => candidateKs(100, 10, 5, 4)).toThrow(/k-max/);
  });

  it('picks the k that scikit-learn\'s silhouette prefers, with matching scores', () => {
    const result = sweepK(points, { budget: 8, kMax: 8 }, createRng(42));
    const bestRef = fixture.sweep.reduce((a, b) => (b.silhouette > a.silhouette ? b : a));
    expect(result.chosen?.k).toBe(bestRef.k);
    for (const ref of fixture.sweep) {
      const ours = result.entries.find((e) => e.k === ref.k)!;
      if (Math.abs(ours.inertia - ref.inertia) < 1e-6 * ref.inertia) expect(ours.silhouette).toBeCloseTo(ref.silhouette, 10);
    }
  });

  it('breaks ties towards the smaller k and skips NaN scores', () => {
    const e = (k: number, silhouette: number) => ({ k, silhouette, inertia: 0 });
    expect(chooseBestK([e(2, 0.5), e(3, 0.7), e(4, 0.7)])).toBe(1);
    expect(chooseBestK([e(2, NaN), e(3, 0.1)])).toBe(1);
    expect(chooseBestK([e(2, NaN)])).toBe(-1);
  });

  it('numbers clusters by size, largest first', () => {
    const c = renumberBySize(Int32Array.from([5, 2, 2, 5, 2, 9]));
    expect(Array.from(c.labels)).toEqual([1, 0, 0, 1, 0, 2]);
    expect(c.members.map((m) => Array.from(m))).toEqual([[1, 2, 4], [0, 3], [5]]);
  });
});
