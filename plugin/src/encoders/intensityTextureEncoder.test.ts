import { InvalidInputError } from '../core/errors';
import { resizeArea } from './grayImage';
import { INTENSITY_TEXTURE_DIMENSIONS, IntensityTextureEncoder, intensityTextureFeatures } from './intensityTextureEncoder';
import { phantom, rings, rowDistance } from './testImages';

const BLOCKS = [64, 256, 32, 144, 236];

describe('intensity-texture encoder', () => {
  const encoder = new IntensityTextureEncoder();

  it('has the documented 732 dimensions, each block unit-length', async () => {
    expect(encoder.dimensions()).toBe(732);
    expect(BLOCKS.reduce((a, b) => a + b, 0)).toBe(INTENSITY_TEXTURE_DIMENSIONS);
    const v = intensityTextureFeatures(phantom(100));
    let offset = 0;
    for (const len of BLOCKS) {
      let s = 0;
      for (let i = offset; i < offset + len; i++) s += v[i] * v[i];
      expect(Math.sqrt(s)).toBeCloseTo(1, 5);
      offset += len;
    }
  });

  it('is deterministic, finite, and independent of the intensity range', async () => {
    const a = phantom(96);
    const scaled = { ...a, data: a.data.map((x) => 0.01 * x - 7) };
    const e = await encoder.embed([a, a, scaled]);
    expect(e.every(Number.isFinite)).toBe(true);
    for (let k = 0; k < 732; k++) {
      expect(e[k]).toBe(e[732 + k]);
      // float32 rounding of the rescaled pixels can flip LBP ties (neighbour ≥ centre), hence 1e-3.
      expect(e[2 * 732 + k]).toBeCloseTo(e[k], 3);
    }
  });

  it('puts a shifted copy closer than a different image', async () => {
    const e = await encoder.embed([phantom(128), phantom(128, 3, 2), rings(128)]);
    expect(rowDistance(e, 732, 0, 1)).toBeLessThan(rowDistance(e, 732, 0, 2));
  });

  it('handles constant, tiny and non-square images', async () => {
    const e = await encoder.embed([
      { width: 10, height: 10, data: new Float32Array(100).fill(5) },
      { width: 1, height: 1, data: Float32Array.of(3) },
      { width: 70, height: 50, data: phantom(70).data.slice(0, 3500) },
    ]);
    expect(e.length).toBe(3 * 732);
    expect(e.every(Number.isFinite)).toBe(true);
  });

  it('rejects NaN pixels and size mismatches', async () => {
    await expect(encoder.embed([{ width: 2, height: 2, data: Float32Array.of(0, 1, NaN, 2) }])).rejects.toThrow(InvalidInputError);
    await expect(encoder.embed([{ width: 3, height: 2, data: new Float32Array(4) }])).rejects.toThrow(/4 values/);
  });

  it('reports progress and is fast (timing printed; shared 2-core machine, not asserted tightly)', async () => {
    const images = Array.from({ length: 8 }, (_, i) => phantom(512, i, 0));
    const fractions: number[] = [];
    const start = performance.now();
    await encoder.embed(images, (p) => fractions.push(p.fraction));
    const msPerImage = (performance.now() - start) / images.length;
    console.log(`intensity-texture: ${msPerImage.toFixed(1)} ms per 512×512 image`);
    expect(fractions[fractions.length - 1]).toBe(1);
    expect(msPerImage).toBeLessThan(500);
  });

  it('area resampling preserves the mean', () => {
    const img = phantom(37);
    const small = resizeArea(img, 8, 5);
    const mean = (d: Float32Array): number => d.reduce((a, b) => a + b, 0) / d.length;
    expect(mean(small.data)).toBeCloseTo(mean(img.data), 2);
  });
});
