import { InvalidInputError } from '../../core/errors';
import { createRng } from '../../random/rng';
import type { GrayImage } from '../types';
import {
  addGaussianNoise,
  augmentView,
  DEFAULT_AUGMENT_OPTIONS,
  jitterIntensity,
  randomCropWindow,
  randomResizedCrop,
  resampleWindow,
  rotate,
  validateAugmentOptions,
} from './augment';
import { disk, ramp } from './testImages';

/** Mean of the left (or top) half minus the mean of the right (or bottom) half. */
function halfDifference(image: GrayImage, vertical: boolean): number {
  let first = 0;
  let second = 0;
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const inFirst = vertical ? y < image.height / 2 : x < image.width / 2;
      if (inFirst) first += image.data[y * image.width + x]!;
      else second += image.data[y * image.width + x]!;
    }
  }
  return (first - second) / (image.width * image.height / 2);
}

describe('self-supervised augmentations', () => {
  const source = { ...disk(24, 3), data: disk(24, 3).data.map((v) => v / 3000) };

  it('are deterministic for a seed and differ across seeds', () => {
    const a = augmentView(source, 16, createRng(7));
    const b = augmentView(source, 16, createRng(7));
    const c = augmentView(source, 16, createRng(8));
    expect(Array.from(b.data)).toEqual(Array.from(a.data));
    expect(Array.from(c.data)).not.toEqual(Array.from(a.data));
  });

  it('give size × size views from any input size, and keep the size when rotating', () => {
    for (const [w, h] of [[24, 24], [40, 17], [5, 9], [1, 1]] as const) {
      const image = ramp(w, h);
      const view = augmentView(image, 16, createRng(w * 100 + h));
      expect([view.width, view.height, view.data.length]).toEqual([16, 16, 256]);
      const turned = rotate(image, 7);
      expect([turned.width, turned.height, turned.data.length]).toEqual([w, h, w * h]);
      expect(randomResizedCrop(image, 8, createRng(1)).data.length).toBe(64);
    }
  });

  it('never flip: a left-to-right and a top-to-bottom ramp keep their direction in every view', () => {
    const horizontal = ramp(32, 32);
    const vertical = ramp(32, 32, true);
    const rng = createRng(11);
    for (let i = 0; i < 40; i++) {
      // Dark half first: the first half's mean stays below the second's, by a clear margin.
      expect(halfDifference(augmentView(horizontal, 16, rng), false)).toBeLessThan(-0.1);
      expect(halfDifference(augmentView(vertical, 16, rng), true)).toBeLessThan(-0.1);
    }
  });

  it('stay finite, also for a constant image and with noise and jitter forced on', () => {
    const always = { ...DEFAULT_AUGMENT_OPTIONS, jitterProbability: 1, noiseProbability: 1 };
    const constant = { width: 10, height: 10, data: new Float32Array(100).fill(0.5) };
    const rng = createRng(3);
    for (const image of [source, constant, ramp(13, 7)]) {
      for (let i = 0; i < 5; i++) expect(augmentView(image, 16, rng, always).data.every(Number.isFinite)).toBe(true);
    }
  });

  it('resample exactly: the full window at angle 0 is the identity, 180° is the point reflection', () => {
    const image = ramp(6, 4);
    image.data[5] = 3; // an asymmetric marker (row 0, right-most column)
    const identity = resampleWindow(image, { centerX: 3, centerY: 2, width: 6, height: 4, angle: 0 }, 6, 4);
    identity.data.forEach((v, i) => expect(v).toBeCloseTo(image.data[i]!, 6));
    const turned = rotate(image, 180);
    for (let y = 0; y < 4; y++) {
      for (let x = 0; x < 6; x++) expect(turned.data[y * 6 + x]).toBeCloseTo(image.data[(3 - y) * 6 + (5 - x)]!, 5);
    }
  });

  it('rotate turns counter-clockwise on screen (y down)', () => {
    const image = { width: 5, height: 5, data: new Float32Array(25) };
    image.data[2 * 5 + 4] = 1; // right of centre
    const turned = rotate(image, 90);
    expect(turned.data[0 * 5 + 2]).toBeCloseTo(1, 5); // above centre
  });

  it('draw crops within the configured area and aspect ranges, inside the image', () => {
    const rng = createRng(5);
    for (let i = 0; i < 200; i++) {
      const c = randomCropWindow(40, 30, rng);
      const area = (c.width * c.height) / (40 * 30);
      expect(area).toBeGreaterThanOrEqual(0.5 - 1e-9);
      expect(area).toBeLessThanOrEqual(1 + 1e-9);
      expect(c.width / c.height).toBeGreaterThanOrEqual(0.75 - 1e-9);
      expect(c.width / c.height).toBeLessThanOrEqual(4 / 3 + 1e-9);
      expect(c.centerX - c.width / 2).toBeGreaterThanOrEqual(-1e-9);
      expect(c.centerX + c.width / 2).toBeLessThanOrEqual(40 + 1e-9);
      expect(c.centerY + c.height / 2).toBeLessThanOrEqual(30 + 1e-9);
    }
  });

  it('jitter is monotonic and stays in [0, 1]; noise changes pixels and keeps size', () => {
    const image = ramp(50, 1);
    const rng = createRng(9);
    for (let i = 0; i < 20; i++) {
      const j = jitterIntensity(image, rng, { brightness: 0.3, contrast: 1.5, gamma: 1.5 });
      for (let x = 1; x < 50; x++) expect(j.data[x]!).toBeGreaterThanOrEqual(j.data[x - 1]!);
      expect(j.data.every((v) => v >= 0 && v <= 1)).toBe(true);
    }
    const noisy = addGaussianNoise(image, createRng(2), 0.05);
    expect(noisy.data.length).toBe(50);
    expect(Array.from(noisy.data)).not.toEqual(Array.from(image.data));
  });

  it('options are validated', () => {
    expect(() => validateAugmentOptions(DEFAULT_AUGMENT_OPTIONS)).not.toThrow();
    expect(() => validateAugmentOptions({ ...DEFAULT_AUGMENT_OPTIONS, cropArea: [0, 1] })).toThrow(InvalidInputError);
    expect(() => validateAugmentOptions({ ...DEFAULT_AUGMENT_OPTIONS, cropArea: [0.9, 0.5] })).toThrow(/cropArea/);
    expect(() => validateAugmentOptions({ ...DEFAULT_AUGMENT_OPTIONS, noiseProbability: 2 })).toThrow(/noiseProbability/);
    expect(() => validateAugmentOptions({ ...DEFAULT_AUGMENT_OPTIONS, contrast: 0.5 })).toThrow(/contrast/);
  });
});
