import { createHash } from 'crypto';
import { InvalidInputError } from '../core/errors';
import { kmeans } from '../clustering/kmeans';
import { intensityTextureFeatures } from '../encoders/intensityTextureEncoder';
import { createRng } from '../random/rng';
import {
  CHEST_PHANTOM_GROUPS,
  CHEST_PHANTOM_LABELS,
  CHEST_PHANTOM_MAX_VALUE,
  chestPhantom,
  chestPhantomSet,
  type ChestPhantom,
  type ChestPhantomGroup,
  type ChestPhantomSetItem,
} from './chestPhantom';

/** Number of 4-connected components of the pixels equal to `label`. */
function componentCount(mask: Uint8Array, size: number, label: number): number {
  const seen = new Uint8Array(mask.length);
  const stack: number[] = [];
  let count = 0;
  for (let start = 0; start < mask.length; start++) {
    if (mask[start] !== label || seen[start]) continue;
    count++;
    seen[start] = 1;
    stack.push(start);
    while (stack.length > 0) {
      const p = stack.pop() as number;
      const r = Math.floor(p / size);
      const c = p % size;
      const neighbours = [c > 0 ? p - 1 : -1, c < size - 1 ? p + 1 : -1, r > 0 ? p - size : -1, r < size - 1 ? p + size : -1];
      for (const q of neighbours) {
        if (q >= 0 && !seen[q] && mask[q] === label) {
          seen[q] = 1;
          stack.push(q);
        }
      }
    }
  }
  return count;
}

function labelStats(ph: ChestPhantom, label: number): { fraction: number; centroidX: number; mean: number } {
  let n = 0;
  let sx = 0;
  let sv = 0;
  for (let p = 0; p < ph.mask.length; p++) {
    if (ph.mask[p] !== label) continue;
    n++;
    sx += p % ph.size;
    sv += ph.pixels[p];
  }
  return { fraction: n / ph.mask.length, centroidX: n ? sx / n / ph.size : NaN, mean: n ? sv / n : NaN };
}

/** Mean of the pixels strictly between the two lungs, on rows where both lungs are present. */
function mediastinumMean(ph: ChestPhantom): number {
  const { size, mask, pixels } = ph;
  let n = 0;
  let s = 0;
  for (let r = 0; r < size; r++) {
    let rightEnd = -1;
    let leftStart = -1;
    for (let c = 0; c < size; c++) {
      const v = mask[r * size + c];
      if (v === CHEST_PHANTOM_LABELS.rightLung) rightEnd = c;
      if (v === CHEST_PHANTOM_LABELS.leftLung && leftStart < 0) leftStart = c;
    }
    if (rightEnd < 0 || leftStart < 0 || leftStart <= rightEnd + 1) continue;
    for (let c = rightEnd + 1; c < leftStart; c++) {
      s += pixels[r * size + c];
      n++;
    }
  }
  return s / n;
}

/** Summed-area table of a size × size image. */
function integral(values: ArrayLike<number>, size: number): Float64Array {
  const s = size + 1;
  const table = new Float64Array(s * s);
  for (let r = 0; r < size; r++) {
    let row = 0;
    for (let c = 0; c < size; c++) {
      row += values[r * size + c];
      table[(r + 1) * s + c + 1] = table[r * s + c + 1] + row;
    }
  }
  return table;
}

function boxSum(table: Float64Array, size: number, r0: number, c0: number, r1: number, c1: number): number {
  const s = size + 1;
  return table[(r1 + 1) * s + c1 + 1] - table[r0 * s + c1 + 1] - table[(r1 + 1) * s + c0] + table[r0 * s + c0];
}

/**
 * Std of (pixel − local mean over a small window) over the lung pixels that lie at least 5 % of
 * the image side inside the lung: texture (ribs, vessels, noise) rather than the lung border or
 * the smooth shading near it. With the ribs, vessels and lung texture switched off this measures
 * 8–17 at 128² and 256²; with them, 31 or more.
 */
function lungTexture(ph: ChestPhantom): number {
  const { size, mask, pixels } = ph;
  const inside = integral(Array.from(mask, (v) => (v !== 0 ? 1 : 0)), size);
  const sums = integral(pixels, size);
  const R = Math.max(2, Math.round(size * 0.05));
  const h = Math.max(1, Math.round(size / 85));
  let n = 0;
  let s2 = 0;
  for (let r = R; r < size - R; r++) {
    for (let c = R; c < size - R; c++) {
      if (mask[r * size + c] === 0) continue;
      if (boxSum(inside, size, r - R, c - R, r + R, c + R) < (2 * R + 1) ** 2) continue;
      const d = pixels[r * size + c] - boxSum(sums, size, r - h, c - h, r + h, c + h) / (2 * h + 1) ** 2;
      s2 += d * d;
      n++;
    }
  }
  return Math.sqrt(s2 / n);
}

function iou(a: Uint8Array, b: Uint8Array): number {
  let inter = 0;
  let union = 0;
  for (let p = 0; p < a.length; p++) {
    const x = a[p] !== 0;
    const y = b[p] !== 0;
    if (x && y) inter++;
    if (x || y) union++;
  }
  return inter / union;
}

describe('chestPhantom', () => {
  it('is deterministic: the same seed gives identical pixels, mask and meta', () => {
    const a = chestPhantom({ seed: 42, size: 128 });
    const b = chestPhantom({ seed: 42, size: 128 });
    expect(Buffer.from(a.pixels.buffer).equals(Buffer.from(b.pixels.buffer))).toBe(true);
    expect(Buffer.from(a.mask.buffer).equals(Buffer.from(b.mask.buffer))).toBe(true);
    expect(a.meta).toEqual(b.meta);
  });

  it('differs between seeds (pixels and mask)', () => {
    const a = chestPhantom({ seed: 1, size: 128, variant: 'adult' });
    const b = chestPhantom({ seed: 2, size: 128, variant: 'adult' });
    let differentPixels = 0;
    for (let p = 0; p < a.pixels.length; p++) if (a.pixels[p] !== b.pixels[p]) differentPixels++;
    expect(differentPixels).toBeGreaterThan(a.pixels.length / 2);
    expect(iou(a.mask, b.mask)).toBeLessThan(0.97);
  });

  it('defaults to 256 × 256 and honours the size option', () => {
    const def = chestPhantom({ seed: 3 });
    expect(def.size).toBe(256);
    expect(def.pixels).toBeInstanceOf(Uint16Array);
    expect(def.mask).toBeInstanceOf(Uint8Array);
    expect(def.pixels.length).toBe(256 * 256);
    expect(def.mask.length).toBe(256 * 256);
    for (const size of [64, 128]) {
      const ph = chestPhantom({ seed: 3, size });
      expect(ph.size).toBe(size);
      expect(ph.meta.size).toBe(size);
      expect(ph.pixels.length).toBe(size * size);
      expect(ph.mask.length).toBe(size * size);
      expect(ph.meta.pixelSpacingMm).toBeCloseTo(430 / size, 5);
    }
  });

  // Every group at every size the demo uses, several seeds each.
  const cases: Array<[ChestPhantomGroup, number, number]> = [];
  for (const group of CHEST_PHANTOM_GROUPS) for (const size of [64, 128, 256]) for (const seed of [11, 12, 13]) cases.push([group, size, seed]);

  it.each(cases)('%s %i² seed %i: 12-bit values, two plausible connected lungs darker than the mediastinum', (group, size, seed) => {
    const ph = chestPhantom({ seed, size, variant: group });
    expect(ph.meta.group).toBe(group);

    let min = Infinity;
    let max = -Infinity;
    for (const v of ph.pixels) {
      if (v < min) min = v;
      if (v > max) max = v;
    }
    expect(max).toBeLessThanOrEqual(CHEST_PHANTOM_MAX_VALUE);
    expect(max - min).toBeGreaterThan(1500); // uses the range: dark air, bright tissue
    let badLabels = 0;
    for (const v of ph.mask) if (v > 2) badLabels++;
    expect(badLabels).toBe(0);

    const right = labelStats(ph, CHEST_PHANTOM_LABELS.rightLung);
    const left = labelStats(ph, CHEST_PHANTOM_LABELS.leftLung);
    for (const lung of [right, left]) {
      expect(lung.fraction).toBeGreaterThan(0.05);
      expect(lung.fraction).toBeLessThan(0.25);
    }
    expect(ph.meta.rightLungFraction).toBeCloseTo(right.fraction, 3);
    expect(ph.meta.leftLungFraction).toBeCloseTo(left.fraction, 3);
    // PA convention: the patient's right lung is on the image's left.
    expect(right.centroidX).toBeLessThan(0.5);
    expect(left.centroidX).toBeGreaterThan(0.5);
    expect(componentCount(ph.mask, size, CHEST_PHANTOM_LABELS.rightLung)).toBe(1);
    expect(componentCount(ph.mask, size, CHEST_PHANTOM_LABELS.leftLung)).toBe(1);

    const mediastinum = mediastinumMean(ph);
    expect(right.mean).toBeLessThan(mediastinum - 300);
    expect(left.mean).toBeLessThan(mediastinum - 300);

    // The lung interior is textured (ribs, vessels), not flat (ribs are not resolved at 64²).
    if (size >= 128) expect(lungTexture(ph)).toBeGreaterThan(24);
  });

  it('has a smaller left lung (cardiac notch) on average and a plausible cardiothoracic ratio', () => {
    let rightSum = 0;
    let leftSum = 0;
    for (let seed = 0; seed < 12; seed++) {
      const ph = chestPhantom({ seed, size: 64, variant: 'adult' });
      rightSum += ph.meta.rightLungFraction;
      leftSum += ph.meta.leftLungFraction;
      expect(ph.meta.cardiothoracicRatio).toBeGreaterThan(0.3);
      expect(ph.meta.cardiothoracicRatio).toBeLessThan(0.6);
    }
    expect(leftSum).toBeLessThan(rightSum);
  });

  it('gives the groups their characteristics', () => {
    const metas = (group: ChestPhantomGroup) => [1, 2, 3, 4].map((seed) => chestPhantom({ seed, size: 64, variant: group }).meta);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const adult = metas('adult');
    expect(mean(metas('child').map((m) => m.scale))).toBeLessThan(mean(adult.map((m) => m.scale)) - 0.08);
    for (const m of metas('rotated')) expect(Math.abs(m.rotationDeg)).toBeGreaterThanOrEqual(8);
    for (const m of adult) expect(Math.abs(m.rotationDeg)).toBeLessThan(8);
    const low = metas('low-exposure');
    expect(Math.min(...low.map((m) => m.noise))).toBeGreaterThan(Math.max(...adult.map((m) => m.noise)));
    expect(Math.max(...low.map((m) => m.contrast))).toBeLessThan(Math.min(...adult.map((m) => m.contrast)));
  });

  it('draws the group from the seed when no variant is given, covering every group', () => {
    const seen = new Set<string>();
    for (let seed = 0; seed < 40; seed++) seen.add(chestPhantom({ seed, size: 16 }).meta.group);
    expect([...seen].sort()).toEqual([...CHEST_PHANTOM_GROUPS].sort());
  });

  it('rejects bad options', () => {
    expect(() => chestPhantom({ seed: 1, size: 8 })).toThrow(InvalidInputError);
    expect(() => chestPhantom({ seed: 1, size: 100.5 })).toThrow(InvalidInputError);
    expect(() => chestPhantom({ seed: 1.5 })).toThrow(InvalidInputError);
    expect(() => chestPhantom({ seed: 1, variant: 'elderly' as ChestPhantomGroup })).toThrow(InvalidInputError);
    expect(() => chestPhantomSet(-1, 1, 64)).toThrow(InvalidInputError);
    expect(() => chestPhantomSet(2, 1, 0)).toThrow(InvalidInputError);
  });
});

describe('chestPhantomSet', () => {
  const set = chestPhantomSet(12, 2024, 64);

  it('returns count phantoms with ids phantom-0001… and every group', () => {
    expect(set).toHaveLength(12);
    expect(set.map((p) => p.id)).toEqual(Array.from({ length: 12 }, (_, i) => `phantom-${String(i + 1).padStart(4, '0')}`));
    const counts = new Map<string, number>();
    for (const p of set) counts.set(p.meta.group, (counts.get(p.meta.group) ?? 0) + 1);
    for (const g of CHEST_PHANTOM_GROUPS) expect(counts.get(g) ?? 0).toBeGreaterThanOrEqual(2);
    for (const p of set) expect(p.pixels.length).toBe(64 * 64);
    expect(chestPhantomSet(0, 1, 64)).toEqual([]);
    expect(new Set(chestPhantomSet(4, 9, 16).map((p) => p.meta.group)).size).toBe(4);
  });

  it('is deterministic in (count, seed, size) and varies the anatomy across images', () => {
    const again = chestPhantomSet(12, 2024, 64);
    for (let i = 0; i < set.length; i++) {
      expect(again[i].id).toBe(set[i].id);
      expect(again[i].meta).toEqual(set[i].meta);
      expect(Buffer.from(again[i].pixels.buffer).equals(Buffer.from(set[i].pixels.buffer))).toBe(true);
    }
    expect(new Set(set.map((p) => p.meta.seed)).size).toBe(12);
    for (let i = 0; i < set.length; i++) {
      for (let j = i + 1; j < set.length; j++) expect(iou(set[i].mask, set[j].mask)).toBeLessThan(0.99);
    }
  });

  it('has group structure that k-means on the intensity-texture embedding recovers', () => {
    const n = 40;
    const pool = chestPhantomSet(n, 3, 64);
    const first = intensityTextureFeatures({ width: 64, height: 64, data: Float32Array.from(pool[0].pixels) });
    const d = first.length;
    const data = new Float32Array(n * d);
    pool.forEach((p, i) => data.set(i === 0 ? first : intensityTextureFeatures({ width: 64, height: 64, data: Float32Array.from(p.pixels) }), i * d));
    const { labels } = kmeans({ rows: n, cols: d, data }, CHEST_PHANTOM_GROUPS.length, {}, createRng(7));
    // Purity: each cluster counted by its majority group.
    let majority = 0;
    for (let c = 0; c < CHEST_PHANTOM_GROUPS.length; c++) {
      const counts = new Map<string, number>();
      pool.forEach((p, i) => {
        if (labels[i] === c) counts.set(p.meta.group, (counts.get(p.meta.group) ?? 0) + 1);
      });
      majority += Math.max(0, ...counts.values());
    }
    expect(majority / n).toBeGreaterThanOrEqual(0.8);
  });
});

/** SHA-256 over each phantom's id (set items only), pixel bytes, mask bytes and JSON meta, in order. */
function phantomHash(phantoms: ReadonlyArray<ChestPhantom | ChestPhantomSetItem>): string {
  const hash = createHash('sha256');
  for (const ph of phantoms) {
    if ('id' in ph) hash.update(ph.id);
    hash.update(Buffer.from(ph.pixels.buffer, ph.pixels.byteOffset, ph.pixels.byteLength));
    hash.update(Buffer.from(ph.mask.buffer, ph.mask.byteOffset, ph.mask.byteLength));
    hash.update(JSON.stringify(ph.meta));
  }
  return hash.digest('hex');
}

describe('chestPhantom golden hashes', () => {
  // These pin the exact output (pixels, mask and meta, bit for bit) of the phantom generator for a
  // few (variant, size, seed) cases, one drawn group and one set, so that refactorings cannot
  // silently change the images the demo, the benches and the end-to-end tests are built on.
  // They may change only when the phantom is deliberately changed. To regenerate, run
  //   npx jest plugin/src/synthetic/chestPhantom.test.ts -t 'golden hashes'
  // and copy the "Received" values from the failure diff into GOLDEN below.
  const GOLDEN: Record<string, string> = {
    'adult/128/1': '2c7881ce09028ac3c8e7fdaaf5716269b30d2c387758afaaaa86d72671af0d26',
    'child/64/5': '0a3941cc88cc9cb60b5a7b3e47ab5c96c4f409651972d82829e9d142fc07bc92',
    'rotated/256/9': 'b34d144e511afa0566f40dfce20511999ff3bf2c1d8746b92c806bd21a71697f',
    'low-exposure/128/12': '5fe6e181a53159e2d9fea37e47614549eb5971d8d0ea1af51dd7f4dba057a4e0',
    'drawn/64/2': 'a68b2c3c052f3085cce5b32f778c6bd43019271da2ec9e686258b0c097ac6946',
    'set/12/7/64': 'f68a85a35fb0341e38376083ba7bc27f42af6d72c021ee7ba360da21dbb3250c',
  };

  it('reproduces the pinned pixels, masks and meta bit for bit', () => {
    const phantom = (variant: ChestPhantomGroup | undefined, size: number, seed: number): ChestPhantom =>
      chestPhantom(variant === undefined ? { seed, size } : { seed, size, variant });
    const actual: Record<string, string> = {
      'adult/128/1': phantomHash([phantom('adult', 128, 1)]),
      'child/64/5': phantomHash([phantom('child', 64, 5)]),
      'rotated/256/9': phantomHash([phantom('rotated', 256, 9)]),
      'low-exposure/128/12': phantomHash([phantom('low-exposure', 128, 12)]),
      'drawn/64/2': phantomHash([phantom(undefined, 64, 2)]),
      'set/12/7/64': phantomHash(chestPhantomSet(12, 7, 64)),
    };
    expect(actual).toEqual(GOLDEN);
  });
});
