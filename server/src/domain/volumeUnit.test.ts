import type { EmbeddedPool, SelectionRun } from '@scanselect/plugin';
import type { CaseSlice } from './candidatePool';
import { mostUncertainSlice, typicalSlice, volumeEntropy, volumeView, withChosenSlices } from './volumeUnit';

// Volume A: slices a0…a4 with embeddings 0, 1, 2, 3, 10 (one outlier); volume B: b0…b2 at 20, 21, 22.
const ids = ['a3', 'b1', 'a0', 'a4', 'b0', 'a1', 'b2', 'a2'];
const values: Record<string, number> = { a0: 0, a1: 1, a2: 2, a3: 3, a4: 10, b0: 20, b1: 21, b2: 22 };
const pool: EmbeddedPool = { ids, embeddings: { rows: ids.length, cols: 1, data: Float32Array.from(ids.map((id) => values[id]!)) } };
const slices = new Map<string, CaseSlice>(ids.map((id) => [id, { seriesUid: id[0] === 'a' ? 'A' : 'B', sliceIndex: Number(id[1]), offsetMm: 2 * Number(id[1]) }]));

describe('volumeView', () => {
  it('one row per volume: its middle slice as the key, the mean embedding, the candidate slices in order', () => {
    const view = volumeView(pool, slices, new Set());
    expect(view.pool.ids).toEqual(['a2', 'b1']);
    expect(Array.from(view.pool.embeddings.data)).toEqual([Math.fround(16 / 5), 21]);
    expect(view.members.get('a2')).toEqual(['a0', 'a1', 'a2', 'a3', 'a4']);
    expect(view.chosen).toEqual([]);
  });

  it('marks a volume a slice was selected from as chosen, and leaves that slice out of its candidates', () => {
    const view = volumeView(pool, slices, new Set(['b0']));
    expect(view.chosen).toEqual(['b1']);
    expect(view.selectedSlice).toEqual(new Map([['b1', 'b0']]));
    expect(view.members.get('b1')).toEqual(['b1', 'b2']);
  });
});

describe('choosing the slice', () => {
  it('cold start: the slice nearest the volume\'s mean embedding, not its middle slice', () => {
    expect(typicalSlice(pool, ['a0', 'a1', 'a2', 'a3', 'a4'], [16 / 5])).toBe('a3');
  });

  it('round: the volume\'s entropy is its slices\' mean, and the slice given is the most uncertain', () => {
    const entropy = new Map([['a0', 0.1], ['a1', 0.5], ['a2', 0.3], ['a3', 0.5], ['a4', 0.1]]);
    expect(volumeEntropy(['a0', 'a1', 'a2', 'a3', 'a4'], entropy)).toBeCloseTo(0.3, 12);
    expect(mostUncertainSlice(['a0', 'a1', 'a2', 'a3', 'a4'], entropy)).toBe('a1'); // ties: the earlier slice
  });

  it('puts the chosen slices in place of the volumes in the report and the map', () => {
    const run = { map: { rows: 2, cols: 2, data: new Float32Array(4) }, report: { selected: [{ id: 'b1', rank: 1 }] } } as unknown as SelectionRun;
    const out = withChosenSlices(run, ['a2', 'b1', 'c1'], new Map([['b1', 'b2']]), new Map([['c1', 'c0']]));
    expect(out.run.report.selected.map((e) => e.id)).toEqual(['b2']);
    expect(out.mapIds).toEqual(['a2', 'b2', 'c0']);
  });
});
