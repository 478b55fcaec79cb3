import { PNG } from 'pngjs';
import { heatmapPng, inferno } from './heatmapPng';

describe('heatmapPng', () => {
  it('maps the ends of the scale to the ends of the colour map', () => {
    expect(inferno(0)).toEqual([0, 0, 4]);
    expect(inferno(1)).toEqual([252, 255, 164]);
    expect(inferno(-5)).toEqual([0, 0, 4]);
    expect(inferno(NaN)).toEqual([0, 0, 4]);
    expect(inferno(0.0625)).toEqual([16, 6, 38]); // halfway between the first two keys
  });

  it('writes a PNG that decodes to the expected pixels', () => {
    const buf = heatmapPng([0, 0.5, 1, 0.25], 2, 2);
    const png = PNG.sync.read(buf);
    expect([png.width, png.height]).toEqual([2, 2]);
    expect(Array.from(png.data.subarray(0, 4))).toEqual([0, 0, 4, 255]);
    expect(Array.from(png.data.subarray(8, 12))).toEqual([252, 255, 164, 255]);
  });

  it('uses a fixed scale when given and rejects a wrong size', () => {
    const png = PNG.sync.read(heatmapPng([0.5, 0.5], 2, 1, { min: 0, max: 1 }));
    expect(Array.from(png.data.subarray(0, 3))).toEqual(inferno(0.5));
    expect(() => heatmapPng([1, 2, 3], 2, 2)).toThrow(/3 values for 2 × 2/);
  });
});
