import { adaptiveAlpha, spearman } from './adaptiveAlpha';

describe('spearman', () => {
  it('is 1 for the same order, −1 for the reverse, ties averaged, null when a side is constant', () => {
    expect(spearman([1, 2, 3, 4], [10, 20, 30, 45])).toBeCloseTo(1, 12);
    expect(spearman([1, 2, 3, 4], [4, 3, 2, 1])).toBeCloseTo(-1, 12);
    // Ranks x = 1, 2.5, 2.5, 4; y = 1, 2, 3, 4 → ρ = 4.5 / √(4.5 · 5) = 0.9487.
    expect(spearman([1, 5, 5, 9], [1, 2, 3, 4])).toBeCloseTo(4.5 / Math.sqrt(4.5 * 5), 12);
    expect(spearman([1, 1, 1], [1, 2, 3])).toBeNull();
    expect(() => spearman([1], [1, 2])).toThrow(/1 values against 2/);
  });
});

describe('adaptiveAlpha', () => {
  const agreeing = (n: number) => Array.from({ length: n }, (_, i) => ({ entropy: i, error: i / n }));
  const opposed = (n: number) => Array.from({ length: n }, (_, i) => ({ entropy: i, error: 1 - i / n }));

  it('is the prior without enough history, and says why', () => {
    expect(adaptiveAlpha([])).toMatchObject({ alpha: 0.3, rho: null, cases: 0, reason: expect.stringMatching(/too few; α = the prior 0.3/) });
    expect(adaptiveAlpha([{ entropy: 1, error: 0.2 }, { entropy: 2, error: 0.2 }, { entropy: 3, error: 0.2 }])).toMatchObject({ alpha: 0.3, rho: null, reason: expect.stringMatching(/all equal/) });
  });

  it('moves towards entropy when entropy ranked the errors, towards diversity when it did not, more with more cases', () => {
    const few = adaptiveAlpha(agreeing(4)); // w = 4/12: α = 1/3 · 0 + 2/3 · 0.3 = 0.2
    expect(few.rho).toBeCloseTo(1, 12);
    expect(few.alpha).toBeCloseTo(0.2, 12);
    expect(adaptiveAlpha(agreeing(24)).alpha).toBeCloseTo(0.25 * 0.3, 12); // w = 0.75
    expect(adaptiveAlpha(opposed(8)).alpha).toBeCloseTo(0.5 * 1 + 0.5 * 0.3, 12); // ρ = −1 counts as 0: w = 0.5
    expect(adaptiveAlpha(opposed(800)).alpha).toBe(0.95); // clamped: diversity never alone
    expect(adaptiveAlpha(agreeing(800), { prior: 0.5 }).alpha).toBe(0.05);
  });

  it('refuses options out of order and non-finite history', () => {
    expect(() => adaptiveAlpha([], { prior: 0.99 })).toThrow(/min ≤ prior ≤ max/);
    expect(() => adaptiveAlpha([{ entropy: NaN, error: 0 }])).toThrow(/case 0 of the history has entropy NaN/);
  });
});
