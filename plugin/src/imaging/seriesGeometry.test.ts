import { seriesGeometry, type SliceGeometry } from './seriesGeometry';

const AXIAL = [1, 0, 0, 0, 1, 0];
const SAGITTAL = [0, 1, 0, 0, 0, -1];

function slice(id: string, position: number[] | null, orientation: number[] | null = AXIAL, extra: Partial<SliceGeometry> = {}): SliceGeometry {
  return { id, position, orientation, rows: 4, columns: 5, frameOfReference: '1.2.3', ...extra };
}

describe('seriesGeometry', () => {
  it('orders shuffled axial slices by position along the normal, not by arrival', () => {
    const r = seriesGeometry([slice('c', [0, 0, 5]), slice('a', [0, 0, -5]), slice('b', [0, 0, 0]), slice('d', [0, 0, 10])]);
    expect(r).toMatchObject({ ok: true, order: ['a', 'b', 'c', 'd'], offsetsMm: [0, 5, 10, 15], spacingMm: 5, uniform: true, maxSpacingDeviation: 0, tiltMm: 0 });
    if (r.ok) expect(r.normal).toEqual([0, 0, 1]);
  });

  it('uses the normal of an oblique orientation (sagittal: the normal is −x)', () => {
    const r = seriesGeometry([slice('a', [2, 0, 0], SAGITTAL), slice('b', [0, 0, 0], SAGITTAL), slice('c', [4, 0, 0], SAGITTAL)]);
    // n = row × col = (0,1,0) × (0,0,−1) = (−1, 0, 0): larger x comes first.
    expect(r).toMatchObject({ ok: true, order: ['c', 'a', 'b'], spacingMm: 2 });
  });

  it('accepts a gantry tilt and reports it', () => {
    const r = seriesGeometry([0, 1, 2, 3].map((i) => slice(`s${i}`, [0, 0.5 * i, 2 * i])));
    expect(r).toMatchObject({ ok: true, order: ['s0', 's1', 's2', 's3'], spacingMm: 2 });
    if (r.ok) expect(r.tiltMm).toBeCloseTo(1.5, 10);
  });

  it('accepts unequal spacing up to 1.5× the median and says it is not uniform', () => {
    const r = seriesGeometry([0, 1, 2, 3.2].map((z, i) => slice(`s${i}`, [0, 0, z])));
    expect(r).toMatchObject({ ok: true, uniform: false, spacingMm: 1 });
    if (r.ok) expect(r.maxSpacingDeviation).toBeCloseTo(0.2, 10);
  });

  it('takes one slice as a volume of one slice', () => {
    expect(seriesGeometry([slice('only', [1, 2, 3])])).toMatchObject({ ok: true, order: ['only'], offsetsMm: [0], spacingMm: null, uniform: true });
  });

  it.each([
    ['empty', [], 'empty', /no slices/],
    ['no position', [slice('a', [0, 0, 0]), slice('b', null)], 'missing-geometry', /slice b has no valid Image Position/],
    ['NaN in a position', [slice('a', [0, 0, 0]), slice('b', [0, Number.NaN, 1])], 'missing-geometry', /slice b/],
    ['a short orientation', [slice('a', [0, 0, 0], [1, 0, 0, 0, 1])], 'missing-geometry', /slice a/],
    ['non-orthogonal cosines', [slice('a', [0, 0, 0], [1, 0, 0, 0.5, 0.5, 0])], 'invalid-orientation', /not two orthogonal unit vectors/],
    ['axial and sagittal', [slice('a', [0, 0, 0]), slice('b', [0, 0, 1], SAGITTAL)], 'mixed-orientation', /slice b is oriented differently from slice a/],
    ['different matrix', [slice('a', [0, 0, 0]), slice('b', [0, 0, 1], AXIAL, { rows: 8 })], 'mixed-size', /slice b is 5×8, slice a is 5×4/],
    ['different frame of reference', [slice('a', [0, 0, 0]), slice('b', [0, 0, 1], AXIAL, { frameOfReference: '9.9' })], 'mixed-frame-of-reference', /a and b/],
    ['two slices at one position', [slice('a', [0, 0, 0]), slice('b', [0, 0, 1]), slice('c', [0.3, 0, 1])], 'duplicate-position', /slices b and c are at the same position/],
    ['a missing slice', [0, 1, 2, 4, 5].map((z) => slice(`z${z}`, [0, 0, z])), 'gap', /gap of 2.00 mm between slices z2 and z4, against a spacing of 1.00 mm/],
  ] as const)('refuses %s with a reason', (_label, slices, problem, message) => {
    const r = seriesGeometry(slices as readonly SliceGeometry[]);
    expect(r).toMatchObject({ ok: false, problem });
    if (!r.ok) expect(r.message).toMatch(message);
  });

  it('tolerates cosines that differ by rounding only', () => {
    const r = seriesGeometry([slice('a', [0, 0, 0]), slice('b', [0, 0, 1], [1, 0, 0.0004, 0, 1, 0])]);
    expect(r).toMatchObject({ ok: true, order: ['a', 'b'] });
  });
});
