import { matrixFromRows } from '../core/matrix';
import { medoid } from '../clustering/medoid';
import { farthestPointSampling } from './farthestPointSampling';

describe('medoid (eq. 2)', () => {
  it('minimises the sum of distances; ties go to the first member', () => {
    // 0, 1, 2, 10 on a line: sums 13, 11, 11, 27 → row 1 (tie with row 2 goes to the first).
    const line = matrixFromRows([[0, 0], [1, 0], [2, 0], [10, 0]]);
    expect(medoid(line, [0, 1, 2, 3])).toBe(1);
    expect(medoid(line, [2, 1, 0, 3])).toBe(2);
    expect(medoid(line, [3])).toBe(3);
    expect(medoid(line, [3, 0])).toBe(3);
  });
});

describe('farthestPointSampling', () => {
  const pts = matrixFromRows([[0, 0], [1, 0], [5, 0], [0, 3], [9, 9]]);

  it('adds the member farthest from the selected set each time', () => {
    // From row 0: row 4 (12.7) first; then distances to {0, 4}: row 1 → 1, row 2 → 5, row 3 → 3.
    expect(Array.from(farthestPointSampling(pts, [0, 1, 2, 3, 4], [0], 3))).toEqual([4, 2, 3]);
  });

  it('breaks ties towards the first member', () => {
    const sym = matrixFromRows([[0, 0], [1, 0], [-1, 0]]);
    expect(Array.from(farthestPointSampling(sym, [0, 1, 2], [0], 1))).toEqual([1]);
    expect(Array.from(farthestPointSampling(sym, [0, 2, 1], [0], 1))).toEqual([2]);
  });

  it('never re-picks a seed and refuses to pick more than there is', () => {
    expect(Array.from(farthestPointSampling(pts, [0, 1], [0], 1))).toEqual([1]);
    expect(() => farthestPointSampling(pts, [0, 1], [0], 2)).toThrow(RangeError);
  });
});
