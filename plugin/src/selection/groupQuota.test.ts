import { matrixFromRows, type DenseMatrix } from '../core/matrix';
import { createRng } from '../random/rng';
import fixture from '../clustering/__fixtures__/clustering.json';
import { acquire } from './acquisition';
import { coldStart } from './coldStart';
import { GroupQuota, validateGroupLimit } from './groupQuota';
import { kmeansBudgetSelection } from './kmeansBudget';
import { runAcquisition, runColdStart } from './pipeline';
import { randomSelection } from './randomSelection';

const blobs = matrixFromRows(fixture.points); // 5 blobs of 80, 60, 40, 30, 20 points
const truth = fixture.labelings.truth;
const input = (m: DenseMatrix) => ({ embeddings: m, map: m });
/** Each blob cut into "volumes" of consecutive rows of one blob, 4 rows each. */
const volumes = Int32Array.from(truth, (_t, i) => Math.floor(i / 4));
const perGroup = (rows: number[], groups: ArrayLike<number>): number => {
  const counts = new Map<number, number>();
  for (const r of rows) counts.set(groups[r]!, (counts.get(groups[r]!) ?? 0) + 1);
  return Math.max(...counts.values());
};

describe('GroupQuota', () => {
  it('counts per group, knows the capacity left and can be lifted', () => {
    const quota = new GroupQuota({ groups: [0, 0, 0, 1], maxPerGroup: 2 });
    expect(quota.capacity([0, 1, 2, 3])).toBe(3);
    quota.take(0);
    quota.take(1);
    expect(quota.allows(2)).toBe(false);
    expect(quota.allows(3)).toBe(true);
    expect(quota.relax(4, 3)).toMatch(/cap of 2 per volume left 3 of the 4 wanted: the remaining 1/);
    expect(quota.allows(2)).toBe(true);
    expect(new GroupQuota(undefined).allows(0)).toBe(true);
  });

  it('refuses a cap that is not a positive integer, ragged or negative groups', () => {
    expect(() => validateGroupLimit({ groups: [0, 1], maxPerGroup: 0 }, 2)).toThrow(/positive integer, got 0/);
    expect(() => validateGroupLimit({ groups: [0], maxPerGroup: 1 }, 2)).toThrow(/1 group labels for 2 rows/);
    expect(() => validateGroupLimit({ groups: [0, -1], maxPerGroup: 1 }, 2)).toThrow(/row 1 is -1/);
  });
});

describe('per-volume cap in the strategies', () => {
  it('coldstart: at most the cap per volume, the same clusters, one medoid-or-neighbour per cluster', () => {
    const free = coldStart(input(blobs), { budget: 20 }, createRng(42));
    expect(perGroup(free.selected.map((s) => s.index), volumes)).toBeGreaterThan(1); // the test means something
    const capped = coldStart(input(blobs), { budget: 20, groupLimit: { groups: volumes, maxPerGroup: 1 } }, createRng(42));
    const rows = capped.selected.map((s) => s.index);
    expect(rows).toHaveLength(20);
    expect(new Set(rows).size).toBe(20);
    expect(perGroup(rows, volumes)).toBe(1);
    expect(capped.k).toBe(free.k);
    const medoids = capped.selected.filter((s) => s.reason === 'medoid');
    expect(new Set(medoids.map((s) => truth[s.index])).size).toBe(5);
    expect(capped.clusters.map((c) => c.allocated)).toEqual(free.clusters.map((c) => c.allocated));
    expect(capped.selected.map((s) => s.rank)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
  });

  it('coldstart: a cap looser than every volume changes nothing', () => {
    const free = coldStart(input(blobs), { budget: 12 }, createRng(7));
    const loose = coldStart(input(blobs), { budget: 12, groupLimit: { groups: volumes, maxPerGroup: 4 } }, createRng(7));
    expect(loose.selected).toEqual(free.selected);
  });

  it('coldstart: lifts the cap, with a note, when it leaves too few rows for the budget', () => {
    const groups = Int32Array.from(truth, (t) => t); // 5 volumes
    const out = coldStart(input(blobs), { budget: 12, groupLimit: { groups, maxPerGroup: 2 } }, createRng(1));
    expect(out.selected).toHaveLength(12);
    expect(out.notes.join(' ')).toMatch(/cap of 2 per volume left 10 of the 12 wanted/);
  });

  it('random and kmeans-budget keep to the cap', () => {
    const r = randomSelection(input(blobs), { budget: 30, groupLimit: { groups: volumes, maxPerGroup: 1 } }, createRng(5));
    expect(perGroup(r.selected.map((s) => s.index), volumes)).toBe(1);
    expect(r.selected).toHaveLength(30);
    const groups = Int32Array.from(truth, (t) => t);
    const k = kmeansBudgetSelection(input(blobs), { budget: 10, groupLimit: { groups, maxPerGroup: 2 } }, createRng(2));
    expect(perGroup(k.selected.map((s) => s.index), groups)).toBe(2);
    expect(k.selected).toHaveLength(10);
  });

  it('acquire: passes over full volumes, still ranks by the score, lifts the cap when needed', () => {
    // Rows 1–4 are one volume with the highest entropies; rows 5–6 another.
    const map = matrixFromRows([[0, 0], [1, 0], [2, 0], [3, 0], [4, 0], [0, 5], [1, 5]]);
    const entropy = [NaN, 1, 0.9, 0.8, 0.7, 0.2, 0.1];
    const groups = [0, 1, 1, 1, 1, 2, 2];
    const free = acquire({ map, labelled: [0], entropy }, { count: 3, alpha: 0 });
    expect(free.selected.map((s) => s.index)).toEqual([1, 2, 3]);
    const capped = acquire({ map, labelled: [0], entropy }, { count: 3, alpha: 0, groupLimit: { groups, maxPerGroup: 1 } });
    expect(capped.selected.map((s) => s.index)).toEqual([1, 5, 2]);
    expect(capped.notes.join(' ')).toMatch(/cap of 1 per volume left 2 of the 3 wanted/);
  });
});

describe('per-volume cap in the pipeline', () => {
  const ids = Array.from({ length: blobs.rows }, (_, i) => `slice-${i}`);
  const groups = Array.from(volumes, (v) => `volume-${v}`);
  const pool = { ids, embeddings: blobs };

  it('caps the cold start and the round, and reports the cap', async () => {
    const cold = await runColdStart(pool, { budget: 15, projection: 'none', groups, maxPerGroup: 1 });
    expect(cold.report.groupLimit).toEqual({ maxPerGroup: 1, groups: new Set(groups).size });
    const byId = new Map(ids.map((id, i) => [id, groups[i]!]));
    expect(new Set(cold.report.selected.map((s) => byId.get(s.id))).size).toBe(15);
    const labelled = cold.report.selected.map((s) => s.id);
    const entropy = new Map(ids.filter((id) => !labelled.includes(id)).map((id, i) => [id, (i % 7) / 7]));
    const round = await runAcquisition(pool, { entropy, labelled, count: 10, projection: 'none', groups, maxPerGroup: 1 });
    expect(new Set(round.report.selected.map((s) => byId.get(s.id))).size).toBe(10);
  });

  it('refuses a cap without groups, or groups of the wrong length', async () => {
    await expect(runColdStart(pool, { budget: 5, projection: 'none', maxPerGroup: 1 })).rejects.toThrow(/needs the group of every pool id/);
    await expect(runColdStart(pool, { budget: 5, projection: 'none', groups: ['a'], maxPerGroup: 1 })).rejects.toThrow(/1 groups for 230 pool ids/);
  });
});
