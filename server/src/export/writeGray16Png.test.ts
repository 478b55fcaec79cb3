import { readPng } from '@scanselect/plugin';
import { writeGray16Png } from './writeGray16Png';

describe('writeGray16Png', () => {
  it('writes 16-bit grey PNGs that pngjs reads back value for value (CRCs checked)', () => {
    const width = 37;
    const height = 23;
    const data = new Uint16Array(width * height);
    for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = (x * 1777 + y * y * 311 + (x ^ y) * 13) % 65536;
    const png = writeGray16Png(data, width, height);
    expect(Array.from(png.subarray(24, 26))).toEqual([16, 0]); // IHDR bit depth 16, colour type 0
    const image = readPng(png);
    expect([image.width, image.height, image.channels]).toEqual([width, height, 1]);
    expect(Array.from(image.data)).toEqual(Array.from(data));
  });

  it('refuses a size that does not match the data', () => {
    expect(() => writeGray16Png(new Uint16Array(5), 2, 2)).toThrow(/5 values for 2 × 2/);
  });
});
