import { PNG } from 'pngjs';
import { decodePng, parsePngChunks, PngError, unfilter } from './pngDecode';

/** A PNG written by pngjs (adaptive filters: every filter type shows up on varied rows). */
function pngOf(values: Uint8Array, width: number, height: number, colorType: 0 | 2 | 4 | 6 = 0): Uint8Array {
  const png = new PNG({ width, height, colorType, inputColorType: 0, inputHasAlpha: false });
  png.data = Buffer.from(values);
  return new Uint8Array(PNG.sync.write(png, { colorType, inputColorType: 0, inputHasAlpha: false }));
}

/** Values with texture (Paeth, Average, Sub and Up all pay off somewhere) and flat label areas. */
function labelMap(width: number, height: number): Uint8Array {
  return Uint8Array.from({ length: width * height }, (_, k) => {
    const x = k % width;
    const y = Math.floor(k / width);
    if (y < height / 3) return (x * 7 + y * 13) % 256; // texture
    return x < width / 2 ? (y % 5 === 0 ? 2 : 1) : 0;
  });
}

describe('decodePng', () => {
  it('reads an 8-bit grey PNG value for value (label maps keep their classes)', async () => {
    const values = labelMap(37, 29);
    await expect(decodePng(pngOf(values, 37, 29))).resolves.toEqual({ width: 37, height: 29, values });
  });

  it('reads the first channel of RGB, RGBA and grey + alpha PNGs', async () => {
    const values = labelMap(16, 9);
    for (const colorType of [2, 4, 6] as const) {
      const decoded = await decodePng(pngOf(values, 16, 9, colorType));
      expect([colorType, decoded.width, decoded.height, Array.from(decoded.values)]).toEqual([colorType, 16, 9, Array.from(values)]);
    }
  });

  it('refuses what is not an 8-bit non-interlaced PNG, saying why', async () => {
    await expect(decodePng(new Uint8Array([1, 2, 3]))).rejects.toThrow(/not a PNG/);
    const png = pngOf(labelMap(4, 4), 4, 4);
    const sixteen = png.slice();
    sixteen[8 + 8 + 8] = 16; // IHDR bit depth
    expect(() => parsePngChunks(sixteen)).toThrow(/bit depth 16/);
    const palette = png.slice();
    palette[8 + 8 + 9] = 3; // IHDR colour type
    expect(() => parsePngChunks(palette)).toThrow(/colour type 3/);
    expect(() => parsePngChunks(png.subarray(0, 40))).toThrow(PngError);
  });

  it('undoes each filter type', () => {
    // 2 × 2 grey, one filter per row: Sub then Paeth; then Up then Average.
    expect(Array.from(unfilter(new Uint8Array([1, 10, 5, 4, 1, 2]), 2, 2, 1))).toEqual([10, 15, 11, 17]);
    expect(Array.from(unfilter(new Uint8Array([0, 10, 20, 2, 1, 1, 3, 4, 4]), 2, 3, 1))).toEqual([10, 20, 11, 21, 9, 19]);
    expect(() => unfilter(new Uint8Array([7, 0]), 1, 1, 1)).toThrow(/filter type 7/);
    expect(() => unfilter(new Uint8Array([0]), 1, 1, 1)).toThrow(/expected/);
  });
});
