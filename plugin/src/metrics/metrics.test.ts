import { InvalidInputError } from '../core/errors';
import { binaryDice, classDice, diceScores } from './dice';
import { squaredDistanceTransform } from './distanceTransform';
import { binaryHausdorff, hausdorffScores, surfaceMask } from './hausdorff';
import { LabelMap } from './labelMap';
import { percentileLinear } from './percentile';
import fixture from './__fixtures__/metrics.json';

/** Decodes the fixture's run-length encoding [value, count, …] (see metrics_reference.py). */
function unRle(rle: number[], n: number): Uint8Array {
  const out = new Uint8Array(n);
  let k = 0;
  for (let i = 0; i < rle.length; i += 2) { out.fill(rle[i], k, k + rle[i + 1]); k += rle[i + 1]; }
  if (k !== n) throw new Error(`RLE covers ${k} of ${n} pixels`);
  return out;
}

/** SciPy/NumPy value (null = NaN) vs ours, to ~1e-9. */
function expectClose(actual: number | null, expected: number | null): void {
  if (expected === null) expect(actual === null || Number.isNaN(actual)).toBe(true);
  else expect(Math.abs((actual as number) - expected)).toBeLessThan(1e-9);
}

describe('metrics against SciPy/NumPy (scripts/reference/metrics_reference.py)', () => {
  for (const c of fixture.cases) {
    const n = c.width * c.height;
    const pred: LabelMap = { width: c.width, height: c.height, labels: unRle(c.prediction, n) };
    const truth: LabelMap = { width: c.width, height: c.height, labels: unRle(c.truth, n) };

    it(`Dice: ${c.name}`, () => {
      const d = diceScores(pred, truth, c.numClasses);
      c.dice.perClass.forEach((v, i) => expectClose(d.perClass[i], v));
      expectClose(d.meanForeground, c.dice.meanForeground);
      expectClose(d.imageLevel, c.dice.imageLevel);
    });

    it(`HD95: ${c.name}`, () => {
      const h = hausdorffScores(pred, truth, c.numClasses, c.spacing ? { spacing: { row: c.spacing.row, column: c.spacing.col } } : {});
      expect(h.status).toEqual(c.hd95.status);
      c.hd95.perClass.forEach((v, i) => expectClose(h.perClass[i], v));
      expectClose(h.meanForeground, c.hd95.meanForeground);
      expect(h.excludedFromMean).toBe(c.hd95.excludedFromMean);
      expectClose(h.imageLevel, c.hd95.imageLevel);
      expect(h.imageLevelStatus).toBe(c.hd95.imageLevelStatus);
      if (c.hd95.perClassMm) {
        expect(h.perClassMm).not.toBeNull();
        c.hd95.perClassMm.forEach((v, i) => expectClose((h.perClassMm as number[])[i], v));
        expectClose(h.meanForegroundMm, c.hd95.meanForegroundMm);
        expectClose(h.imageLevelMm, c.hd95.imageLevelMm);
      } else {
        expect(h.perClassMm).toBeNull();
      }
    });
  }

  it('exact EDT equals distance_transform_edt(sampling=(0.7, 1.3))', () => {
    const e = fixture.edt;
    const feat = unRle(e.features, e.width * e.height);
    const d2 = squaredDistanceTransform(feat, e.width, e.height, e.sampling[0], e.sampling[1]);
    e.distances.forEach((v, i) => expectClose(Math.sqrt(d2[i]), v));
  });
});

describe('metrics by hand', () => {
  it('Dice: both empty → 1, one empty → 0, overlap', () => {
    expect(binaryDice(new Uint8Array(4), new Uint8Array(4))).toBe(1);
    expect(binaryDice(Uint8Array.from([1, 0, 0, 0]), new Uint8Array(4))).toBe(0);
    // |A| = 2, |B| = 2, |A∩B| = 1 → 0.5
    expect(binaryDice(Uint8Array.from([1, 1, 0, 0]), Uint8Array.from([0, 1, 1, 0]))).toBe(0.5);
    const a: LabelMap = { width: 2, height: 2, labels: Uint8Array.from([0, 1, 1, 2]) };
    const b: LabelMap = { width: 2, height: 2, labels: Uint8Array.from([0, 1, 2, 2]) };
    const d = diceScores(a, b, 4);
    expect(d.perClass).toEqual([1, 2 / 3, 2 / 3, 1]);
    expect(d.bothEmpty).toEqual([false, false, false, true]);
    expect(d.meanForeground).toBeCloseTo((2 / 3 + 2 / 3 + 1) / 3, 15);
    expect(d.imageLevel).toBe(1);
    expect(classDice(a, b, 4, 2)).toBeCloseTo(2 / 3, 15);
  });

  it('surface = mask XOR cross erosion; border pixels are surface', () => {
    // 3×3 block inside 5×5: only the centre is interior.
    const m = new Uint8Array(25);
    for (let y = 1; y < 4; y++) for (let x = 1; x < 4; x++) m[y * 5 + x] = 1;
    const s = surfaceMask(m, 5, 5);
    expect(Array.from(s).reduce((p, v) => p + v, 0)).toBe(8);
    expect(s[12]).toBe(0);
    // A full image: every border pixel is surface (outside counts as background, as in SciPy).
    expect(Array.from(surfaceMask(new Uint8Array(9).fill(1), 3, 3))).toEqual([1, 1, 1, 1, 0, 1, 1, 1, 1]);
  });

  it('HD95 of two single pixels is their (anisotropic) distance; empty cases', () => {
    const a = new Uint8Array(20);
    const b = new Uint8Array(20);
    a[0] = 1; // (0, 0)
    b[3 * 5 + 4] = 1; // (3, 4) in a 4-row × 5-col grid
    expect(binaryHausdorff(a, b, 5, 4).value).toBeCloseTo(5, 14);
    expect(binaryHausdorff(a, b, 5, 4, { row: 2, column: 1 }).value).toBeCloseTo(Math.sqrt(36 + 16), 14);
    expect(binaryHausdorff(new Uint8Array(20), new Uint8Array(20), 5, 4)).toEqual({ value: 0, status: 'both-empty' });
    const one = binaryHausdorff(a, new Uint8Array(20), 5, 4);
    expect(one.status).toBe('one-empty');
    expect(Number.isNaN(one.value)).toBe(true);
  });

  it('percentile matches numpy linear interpolation', () => {
    expect(percentileLinear([1, 2, 3, 4], 95)).toBeCloseTo(3.85, 14);
    expect(percentileLinear([5], 95)).toBe(5);
    expect(Number.isNaN(percentileLinear([], 95))).toBe(true);
  });

  it('rejects mismatched sizes, out-of-range classes and bad spacing', () => {
    const a: LabelMap = { width: 2, height: 2, labels: new Uint8Array(4) };
    const b: LabelMap = { width: 4, height: 1, labels: new Uint8Array(4) };
    expect(() => diceScores(a, b, 2)).toThrow(InvalidInputError);
    expect(() => diceScores(a, { width: 2, height: 2, labels: Uint8Array.from([0, 0, 0, 3]) }, 2)).toThrow(/class 3/);
    expect(() => hausdorffScores(a, a, 2, { spacing: { row: 0, column: 1 } })).toThrow(/spacing/);
  });

  it('is linear-time: a 512×512 three-class pair scores quickly', () => {
    const w = 512;
    const data = (r: number): Uint8Array => {
      const out = new Uint8Array(w * w);
      for (let y = 0; y < w; y++) for (let x = 0; x < w; x++) {
        const d = Math.hypot(y - 256, x - 180);
        out[y * w + x] = d < r ? 1 : Math.hypot(y - 256, x - 340) < r ? 2 : 0;
      }
      return out;
    };
    const h = hausdorffScores({ width: w, height: w, labels: data(100) }, { width: w, height: w, labels: data(95) }, 3);
    // Concentric discs 5 px apart: every surface distance is ~5 px.
    expect(h.perClass[1]).toBeGreaterThan(4);
    expect(h.perClass[1]).toBeLessThan(6);
  });
});
