import * as zlib from 'zlib';
import * as jpegJs from 'jpeg-js';
import { PNG } from 'pngjs';
import { InvalidInputError } from '../core/errors';
import { readJpeg } from './jpeg';
import { readPng, writeGrayPng } from './png';
import { toGrayscale } from './toGrayscale';

function pngFromRgba(width: number, height: number, rgba: number[], colorType: 0 | 2 | 4 | 6): Uint8Array {
  const png = new PNG({ width, height, colorType, inputColorType: 6, bitDepth: 8 });
  png.data = Buffer.from(rgba);
  return PNG.sync.write(png, { colorType, inputColorType: 6 });
}

/** A 16-bit greyscale PNG written by hand (pngjs cannot write 16-bit grey from RGBA input). */
function png16Gray(width: number, height: number, values: number[]): Uint8Array {
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
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([16, 0, 0, 0, 0], 8);
  const raw = Buffer.alloc(height * (1 + width * 2));
  for (let r = 0; r < height; r++) for (let c = 0; c < width; c++) raw.writeUInt16BE(values[r * width + c], r * (1 + width * 2) + 1 + c * 2);
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([sig, chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
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
