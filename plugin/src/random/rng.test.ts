import { InvalidInputError } from '../core/errors';
import { createRng, sampleWithoutReplacement, shuffleInPlace } from './rng';

describe('createRng', () => {
  it('gives the same sequence for the same seed and a different one for another seed', () => {
    const a = createRng(42);
    const b = createRng(42);
    const c = createRng(43);
    const seqA = Array.from({ length: 100 }, () => a.nextUint32());
    const seqB = Array.from({ length: 100 }, () => b.nextUint32());
    const seqC = Array.from({ length: 100 }, () => c.nextUint32());
    expect(seqA).toEqual(seqB);
    expect(seqA).not.toEqual(seqC);
  });

  it('pins the first outputs of seed 42 so that a change of generator is noticed', () => {
    const rng = createRng(42);
    expect(Array.from({ length: 4 }, () => rng.nextUint32())).toEqual([2837322924, 544945897, 479756282, 3500138142]);
  });

  it('draws floats in [0, 1) with mean near 1/2', () => {
    const rng = createRng(1);
    let sum = 0;
    for (let i = 0; i < 20000; i++) {
      const f = rng.nextFloat();
      expect(f).toBeGreaterThanOrEqual(0);
      expect(f).toBeLessThan(1);
      sum += f;
    }
    expect(Math.abs(sum / 20000 - 0.5)).toBeLessThan(0.01);
  });

  it('draws integers uniformly in [0, n)', () => {
    const rng = createRng(7);
    const counts = new Array(6).fill(0);
    for (let i = 0; i < 60000; i++) counts[rng.nextInt(6)]++;
    for (const c of counts) expect(Math.abs(c - 10000)).toBeLessThan(400);
    expect(() => rng.nextInt(0)).toThrow(InvalidInputError);
  });

  it('draws standard normals', () => {
    const rng = createRng(3);
    let s = 0;
    let s2 = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) {
      const g = rng.nextGaussian();
      s += g;
      s2 += g * g;
    }
    expect(Math.abs(s / n)).toBeLessThan(0.03);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.05);
  });

  it('forks reproducible, distinct streams', () => {
    const a = createRng(5).fork();
    const b = createRng(5).fork();
    const parent = createRng(5);
    const child = parent.fork();
    expect(a.nextUint32()).toBe(b.nextUint32());
    expect(child.nextUint32()).not.toBe(parent.nextUint32());
  });

  it('rejects a seed that is not an integer', () => {
    expect(() => createRng(1.5)).toThrow(/seed must be an integer/);
    expect(createRng(2 ** 40).nextUint32()).not.toBe(createRng(0).nextUint32());
  });
});

describe('sampling helpers', () => {
  it('samples distinct indices', () => {
    const s = sampleWithoutReplacement(100, 30, createRng(9));
    expect(new Set(s).size).toBe(30);
    expect(Math.max(...s)).toBeLessThan(100);
    expect(() => sampleWithoutReplacement(3, 4, createRng(1))).toThrow(InvalidInputError);
  });

  it('shuffles to a permutation', () => {
    const a = [1, 2, 3, 4, 5, 6, 7, 8];
    shuffleInPlace(a, createRng(11));
    expect([...a].sort()).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });
});
