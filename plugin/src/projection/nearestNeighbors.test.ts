import { createRng } from '../random/rng';
import { EXACT_NEIGHBORS_LIMIT, nearestNeighbors } from './nearestNeighbors';

function clustered(n: number, d: number, seed: number): { rows: number; cols: number; data: Float64Array } {
  const rng = createRng(seed);
  const centres = Array.from({ length: 8 * d }, () => 3 * rng.nextGaussian());
  const data = new Float64Array(n * d);
  for (let i = 0; i < n; i++) for (let c = 0; c < d; c++) data[i * d + c] = centres[(i % 8) * d + c]! + rng.nextGaussian();
  return { rows: n, cols: d, data };
}

function bruteForce(x: { rows: number; cols: number; data: Float64Array }, i: number, k: number): number[] {
  const all: Array<[number, number]> = [];
  for (let j = 0; j < x.rows; j++) {
    if (j === i) continue;
    let s = 0;
    for (let c = 0; c < x.cols; c++) s += (x.data[i * x.cols + c]! - x.data[j * x.cols + c]!) ** 2;
    all.push([s, j]);
  }
  all.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return all.slice(0, k).map((e) => e[1]);
}

describe('nearestNeighbors', () => {
  it('exact search matches brute force, excludes self, keeps duplicates at distance 0', async () => {
    const x = clustered(203, 7, 1);
    x.data.copyWithin(5 * 7, 9 * 7, 10 * 7); // row 5 := row 9
    const g = await nearestNeighbors(x, 6, createRng(1), { method: 'exact', threads: 1 });
    for (let i = 0; i < x.rows; i++) expect(Array.from(g.indices.subarray(i * 6, i * 6 + 6))).toEqual(bruteForce(x, i, 6));
    expect(g.indices[5 * 6]).toBe(9);
    expect(g.distances[5 * 6]).toBe(0);
    const g2 = await nearestNeighbors(x, 6, createRng(1), { method: 'exact', threads: 2 });
    expect(Buffer.from(g2.distances.buffer).equals(Buffer.from(g.distances.buffer))).toBe(true);
    expect(Array.from(g2.indices)).toEqual(Array.from(g.indices));
  });

  it("'auto' is the exact search up to EXACT_NEIGHBORS_LIMIT rows", async () => {
    const x = clustered(600, 5, 2);
    expect(EXACT_NEIGHBORS_LIMIT).toBeGreaterThanOrEqual(x.rows);
    const auto = await nearestNeighbors(x, 8, createRng(5));
    const exact = await nearestNeighbors(x, 8, createRng(5), { method: 'exact' });
    expect(Array.from(auto.indices)).toEqual(Array.from(exact.indices));
    expect(Array.from(auto.distances)).toEqual(Array.from(exact.distances));
  });

  it('rejects k outside [1, n − 1]', async () => {
    const x = clustered(10, 2, 3);
    await expect(nearestNeighbors(x, 10, createRng(1))).rejects.toMatchObject({ code: 'invalid-option' });
    await expect(nearestNeighbors(x, 0, createRng(1))).rejects.toMatchObject({ code: 'invalid-option' });
  });
});
