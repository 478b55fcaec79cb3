import { matrixFromRows, type DenseMatrix } from '../core/matrix';
import { createRng } from '../random/rng';
import fixture from '../clustering/__fixtures__/clustering.json';
import { acquire } from './acquisition';
import { coldStart } from './coldStart';
import { distanceFactor, validateGroupPenalty } from './groupPenalty';

const blobs = matrixFromRows(fixture.points); // 5 blobs of 80, 60, 40, 30, 20 points
const input = (m: DenseMatrix) => ({ embeddings: m, map: m });
/** Each blob cut into "volumes" of consecutive rows of one blob, 4 rows each. */
const volumes = Int32Array.from(fixture.labelings.truth, (_t, i) => Math.floor(i / 4));
const repeats = (rows: number[], groups: ArrayLike<number>): number => rows.length - new Set(rows.map((r) => groups[r]!)).size;

describe('volume penalty', () => {
  it('scales a distance within one group by 1 − penalty, refuses a penalty outside (0, 1] and ragged groups', () => {
    const penalty = { groups: [0, 0, 1], penalty: 0.75 };
    expect([distanceFactor(penalty, 0, 1), distanceFactor(penalty, 0, 2), distanceFactor(undefined, 0, 1)]).toEqual([0.25, 1, 1]);
    expect(() => validateGroupPenalty({ groups: [0, 1], penalty: 0 }, 2)).toThrow(/in \(0, 1\], got 0/);
    expect(() => validateGroupPenalty({ groups: [0, 1], penalty: 1.5 }, 2)).toThrow(/got 1.5/);
    expect(() => validateGroupPenalty({ groups: [0], penalty: 1 }, 2)).toThrow(/1 group labels for 2 rows/);
  });

  it('acquire: a far image of a volume already labelled loses to one of another volume', () => {
    // Row 0 is labelled (volume 1); row 1, of the same volume, lies farthest from it; row 2 is volume 2.
    // Row 3 (volume 3, far away) has the highest entropy, so it is the round's first pick (eq. 10 starts from entropy alone).
    const map = matrixFromRows([[0, 0], [10, 0], [6, 0], [100, 100]]);
    const entropy = [NaN, 0.5, 0.5, 1];
    const groups = [1, 1, 2, 3];
    const second = (penalty?: number): number => acquire({ map, labelled: [0], entropy }, {
      count: 2, alpha: 1, ...(penalty !== undefined && { groupPenalty: { groups, penalty } }),
    }).selected[1]!.index;
    expect(second()).toBe(1); // D = 10 against 6
    expect(second(1)).toBe(2); // 10 × 0 against 6
    expect(second(0.5)).toBe(2); // 10 × 0.5 = 5 against 6
    expect(second(0.3)).toBe(1); // 10 × 0.7 = 7 against 6
    const all = acquire({ map, labelled: [0], entropy }, { count: 3, alpha: 1, groupPenalty: { groups, penalty: 1 } });
    expect(all.selected.map((s) => s.index)).toEqual([3, 2, 1]); // nothing is excluded: the budget is still filled
    expect(all.notes).toEqual([]);
  });

  it('coldstart: fewer picks share a volume, with the same clustering and allocation; every row its own volume changes nothing', () => {
    const free = coldStart(input(blobs), { budget: 30 }, createRng(42));
    const penalised = coldStart(input(blobs), { budget: 30, groupPenalty: { groups: volumes, penalty: 1 } }, createRng(42));
    const rows = penalised.selected.map((s) => s.index);
    expect(new Set(rows).size).toBe(30);
    expect(repeats(free.selected.map((s) => s.index), volumes)).toBeGreaterThan(0); // the test means something
    expect(repeats(rows, volumes)).toBeLessThan(repeats(free.selected.map((s) => s.index), volumes));
    expect(penalised.k).toBe(free.k);
    expect(penalised.clusters.map((c) => [c.size, c.allocated])).toEqual(free.clusters.map((c) => [c.size, c.allocated]));
    expect(penalised.selected.filter((s) => s.reason === 'medoid')).toEqual(free.selected.filter((s) => s.reason === 'medoid'));
    const own = Int32Array.from({ length: blobs.rows }, (_, i) => i);
    expect(coldStart(input(blobs), { budget: 30, groupPenalty: { groups: own, penalty: 1 } }, createRng(42)).selected).toEqual(free.selected);
  });
});
