import { kmeans as mlKmeans } from 'ml-kmeans';
import { matrixFromRows } from '../core/matrix';
import { createRng } from '../random/rng';
import { kmeans, kmeansPlusPlus, lloyd } from './kmeans';
import fixture from './__fixtures__/clustering.json';

const points = matrixFromRows(fixture.points);

describe('kmeans', () => {
  it('reaches scikit-learn\'s inertia for every k of the reference sweep', () => {
    for (const ref of fixture.sweep) {
      const result = kmeans(points, ref.k, { restarts: 10 }, createRng(42));
      // Same data, both best-of-10 k-means++: a local optimum at most 1 % worse (it may be better).
      expect(result.inertia).toBeLessThanOrEqual(ref.inertia * 1.01);
      // At the true number of blobs the optimum is unique: both must find exactly it.
      if (ref.k === 5) expect(result.inertia).toBeCloseTo(ref.inertia, 8);
      // The reported inertia is the sum of squared distances to the reported centroids.
      let sse = 0;
      for (let i = 0; i < points.rows; i++) {
        const c = result.labels[i]!;
        sse += (points.data[2 * i]! - result.centroids[2 * c]!) ** 2 + (points.data[2 * i + 1]! - result.centroids[2 * c + 1]!) ** 2;
      }
      expect(result.inertia).toBeCloseTo(sse, 8);
    }
  });

  it('matches scikit-learn in 20 dimensions', () => {
    const hd = matrixFromRows(fixture.highDim.points);
    const result = kmeans(hd, 4, { restarts: 10 }, createRng(1));
    expect(result.inertia).toBeCloseTo(fixture.highDim.inertia, 6);
  });

  it('gives the same partition as ml-kmeans from the same initial centres', () => {
    for (const k of [3, 5, 7]) {
      const init = kmeansPlusPlus(points, k, createRng(k));
      const ours = lloyd(points, init, k, 300, 0);
      const initRows = Array.from({ length: k }, (_, c) => Array.from(init.subarray(2 * c, 2 * c + 2)));
      const theirs = mlKmeans(fixture.points, k, { initialization: initRows, maxIterations: 300, tolerance: 0 });
      expect(Array.from(ours.labels)).toEqual(theirs.clusters);
    }
  });

  it('solves a hand-made case', () => {
    const data = matrixFromRows([[0, 0], [0, 1], [10, 0], [10, 1]]);
    const result = kmeans(data, 2, {}, createRng(0));
    expect(result.labels[0]).toBe(result.labels[1]);
    expect(result.labels[2]).toBe(result.labels[3]);
    expect(result.labels[0]).not.toBe(result.labels[2]);
    expect(result.inertia).toBeCloseTo(4 * 0.25, 12);
  });

  it('is deterministic for a seed', () => {
    const a = kmeans(points, 6, { restarts: 3 }, createRng(9));
    const b = kmeans(points, 6, { restarts: 3 }, createRng(9));
    expect(Array.from(a.labels)).toEqual(Array.from(b.labels));
    expect(a.inertia).toBe(b.inertia);
  });

  it('copes with fewer distinct points than clusters', () => {
    const data = matrixFromRows([[1, 1], [1, 1], [1, 1], [2, 2]]);
    const result = kmeans(data, 3, {}, createRng(0));
    expect(result.inertia).toBe(0);
    expect(new Set(result.labels).size).toBe(2);
  });

  it('rejects a k outside [1, N]', () => {
    expect(() => kmeans(points, 0, {}, createRng(0))).toThrow(/k must be an integer/);
    expect(() => kmeans(points, points.rows + 1, {}, createRng(0))).toThrow(/k must be an integer/);
  });
});
