import { conditionalAffinities, searchRow, symmetrize } from './affinities';

describe('perplexity search', () => {
  it('gives rows summing to 1 with entropy log(perplexity)', () => {
    const dist = Float64Array.from([0.5, 1, 2, 3, 5, 8, 13, 21, 34, 55]);
    for (const perplexity of [2, 3.5, 7]) {
      const p = new Float64Array(10);
      const h = searchRow(dist, 0, 10, perplexity, p);
      expect(Math.abs(p.reduce((s, v) => s + v, 0) - 1)).toBeLessThan(1e-12);
      const entropy = -p.reduce((s, v) => s + (v > 0 ? v * Math.log(v) : 0), 0);
      expect(Math.abs(entropy - Math.log(perplexity))).toBeLessThan(1e-5);
      expect(Math.abs(h - entropy)).toBeLessThan(1e-9);
    }
  });

  it('is uniform for equal distances and finite for huge or zero distances', () => {
    const p = conditionalAffinities(Float64Array.from([4, 4, 4, 0, 0, 0, 1e300, 1e300, 2e300]), 3, 3, 2);
    expect(Array.from(p.subarray(0, 6))).toEqual([1 / 3, 1 / 3, 1 / 3, 1 / 3, 1 / 3, 1 / 3]);
    expect(p.every(Number.isFinite)).toBe(true);
  });

  it('symmetrizes to (P + Pᵀ)/2n summing to 1', () => {
    // 3 points, k = 1: 0→1, 1→0, 2→1.
    const sym = symmetrize(Int32Array.from([1, 0, 1]), Float64Array.from([1, 1, 1]), 3, 1);
    const dense = new Float64Array(9);
    for (let i = 0; i < 3; i++) for (let e = sym.rowPtr[i]!; e < sym.rowPtr[i + 1]!; e++) dense[i * 3 + sym.cols[e]!]! += sym.values[e]!;
    expect(Array.from(dense)).toEqual([0, 2 / 6, 0, 2 / 6, 0, 1 / 6, 0, 1 / 6, 0]);
  });
});
