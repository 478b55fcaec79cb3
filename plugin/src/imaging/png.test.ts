import * as zlib from 'zlib';
import * as jpegJs from 'jpeg-js';
import { PNG } from 'pngjs';
import { InvalidInputError } from '../core/errors';
import { readJpeg } from './jpeg';
import { MAX_IMAGE_PIXELS, readPng, writeGrayPng } from './png';
import { toGrayscale } from './toGrayscale';

function pngFromRgba(width: number, height: number, rgba: number[], colorType: 0 | 2 | 4 | 6): Uint8Array {
  const png = new PNG({ width, height, colorType, inputColorType: 6, bitDepth: 8 });
  png.data = Buffer.from(rgba);
  return PNG.sync.write(png, { colorType, inputColorType: 6 });
}

/** A PNG written by hand: signature, IHDR, the given IDAT chunks (default: `raw` deflated), IEND. */
function handPng(ihdr: { width: number; height: number; bitDepth: number; colorType: number; interlace?: number }, raw: Buffer, idat: Buffer[] = [zlib.deflateSync(raw)]): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (buf: Buffer): number => {
    let c = 0xffffffff;
    for (const b of buf) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, body: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(body.length);
    const tb = Buffer.concat([Buffer.from(type, 'ascii'), body]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(tb));
    return Buffer.concat([len, tb, c]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(ihdr.width, 0);
  header.writeUInt32BE(ihdr.height, 4);
  header.set([ihdr.bitDepth, ihdr.colorType, 0, 0, ihdr.interlace ?? 0], 8);
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([sig, chunk('IHDR', header), ...idat.map((d) => chunk('IDAT', d)), chunk('IEND', Buffer.alloc(0))]);
}

/** A 16-bit greyscale PNG written by hand (pngjs cannot write 16-bit grey from RGBA input). */
function png16Gray(width: number, height: number, values: number[]): Uint8Array {
  const raw = Buffer.alloc(height * (1 + width * 2));
  for (let r = 0; r < height; r++) for (let c = 0; c < width; c++) raw.writeUInt16BE(values[r * width + c], r * (1 + width * 2) + 1 + c * 2);
  return handPng({ width, height, bitDepth: 16, colorType: 0 }, raw);
}

describe('readPng', () => {
  it('reads 8-bit grey as 1 channel and grey+alpha dropping alpha', () => {
    for (const ct of [0, 4] as const) {
      // pngjs's writer composites alpha onto white for colour types without alpha: keep it opaque there.
      const alpha = ct === 4 ? 10 : 255;
      const rgba = [0, 0, 0, 255, 150, 150, 150, 255, 200, 200, 200, alpha, 255, 255, 255, 255];
      const img = readPng(pngFromRgba(2, 2, rgba, ct));
      expect([img.width, img.height, img.channels]).toEqual([2, 2, 1]);
      expect(Array.from(img.data)).toEqual([0, 150, 200, 255]);
      expect(img.spacing).toBeNull();
    }
  });

  it('reads RGB and RGBA as 3 channels', () => {
    for (const ct of [2, 6] as const) {
      const rgba = [10, 20, 30, 255, 40, 50, 60, ct === 6 ? 0 : 255];
      const img = readPng(pngFromRgba(2, 1, rgba, ct));
      expect(img.channels).toBe(3);
      expect(Array.from(img.data)).toEqual([10, 20, 30, 40, 50, 60]);
    }
  });

  it('keeps 16-bit values unscaled', () => {
    const img = readPng(png16Gray(3, 1, [0, 1000, 65535]));
    expect(Array.from(img.data)).toEqual([0, 1000, 65535]);
  });

  it('rejects non-PNG bytes with parse-error', () => {
    expect(() => readPng(new Uint8Array([1, 2, 3]))).toThrow(InvalidInputError);
  });
});

describe('readPng bounds', () => {
  const grey8 = (width: number, height: number): Buffer => Buffer.alloc(height * (1 + width)); // filter 0, all zeros

  it('calls checkHeader with the IHDR before inflating, and refuses more pixels than the limit', () => {
    // 12000 × 12000 declared, with image data that is not even a zlib stream: nothing is inflated.
    const huge = handPng({ width: 12000, height: 12000, bitDepth: 8, colorType: 0 }, Buffer.alloc(0), [Buffer.from('not deflate')]);
    const seen: unknown[] = [];
    expect(() => readPng(huge, { checkHeader: (h) => { seen.push(h); throw new Error('refused by the caller'); } })).toThrow('refused by the caller');
    expect(seen).toEqual([{ width: 12000, height: 12000, bitDepth: 8, colorType: 0, interlaced: false }]);
    expect(() => readPng(huge)).toThrow(expect.objectContaining({ code: 'unsupported-format', message: expect.stringMatching(`12000 × 12000 pixels, more than the limit of ${MAX_IMAGE_PIXELS}`) }));
    expect(() => readPng(writeGrayPng(new Uint8Array(12), 4, 3), { maxPixels: 11 })).toThrow(/more than the limit of 11/);
  });

  it('stops inflating at the size the header implies (a small image whose data inflates to 16 MB)', () => {
    const bomb = handPng({ width: 16, height: 16, bitDepth: 8, colorType: 0 }, Buffer.alloc(16 * 17 + 16_000_000));
    expect(() => readPng(bomb)).toThrow(expect.objectContaining({ code: 'corrupt-file', message: expect.stringMatching(/more than the 272 bytes its header implies/) }));
    const interlaced = handPng({ width: 16, height: 16, bitDepth: 8, colorType: 0, interlace: 1 }, Buffer.alloc(16_000_000));
    expect(() => readPng(interlaced)).toThrow(expect.objectContaining({ code: 'corrupt-file' }));
  });

  it('refuses image data shorter than the header implies, chunks past the end and a missing IHDR', () => {
    expect(() => readPng(handPng({ width: 16, height: 16, bitDepth: 8, colorType: 0 }, grey8(16, 15)))).toThrow(expect.objectContaining({ code: 'corrupt-file', message: expect.stringMatching(/inflates to 255 bytes, its header implies 272/) }));
    const good = writeGrayPng(new Uint8Array(12), 4, 3);
    expect(() => readPng(good.subarray(0, good.length - 20))).toThrow(expect.objectContaining({ code: 'parse-error' }));
    const noIhdr = Buffer.from(good);
    noIhdr.write('IHDX', 12, 'ascii');
    expect(() => readPng(noIhdr)).toThrow(/first chunk is not a 13-byte IHDR/);
    expect(() => readPng(handPng({ width: 4, height: 4, bitDepth: 16, colorType: 3 }, grey8(4, 4)))).toThrow(/invalid bit depth 16 for colour type 3/);
  });

  it('reads sub-byte and interlaced (Adam7) images whose data has exactly the implied size', () => {
    // 1-bit grey, 10 × 2: two bytes per row after the filter byte.
    const oneBit = handPng({ width: 10, height: 2, bitDepth: 1, colorType: 0 }, Buffer.from([0, 0b10100000, 0b01000000, 0, 0xff, 0b11000000]));
    expect(Array.from(readPng(oneBit).data)).toEqual([1, 0, 1, 0, 0, 0, 0, 0, 0, 1, ...Array(10).fill(1)]); // samples unscaled
    // 8-bit grey 3 × 3, Adam7: pass 1 (0,0); pass 4 (2,0); pass 5 (0,2),(2,2); pass 6 (1,0),(1,2); pass 7 row 1 — each row with filter byte 0.
    const passes = [[0, 10], [0, 30], [0, 70, 90], [0, 20], [0, 80], [0, 40, 50, 60]];
    const interlaced = handPng({ width: 3, height: 3, bitDepth: 8, colorType: 0, interlace: 1 }, Buffer.from(passes.flat()));
    expect(Array.from(readPng(interlaced).data)).toEqual([10, 20, 30, 40, 50, 60, 70, 80, 90]);
  });
});

describe('readJpeg and toGrayscale', () => {
  it('reads an RGB JPEG and converts it with BT.601 luma', () => {
    const rgba = new Uint8Array(8 * 8 * 4);
    for (let i = 0; i < 64; i++) rgba.set([200, 100, 50, 255], i * 4);
    const img = readJpeg(jpegJs.encode({ width: 8, height: 8, data: rgba }, 100).data);
    expect([img.width, img.height, img.channels]).toEqual([8, 8, 3]);
    expect(img.data[0]).toBeCloseTo(200, -1);
    const grey = toGrayscale(img);
    expect(grey.channels).toBe(1);
    expect(grey.data[0]).toBeCloseTo(0.299 * img.data[0] + 0.587 * img.data[1] + 0.114 * img.data[2], 4);
    expect(toGrayscale(grey)).toBe(grey);
  });

  it('rejects non-JPEG bytes with parse-error', () => {
    expect(() => readJpeg(new Uint8Array([0xff, 0xd8, 0, 0]))).toThrow(InvalidInputError);
  });
});

describe('writeGrayPng', () => {
  it('round-trips 8-bit grey values through readPng', () => {
    const data = Uint8Array.from({ length: 12 }, (_v, i) => (i * 37) % 256);
    const image = readPng(writeGrayPng(data, 4, 3));
    expect([image.width, image.height, image.channels]).toEqual([4, 3, 1]);
    expect(Array.from(image.data)).toEqual(Array.from(data));
  });
  it('rejects a size that does not match the data', () => {
    expect(() => writeGrayPng(new Uint8Array(5), 2, 2)).toThrow(/5 values for 2 × 2/);
  });
});
