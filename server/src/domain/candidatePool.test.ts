import type { EmbeddedPool } from '@scanselect/plugin';
import { candidatePool, type CaseSlice } from './candidatePool';

// Series A: 6 slices 2 mm apart (a0 … a5); series B: 3 slices 5 mm apart; two radiographs r0, r1.
const ids = ['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'b0', 'b1', 'b2', 'r0', 'r1'];
const pool: EmbeddedPool = { ids, embeddings: { rows: ids.length, cols: 1, data: Float32Array.from(ids.map((_, i) => i)) } };
const slices = new Map<string, CaseSlice>([
  ...[0, 1, 2, 3, 4, 5].map((k): [string, CaseSlice] => [`a${k}`, { seriesUid: 'A', sliceIndex: k, offsetMm: 2 * k }]),
  ...[0, 1, 2].map((k): [string, CaseSlice] => [`b${k}`, { seriesUid: 'B', sliceIndex: k, offsetMm: 5 * k }]),
  ['r0', { seriesUid: 'R', sliceIndex: null, offsetMm: null }],
  ['r1', { seriesUid: 'R', sliceIndex: null, offsetMm: null }],
]);
const none = new Set<string>();

describe('candidatePool', () => {
  it('image unit: the whole pool, no cap', () => {
    const out = candidatePool(pool, slices, { unit: 'image', sliceSpacingMm: null, maxPerVolume: null }, none);
    expect(out.pool).toBe(pool);
    expect(out.groups).toBeUndefined();
    expect(out.notes).toEqual([]);
  });

  it('image unit with a cap: slices grouped by series, other images each their own group', () => {
    const out = candidatePool(pool, slices, { unit: 'image', sliceSpacingMm: null, maxPerVolume: 2 }, none);
    expect(out.maxPerGroup).toBe(2);
    expect(out.groups).toEqual(['series:A', 'series:A', 'series:A', 'series:A', 'series:A', 'series:A', 'series:B', 'series:B', 'series:B', 'image:r0', 'image:r1']);
  });

  it('slice unit: only slices of volumes, and their embeddings kept row for row', () => {
    const out = candidatePool(pool, slices, { unit: 'slice', sliceSpacingMm: null, maxPerVolume: null }, none);
    expect(out.pool.ids).toEqual(['a0', 'a1', 'a2', 'a3', 'a4', 'a5', 'b0', 'b1', 'b2']);
    expect(Array.from(out.pool.embeddings.data)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(out.notes).toEqual(['selection unit slice: 2 image(s) that are not slices of a volume left out']);
  });

  it('slice unit every 4 mm: per volume from its first slice; a coarser volume keeps every slice', () => {
    const out = candidatePool(pool, slices, { unit: 'slice', sliceSpacingMm: 4, maxPerVolume: 1 }, none);
    expect(out.pool.ids).toEqual(['a0', 'a2', 'a4', 'b0', 'b1', 'b2']);
    expect(out.groups).toEqual(['series:A', 'series:A', 'series:A', 'series:B', 'series:B', 'series:B']);
    expect(out.notes).toContain('one slice every 4 mm: 3 slice(s) in between left out');
  });

  it('keeps cases already selected whatever the unit (the diversity reference)', () => {
    const out = candidatePool(pool, slices, { unit: 'slice', sliceSpacingMm: 4, maxPerVolume: null }, new Set(['a1', 'r0']));
    expect(out.pool.ids).toEqual(['a0', 'a1', 'a2', 'a4', 'b0', 'b1', 'b2', 'r0']);
  });

  it('counts an id it has no slice for as an image outside any volume', () => {
    const out = candidatePool(pool, new Map(), { unit: 'slice', sliceSpacingMm: null, maxPerVolume: null }, none);
    expect(out.pool.ids).toEqual([]);
  });
});
