import type { DenseMatrix } from '../../core/matrix';
import { createRng } from '../../random/rng';
import { nearestNeighbors, type NeighborGraph } from '../nearestNeighbors';

function clustered(n: number, d: number, seed: number): DenseMatrix {
  const rng = createRng(seed);
  const centres = Array.from({ length: 8 * d }, () => 3 * rng.nextGaussian());
  const data = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) data[i * d + c] = centres[(i % 8) * d + c]! + rng.nextGaussian();
  return { rows: n, cols: d, data };
}

function uniform(n: number, d: number, seed: number): DenseMatrix {
  const rng = createRng(seed);
  return { rows: n, cols: d, data: Float64Array.from({ length: n * d }, () => rng.nextFloat()) };
}

function recall(exact: NeighborGraph, approx: NeighborGraph, n: number, k: number): number {
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const truth = new Set(exact.indices.subarray(i * k, (i + 1) * k));
    for (let t = 0; t < k; t++) if (truth.has(approx.indices[i * k + t]!)) hits++;
  }
  return hits / (n * k);
}

/** Rows that do not have k distinct neighbours other than self, sorted by (distance, index), at exactly Σ(a − b)². */
function malformedRows(x: DenseMatrix, g: NeighborGraph, k: number): number[] {
  const { rows: n, cols: d, data } = x;
  const bad: number[] = [];
  if (g.indices.length !== n * k || g.distances.length !== n * k) return [-1];
  for (let i = 0; i < n; i++) {
    const row = Array.from(g.indices.subarray(i * k, (i + 1) * k));
    let ok = new Set(row).size === k;
    for (let t = 0; t < k && ok; t++) {
      const j = row[t]!;
      let s = 0;
      for (let c = 0; c < d; c++) {
        const diff = data[i * d + c]! - data[j * d + c]!;
        s += diff * diff;
      }
      const prev = t > 0 ? g.distances[i * k + t - 1]! : -1;
      ok = j !== i && j >= 0 && j < n && g.distances[i * k + t] === s && (prev < s || (prev === s && row[t - 1]! < j));
    }
    if (!ok) bad.push(i);
  }
  return bad;
}

const same = (a: NeighborGraph, b: NeighborGraph): boolean =>
  Buffer.from(a.indices.buffer).equals(Buffer.from(b.indices.buffer)) && Buffer.from(a.distances.buffer).equals(Buffer.from(b.distances.buffer));

describe("nearestNeighbors, method 'approximate'", () => {
  it.each([
    ['clustered', clustered(3000, 16, 2), 15],
    ['uniform', uniform(3000, 12, 3), 30],
  ])('%s data: recall ≥ 0.9 against exact, well-formed rows', async (_name, x, k) => {
    const exact = await nearestNeighbors(x, k, createRng(1), { method: 'exact' });
    const approx = await nearestNeighbors(x, k, createRng(5), { method: 'approximate' });
    expect(recall(exact, approx, x.rows, k)).toBeGreaterThanOrEqual(0.9);
    expect(malformedRows(x, approx, k)).toEqual([]);
  });

  it('is deterministic for a seed and identical for 1 and 2 threads', async () => {
    const x = uniform(2500, 10, 4);
    // Two trees and narrow join lists leave work for several rounds of refinement.
    const options = { method: 'approximate' as const, approximate: { trees: 2, forward: 6, reverse: 6 } };
    const one = await nearestNeighbors(x, 20, createRng(7), { ...options, threads: 1 });
    const again = await nearestNeighbors(x, 20, createRng(7), { ...options, threads: 1 });
    const two = await nearestNeighbors(x, 20, createRng(7), { ...options, threads: 2 });
    expect(same(one, again)).toBe(true);
    expect(same(one, two)).toBe(true);
    expect(malformedRows(x, two, 20)).toEqual([]);
  });

  it('refinement lifts a two-tree seed to recall ≥ 0.9', async () => {
    const x = uniform(2500, 10, 4);
    const exact = await nearestNeighbors(x, 20, createRng(1), { method: 'exact' });
    const approx = await nearestNeighbors(x, 20, createRng(7), { method: 'approximate', approximate: { trees: 2 } });
    expect(recall(exact, approx, x.rows, 20)).toBeGreaterThanOrEqual(0.9);
  });

  it('finds duplicate rows at distance 0', async () => {
    const x = clustered(1500, 6, 5);
    const data = x.data as Float64Array;
    for (let i = 0; i < 40; i++) data.copyWithin((2 * i + 1) * 6, 2 * i * 6, (2 * i + 1) * 6); // row 2i+1 := row 2i
    const g = await nearestNeighbors(x, 10, createRng(3), { method: 'approximate' });
    expect(malformedRows(x, g, 10)).toEqual([]);
    for (let i = 0; i < 40; i++) {
      expect(g.indices[2 * i * 10]).toBe(2 * i + 1);
      expect(g.distances[2 * i * 10]).toBe(0);
      expect(g.indices[(2 * i + 1) * 10]).toBe(2 * i);
    }
  });

  it('handles all rows equal: k distinct neighbours at distance 0, by index', async () => {
    const n = 200;
    const k = 12;
    const x = { rows: n, cols: 3, data: new Float64Array(n * 3).fill(-1.25) };
    const g = await nearestNeighbors(x, k, createRng(2), { method: 'approximate', threads: 2 });
    expect(malformedRows(x, g, k)).toEqual([]);
    expect(g.distances.every((v) => v === 0)).toBe(true);
  });

  it.each([11, 12, 22, 23, 40])('n = %i rows just above k = 10: complete rows, exact when one leaf holds them all', async (n) => {
    const x = uniform(n, 4, n);
    const approx = await nearestNeighbors(x, 10, createRng(1), { method: 'approximate' });
    expect(malformedRows(x, approx, 10)).toEqual([]);
    if (n <= 21) {
      const exact = await nearestNeighbors(x, 10, createRng(1), { method: 'exact' });
      expect(same(approx, exact)).toBe(true);
    }
  });

  it('rejects invalid tuning options', async () => {
    const x = uniform(100, 3, 1);
    for (const approximate of [{ trees: 0 }, { forward: 1.5 }, { reverse: -1 }, { maxRounds: 0 }, { leafSize: Number.NaN }, { delta: -0.1 }]) {
      await expect(nearestNeighbors(x, 5, createRng(1), { method: 'approximate', approximate })).rejects.toMatchObject({ code: 'invalid-option' });
    }
  });
});
