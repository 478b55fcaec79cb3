import { crc32, deflateSync } from 'node:zlib';
import { encode } from 'fast-png';
import { PNG } from 'pngjs';
import { decodePng, inflatedSize, parsePngChunks, PngError } from './pngDecode';

/** A PNG written by pngjs, as the server writes its predictions (adaptive filters: every filter type shows up on varied rows). */
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

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** An 8-bit grey PNG put together chunk by chunk: `idat` as its image data, chunks `before` it after the IHDR. */
function craft(width: number, height: number, idat: Uint8Array, before: Buffer[] = []): Uint8Array {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 0, 0, 0, 0], 8);
  const signature = Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]);
  return Buffer.concat([signature, chunk('IHDR', ihdr), ...before, chunk('IDAT', idat), chunk('IEND', new Uint8Array(0))]);
}

/** The filter-0 rows of grey `values`, not compressed. */
const inflatedRows = (values: Uint8Array, width: number): Buffer =>
  Buffer.concat(Array.from({ length: values.length / width }, (_, y) => Buffer.from([0, ...values.subarray(y * width, (y + 1) * width)])));
/** The same as a zlib stream. */
const rawRows = (values: Uint8Array, width: number): Buffer => deflateSync(inflatedRows(values, width));

const limits = (width: number, height: number) => ({ maxPixels: width * height });

describe('decodePng', () => {
  it('reads an 8-bit grey PNG value for value (label maps keep their classes)', async () => {
    const values = labelMap(37, 29);
    await expect(decodePng(pngOf(values, 37, 29), limits(37, 29))).resolves.toEqual({ width: 37, height: 29, values });
  });

  it('reads the first channel of RGB, RGBA and grey + alpha PNGs', async () => {
    const values = labelMap(16, 9);
    for (const colorType of [2, 4, 6] as const) {
      const decoded = await decodePng(pngOf(values, 16, 9, colorType), limits(16, 9));
      expect([colorType, decoded.width, decoded.height, Array.from(decoded.values)]).toEqual([colorType, 16, 9, Array.from(values)]);
    }
  });

  it('reads Adam7-interlaced PNGs, grey and RGBA, of sizes whose passes are partly empty', async () => {
    for (const [width, height] of [[37, 29], [1, 1], [3, 9], [8, 8]] as const) {
      const values = labelMap(width, height);
      const grey = encode({ width, height, data: values, channels: 1, depth: 8 }, { interlace: 'Adam7' });
      await expect(decodePng(grey, limits(width, height))).resolves.toEqual({ width, height, values });
      const rgba = Uint8Array.from({ length: width * height * 4 }, (_, k) => (k % 4 === 0 ? values[k / 4]! : 255 - (k % 256)));
      const decoded = await decodePng(encode({ width, height, data: rgba, channels: 4, depth: 8 }, { interlace: 'Adam7' }), limits(width, height));
      expect(Array.from(decoded.values)).toEqual(Array.from(values));
    }
  });

  it('answers a palette PNG\'s indices (a label map stored as a palette)', async () => {
    const values = Uint8Array.from([0, 1, 2, 1, 0, 2]);
    const palette = [[0, 0, 0], [255, 0, 0], [0, 255, 0]];
    const png = encode({ width: 3, height: 2, data: values, channels: 1, depth: 8, palette });
    await expect(decodePng(png, limits(3, 2))).resolves.toEqual({ width: 3, height: 2, values });
  });

  it('refuses what is not an 8-bit PNG, or is truncated, saying why', async () => {
    await expect(decodePng(new Uint8Array([1, 2, 3]), limits(4, 4))).rejects.toThrow(/not a PNG/);
    const png = pngOf(labelMap(4, 4), 4, 4);
    const sixteen = png.slice();
    sixteen[8 + 8 + 8] = 16; // IHDR bit depth
    expect(() => parsePngChunks(sixteen, limits(4, 4))).toThrow(/bit depth 16/);
    const unknown = png.slice();
    unknown[8 + 8 + 9] = 5; // IHDR colour type
    expect(() => parsePngChunks(unknown, limits(4, 4))).toThrow(/colour type 5/);
    expect(() => parsePngChunks(png.subarray(0, 40), limits(4, 4))).toThrow(PngError);
    expect(() => parsePngChunks(png.subarray(0, png.length - 12), limits(4, 4))).toThrow(/no IEND/);
    await expect(decodePng(craft(4, 4, Buffer.from([0x78, 0x9c, 1, 2, 3])), limits(4, 4))).rejects.toThrow(/cannot be inflated/);
  });

  it('refuses a header declaring more pixels than expected before inflating anything', async () => {
    const garbage = Buffer.from('not a zlib stream at all'); // inflating it would fail with another message
    await expect(decodePng(craft(100_000, 100_000, garbage), limits(512, 512))).rejects.toThrow(new PngError('the PNG declares 100000 × 100000 pixels, more than the 262144 expected'));
    await expect(decodePng(craft(513, 512, garbage), limits(512, 512))).rejects.toThrow(/declares 513 × 512 pixels/);
  });

  it('stops inflating a zlib bomb once it passes what the header\'s pixels take', async () => {
    // 64 MB of zeros whose stream turns to junk after 48 kB: an inflater without a bound would reach the junk and fail on it.
    const bomb = deflateSync(Buffer.alloc(64 * 1024 * 1024));
    const idat = Buffer.concat([bomb.subarray(0, 48 * 1024), Buffer.alloc(1024, 0xff)]);
    await expect(decodePng(craft(64, 64, idat), limits(64, 64))).rejects.toThrow(new PngError(`PNG image data inflates to more than the ${65 * 64} bytes its header needs`));
  });

  it('refuses image data short of the last row (fast-png alone would fill it with zeros)', async () => {
    const values = labelMap(4, 4);
    const short = deflateSync(inflatedRows(values, 4).subarray(0, 4 * 5 - 2));
    await expect(decodePng(craft(4, 4, short), limits(4, 4))).rejects.toThrow(new PngError('PNG image data has 18 bytes, 20 expected for 4 × 4'));
    await expect(decodePng(craft(4, 4, rawRows(values, 4)), limits(4, 4))).resolves.toEqual({ width: 4, height: 4, values });
  });

  it('hands fast-png no chunk it would inflate: an iCCP profile is not read', async () => {
    const values = labelMap(8, 3);
    const iccp = chunk('iCCP', Buffer.concat([Buffer.from('bomb\0\0', 'latin1'), Buffer.from('not zlib: fast-png would throw on it')]));
    await expect(decodePng(craft(8, 3, rawRows(values, 8), [iccp]), limits(8, 3))).resolves.toEqual({ width: 8, height: 3, values });
    expect(() => parsePngChunks(craft(8, 3, rawRows(values, 8), [chunk('IHDR', Buffer.alloc(13))]), limits(8, 3))).toThrow(/two IHDR/);
  });
});

describe('inflatedSize', () => {
  it('counts a filter byte per row, of every non-empty Adam7 pass when interlaced', () => {
    expect(inflatedSize(4, 4, 1, false)).toBe(20);
    expect(inflatedSize(3, 2, 4, false)).toBe(26);
    expect(inflatedSize(1, 1, 1, true)).toBe(2); // pass 1 only
    // 8 × 8 grey: passes of 1×1, 1×1, 2×1, 2×2, 4×2, 4×4, 8×4 pixels.
    expect(inflatedSize(8, 8, 1, true)).toBe(2 + 2 + 3 + 2 * 3 + 2 * 5 + 4 * 5 + 4 * 9);
  });
});

