import { createRng } from '../../random/rng';
import { buildRpForest } from './rpForest';

function gaussian(n: number, d: number, seed: number): Float64Array {
  const rng = createRng(seed);
  return Float64Array.from({ length: n * d }, () => rng.nextGaussian());
}

describe('buildRpForest', () => {
  it.each([
    [1000, 31],
    [997, 31],
    [64, 63],
    [130, 65],
  ])('n = %i, leafSize = %i: each tree is a permutation cut into leaves of more than (leafSize − 1)/2 rows', (n, leafSize) => {
    const d = 5;
    const forest = buildRpForest(gaussian(n, d, 1), n, d, 3, leafSize, createRng(2));
    expect(forest.treeLeaves.length).toBe(4);
    for (let t = 0; t < 3; t++) {
      const rows = Array.from(forest.items.subarray(t * n, (t + 1) * n)).sort((a, b) => a - b);
      expect(rows).toEqual(Array.from({ length: n }, (_, i) => i));
      expect(forest.leafStart[forest.treeLeaves[t]!]).toBe(t * n);
      for (let leaf = forest.treeLeaves[t]!; leaf < forest.treeLeaves[t + 1]!; leaf++) {
        const size = forest.leafStart[leaf + 1]! - forest.leafStart[leaf]!;
        expect(size).toBeLessThanOrEqual(leafSize);
        expect(2 * size).toBeGreaterThan(leafSize - 1); // so leafSize = 2k + 1 gives leaves of ≥ k + 1 rows
        expect(size).toBeLessThanOrEqual(forest.maxLeafSize);
      }
    }
    expect(forest.leafStart[forest.treeLeaves[3]!]).toBe(3 * n);
  });

  it('is deterministic for a seed and handles identical rows', () => {
    const n = 300;
    const d = 4;
    const same = new Float64Array(n * d).fill(2.5);
    const a = buildRpForest(same, n, d, 2, 21, createRng(9));
    const b = buildRpForest(same, n, d, 2, 21, createRng(9));
    expect(Array.from(a.items)).toEqual(Array.from(b.items));
    expect(Array.from(a.leafStart)).toEqual(Array.from(b.leafStart));
    expect(a.maxLeafSize).toBeLessThanOrEqual(21);
    expect(a.treeLeaves[1]).toBeGreaterThan(1);
  });
});
