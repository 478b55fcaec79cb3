import { createRng } from '@scanselect/plugin';
import { stratifiedSample } from './stratifiedSample';

/** Three well-separated blobs of 30, 20 and 10 points (in that order), seeded. */
function blobs(): { xy: Float64Array; blobOf: number[] } {
  const rng = createRng(7);
  const centres = [[0, 0], [40, 0], [0, 40]];
  const sizes = [30, 20, 10];
  const xy: number[] = [];
  const blobOf: number[] = [];
  sizes.forEach((n, b) => {
    for (let i = 0; i < n; i++) {
      xy.push(centres[b]![0]! + rng.nextGaussian(), centres[b]![1]! + rng.nextGaussian());
      blobOf.push(b);
    }
  });
  return { xy: Float64Array.from(xy), blobOf };
}

describe('stratifiedSample', () => {
  const { xy, blobOf } = blobs();
  const all = (): boolean => true;

  it('finds the clusters and allocates in proportion to their size, largest remainder', () => {
    const sample = stratifiedSample({ xy, eligible: all, count: 6, seed: 42 });
    expect(sample.strata).toBe(3);
    expect(sample.sizes).toEqual([30, 20, 10]);
    expect(sample.allocated).toEqual([3, 2, 1]);
    // Each stratum is one blob: the picks of stratum s all lie in the blob of size sizes[s].
    const picked = sample.picks.map((p) => [p.stratum, blobOf[p.index]]);
    expect(new Set(picked.map(([s, b]) => `${s}:${b}`))).toEqual(new Set(['0:0', '1:1', '2:2']));
    // Round-robin order: any prefix is spread over the strata.
    expect(sample.picks.slice(0, 3).map((p) => p.stratum)).toEqual([0, 1, 2]);
    expect(new Set(sample.picks.map((p) => p.index)).size).toBe(6);
    const odd = stratifiedSample({ xy, eligible: all, count: 7, seed: 42 });
    expect(odd.allocated).toEqual([4, 2, 1]); // 3.5, 2.33, 1.17: the largest remainder goes to the first
  });

  it('is deterministic for a seed and draws at random inside a stratum', () => {
    const a = stratifiedSample({ xy, eligible: all, count: 6, seed: 42 });
    const b = stratifiedSample({ xy, eligible: all, count: 6, seed: 42 });
    expect(b.picks).toEqual(a.picks);
    const others = [1, 2, 3, 4].map((seed) => stratifiedSample({ xy, eligible: all, count: 6, seed }).picks.map((p) => p.index).join());
    expect(new Set([a.picks.map((p) => p.index).join(), ...others]).size).toBeGreaterThan(1);
  });

  it('never draws an ineligible point, and gives a full stratum\'s share to the others', () => {
    // The small blob (points 50–59) is all taken but its last point; half the middle one too.
    const taken = new Set(blobOf.flatMap((b, i) => ((b === 2 && i < 59) || (b === 1 && i % 2 === 0) ? [i] : [])));
    const sample = stratifiedSample({ xy, eligible: (i) => !taken.has(i), count: 12, seed: 42 });
    expect(sample.picks.some((p) => taken.has(p.index))).toBe(false);
    // 6, 4, 2 by size; the small blob holds 1, its other share goes by size to the others (6.6, 4.4).
    expect(sample.allocated).toEqual([7, 4, 1]);
    expect(sample.picks.filter((p) => p.stratum === 2).map((p) => p.index)).toEqual([59]);
  });

  it('uses one stratum when there is nothing to cluster', () => {
    expect(stratifiedSample({ xy, eligible: all, count: 1, seed: 42 })).toMatchObject({ strata: 1, sizes: [60], allocated: [1] });
    const same = new Float64Array(20).fill(3);
    const sample = stratifiedSample({ xy: same, eligible: all, count: 4, seed: 42 });
    expect(sample).toMatchObject({ strata: 1, allocated: [4] });
  });
});
