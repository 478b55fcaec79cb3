import { matrixFromRows, type DenseMatrix } from '../core/matrix';
import { createRng } from '../random/rng';
import fixture from '../clustering/__fixtures__/clustering.json';
import { coldStart } from './coldStart';
import { kmeansBudgetSelection } from './kmeansBudget';
import { randomSelection } from './randomSelection';

const blobs = matrixFromRows(fixture.points); // 5 blobs of 80, 60, 40, 30, 20 points
const truth = fixture.labelings.truth;
const input = (m: DenseMatrix) => ({ embeddings: m, map: m });

describe('coldStart', () => {
  it('finds the 5 blobs, takes one medoid each and splits the rest by size', () => {
    const out = coldStart(input(blobs), { budget: 10 }, createRng(42));
    expect(out.k).toBe(5);
    expect(out.clusters.map((c) => c.size)).toEqual([80, 60, 40, 30, 20]);
    // R = 5 by largest remainder: 2, 1, 1, 1, 0 (see allocation.test.ts) → allocated 3, 2, 2, 2, 1.
    expect(out.clusters.map((c) => c.allocated)).toEqual([3, 2, 2, 2, 1]);
    expect(out.selected).toHaveLength(10);
    expect(out.selected.slice(0, 5).every((s) => s.reason === 'medoid')).toBe(true);
    expect(out.selected.slice(5).every((s) => s.reason === 'farthest-point')).toBe(true);
    // Every medoid lies in its own true blob, and ranks are 1..B.
    expect(new Set(out.selected.slice(0, 5).map((s) => truth[s.index])).size).toBe(5);
    expect(out.selected.map((s) => s.rank)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(new Set(out.selected.map((s) => s.index)).size).toBe(10);
    // Round-robin after the medoids: clusters 0, 1, 2, 3 then 0 again.
    expect(out.selected.slice(5).map((s) => s.cluster)).toEqual([0, 1, 2, 3, 0]);
    expect(out.sweep.map((e) => e.k)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('is identical for the same seed', () => {
    const a = coldStart(input(blobs), { budget: 12 }, createRng(7));
    const b = coldStart(input(blobs), { budget: 12 }, createRng(7));
    expect(b).toEqual(a);
  });

  it('selects everything when B ≥ N, medoid first', () => {
    const pts = matrixFromRows([[0, 0], [1, 0], [2, 0], [10, 0]]);
    const out = coldStart(input(pts), { budget: 9 }, createRng(1));
    expect(out.selected.map((s) => s.index)).toEqual([1, 3, 0, 2]);
    expect(out.k).toBe(1);
    expect(out.notes[0]).toMatch(/every image/);
  });

  it('takes the medoid of the whole pool when B = 1', () => {
    const out = coldStart(input(blobs), { budget: 1 }, createRng(1));
    expect(out.selected).toHaveLength(1);
    expect(out.selected[0]!.reason).toBe('medoid');
    expect(out.k).toBe(1);
    expect(out.notes[0]).toMatch(/no k to try/);
  });

  it('handles N < 3', () => {
    const two = matrixFromRows([[0, 0], [3, 4]]);
    expect(coldStart(input(two), { budget: 1 }, createRng(1)).selected.map((s) => s.index)).toEqual([0]);
    expect(coldStart(input(two), { budget: 2 }, createRng(1)).selected.map((s) => s.index)).toEqual([0, 1]);
    const one = matrixFromRows([[5, 5]]);
    expect(coldStart(input(one), { budget: 3 }, createRng(1)).selected.map((s) => s.index)).toEqual([0]);
  });

  it('handles duplicate points', () => {
    const same = matrixFromRows(Array.from({ length: 6 }, () => [1, 1]));
    const out = coldStart(input(same), { budget: 3 }, createRng(1));
    expect(out.selected.map((s) => s.index)).toEqual([0, 1, 2]);
    expect(out.notes.join(' ')).toMatch(/one cluster/);
    // Two groups of duplicates: k = 2, one medoid from each group.
    const two = matrixFromRows([[0, 0], [0, 0], [0, 0], [5, 5], [5, 5]]);
    const out2 = coldStart(input(two), { budget: 3 }, createRng(1));
    expect(out2.k).toBe(2);
    expect(out2.selected.slice(0, 2).map((s) => s.index)).toEqual([0, 3]);
  });

  it('gives a cluster of size one its medoid and nothing more', () => {
    // Two tight groups and a far outlier: k̂ = 3 with a singleton.
    const rows = [[0, 0], [0.1, 0], [0, 0.1], [0.1, 0.1], [5, 5], [5.1, 5], [5, 5.1], [5.1, 5.1], [40, -40]];
    const out = coldStart(input(matrixFromRows(rows)), { budget: 6 }, createRng(3));
    expect(out.k).toBe(3);
    const singleton = out.clusters.find((c) => c.size === 1)!;
    expect(singleton.allocated).toBe(1);
    expect(out.selected.filter((s) => s.cluster === singleton.id)).toHaveLength(1);
    expect(out.selected).toHaveLength(6);
  });

  it('rejects a budget that is not a positive integer', () => {
    expect(() => coldStart(input(blobs), { budget: 0 }, createRng(1))).toThrow(/budget must be a positive integer/);
    expect(() => coldStart(input(blobs), { budget: 2.5 }, createRng(1))).toThrow(/budget/);
  });
});

describe('baselines', () => {
  it('random draws B distinct images, reproducibly', () => {
    const a = randomSelection(input(blobs), { budget: 8 }, createRng(5));
    expect(new Set(a.selected.map((s) => s.index)).size).toBe(8);
    expect(a.k).toBeNull();
    expect(a.selected.every((s) => s.reason === 'random' && s.cluster === null)).toBe(true);
    expect(randomSelection(input(blobs), { budget: 8 }, createRng(5))).toEqual(a);
    expect(randomSelection(input(blobs), { budget: 500 }, createRng(5)).selected).toHaveLength(blobs.rows);
  });

  it('kmeans-budget clusters the embeddings with k = B and takes medoids', () => {
    const out = kmeansBudgetSelection({ embeddings: blobs, map: matrixFromRows([[0, 0]]) }, { budget: 5 }, createRng(2));
    expect(out.k).toBeNull();
    expect(out.clusters.map((c) => c.size)).toEqual([80, 60, 40, 30, 20]);
    expect(new Set(out.selected.map((s) => truth[s.index])).size).toBe(5);
    expect(out.selected.every((s) => s.reason === 'medoid')).toBe(true);
  });

  it('kmeans-budget fills with farthest points when there are too few distinct embeddings', () => {
    const dup = matrixFromRows([[0, 0], [0, 0], [0, 0], [3, 3]]);
    const out = kmeansBudgetSelection(input(dup), { budget: 3 }, createRng(2));
    expect(out.selected).toHaveLength(3);
    expect(out.selected[2]!.reason).toBe('farthest-point');
    expect(out.notes[0]).toMatch(/only 2 distinct clusters/);
  });
});
