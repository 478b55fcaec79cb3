import { matrixFromRows } from '../core/matrix';
import { createRng } from '../random/rng';
import { silhouetteScore, silhouetteScores } from './silhouette';
import fixture from './__fixtures__/clustering.json';

const points = matrixFromRows(fixture.points);
const labels = (name: keyof typeof fixture.labelings): Int32Array => Int32Array.from(fixture.labelings[name]);

describe('silhouette', () => {
  it('equals a hand computation', () => {
    // Points 0, 1 on a line and 10 far away: cluster {0,1}, cluster {10}.
    // s(0): a = 1, b = 10 → 0.9; s(1): a = 1, b = 9 → 8/9; s(10): singleton → 0.
    const data = matrixFromRows([[0, 0], [1, 0], [10, 0]]);
    expect(silhouetteScore(data, Int32Array.from([0, 0, 1]))).toBeCloseTo((0.9 + 8 / 9 + 0) / 3, 14);
  });

  it('equals scikit-learn\'s silhouette_score', () => {
    expect(silhouetteScore(points, labels('truth'))).toBeCloseTo(fixture.silhouette.truth, 12);
    expect(silhouetteScore(points, labels('random'))).toBeCloseTo(fixture.silhouette.random, 12);
    expect(silhouetteScore(points, labels('singleton'))).toBeCloseTo(fixture.silhouette.singleton, 12);
  });

  it('scores several labelings in one pass, exactly', () => {
    const result = silhouetteScores(points, [labels('truth'), labels('random')], {}, createRng(1));
    expect(result.exact).toBe(true);
    expect(result.evaluatedPoints).toBe(points.rows);
    expect(result.scores[0]).toBeCloseTo(fixture.silhouette.truth, 12);
    expect(result.scores[1]).toBeCloseTo(fixture.silhouette.random, 12);
  });

  it('estimates from a seeded sample above the exact limit', () => {
    const opts = { exactMaxPoints: 100, sampleSize: 150 };
    const a = silhouetteScores(points, [labels('truth')], opts, createRng(3));
    const b = silhouetteScores(points, [labels('truth')], opts, createRng(3));
    expect(a.exact).toBe(false);
    expect(a.evaluatedPoints).toBe(150);
    expect(a.scores[0]).toBe(b.scores[0]);
    expect(Math.abs(a.scores[0]! - fixture.silhouette.truth)).toBeLessThan(0.03);
  });

  it('is NaN for a single cluster and 0 for coincident points', () => {
    const data = matrixFromRows([[0, 0], [0, 0], [0, 0], [0, 0]]);
    expect(silhouetteScore(data, Int32Array.from([0, 0, 0, 0]))).toBeNaN();
    expect(silhouetteScore(data, Int32Array.from([0, 0, 1, 1]))).toBe(0);
  });
});
