import { matrixFromRows } from '../core/matrix';
import { acquire } from './acquisition';

// Row 0 is labelled; rows 1–4 are candidates with entropies 1, 0.6, 0.2, 0 (so ℋ̃ equals them).
const map = matrixFromRows([[0, 0], [1, 0], [4, 0], [0, 3], [4, 3]]);
const entropy = [NaN, 1, 0.6, 0.2, 0];
const run = (alpha: number, count = 3) => acquire({ map, labelled: [0], entropy }, { count, alpha, epsilon: 0 });

describe('acquire (eqs. 7–10)', () => {
  it('matches a hand computation with α = 0.3', () => {
    const { selected } = run(0.3);
    // Pick 1: highest entropy, row 1. D = 1, D_max over {1,2,3,4} = |2−3| = 5 → D̃ = 0.2.
    expect(selected[0]).toMatchObject({ index: 1, rank: 1, reason: 'entropy', entropyNormalised: 1 });
    expect(selected[0]!.diversity).toBeCloseTo(0.2, 12);
    expect(selected[0]!.score).toBeCloseTo(0.3 * 0.2 + 0.7 * 1, 12);
    // Pick 2: D_max still 5; S(2) = .3·3/5 + .7·.6 = .60, S(3) = .3·3/5 + .7·.2 = .32, S(4) = .3·√18/5 = .2546.
    expect(selected[1]).toMatchObject({ index: 2, rank: 2, reason: 'score' });
    expect(selected[1]!.score).toBeCloseTo(0.6, 12);
    // Pick 3: row 2 realised D_max, so it is recomputed over {3, 4}: 4. S(3) = .3·3/4 + .7·.2 = .365.
    expect(selected[2]!.index).toBe(3);
    expect(selected[2]!.diversity).toBeCloseTo(0.75, 12);
    expect(selected[2]!.score).toBeCloseTo(0.365, 12);
  });

  it('is pure entropy at α = 0', () => {
    expect(run(0, 4).selected.map((s) => s.index)).toEqual([1, 2, 3, 4]);
  });

  it('is pure diversity after the first pick at α = 1, ties to the first in the input', () => {
    // After row 1: D̃(4) = √18/5 beats 3/5 for rows 2 and 3; then rows 2 and 3 tie at 3/5 → row 2.
    expect(run(1, 3).selected.map((s) => s.index)).toEqual([1, 4, 2]);
  });

  it('breaks entropy ties towards the first candidate', () => {
    const flat = acquire({ map, labelled: [], entropy: [0.5, 0.5, 0.5, 0.5, 0.5] }, { count: 1 });
    expect(flat.selected[0]!.index).toBe(0);
    expect(flat.selected[0]!.diversity).toBeNull();
    expect(flat.selected[0]!.score).toBeNull();
  });

  it('selects every candidate when asked for more, and says so', () => {
    const out = run(0.3, 10);
    expect(out.selected).toHaveLength(4);
    expect(out.notes[0]).toMatch(/count 10 > 4/);
  });

  it('rejects bad input', () => {
    expect(() => run(1.5)).toThrow(/alpha must be a number in \[0, 1\]/);
    expect(() => run(-0.1)).toThrow(/alpha/);
    expect(() => run(0.3, 0)).toThrow(/count must be a positive integer/);
    expect(() => acquire({ map, labelled: [7], entropy }, { count: 1 })).toThrow(/not in the pool/);
    expect(() => acquire({ map, labelled: [0], entropy: [0, NaN, 1, 1, 1] }, { count: 1 })).toThrow(/entropy of row 1/);
    expect(() => acquire({ map, labelled: [0, 1, 2, 3, 4], entropy }, { count: 1 })).toThrow(/already labelled/);
  });
});
