/**
 * PNG reader (pngjs). Grey, grey+alpha, RGB, RGBA and palette images at 8 or 16 bits; values
 * are kept in their stored range (0..255 or 0..65535), never rescaled, so masks keep their labels.
 *
 * Before pngjs sees a byte, the header is checked and the image data inflated with a bound: a
 * PNG of a few hundred kilobytes can declare 12000 × 12000 pixels (a decompression bomb), and
 * pngjs would allocate and decode all of it (and inflates interlaced images without any bound).
 */
import * as fs from 'fs';
import * as zlib from 'zlib';
import { PNG, PNGWithMetadata } from 'pngjs';
import { InvalidInputError } from '../core/errors';
import { pixelImage } from './pixelImage';
import { Image2D } from './types';

/**
 * The largest image (width × height) decoded by default: 2^26 = 67,108,864 pixels (8192²).
 * Radiographs are far below it (a mammogram is about 4k × 5k, 20 M); the decoded image needs
 * 4 bytes a sample here and pngjs's RGBA copy up to 8 more, so this bounds one decode near 1 GB.
 */
export const MAX_IMAGE_PIXELS = 2 ** 26;

/** What a PNG's IHDR chunk declares. */
export interface PngHeader {
  readonly width: number;
  readonly height: number;
  /** Bits per sample (per palette index for palette images): 1, 2, 4, 8 or 16. */
  readonly bitDepth: number;
  /** 0 grey, 2 RGB, 3 palette, 4 grey + alpha, 6 RGBA. */
  readonly colorType: number;
  readonly interlaced: boolean;
}

/** Options of {@link readPng}. */
export interface ReadPngOptions {
  /** Recorded in `source.path` and error messages. */
  path?: string;
  /** Refuse images of more pixels than this (default {@link MAX_IMAGE_PIXELS}). */
  maxPixels?: number;
  /**
   * Called with the header before anything is inflated or decoded (e.g. to refuse a mask whose
   * size is not the image's); what it throws propagates unchanged.
   */
  checkHeader?: (header: PngHeader) => void;
}

/**
 * Decodes a PNG into an {@link Image2D}. Alpha is dropped (documented: masks and X-rays never
 * need it). Grey and grey+alpha give 1 channel; RGB/RGBA give 3; palette images give 1 channel
 * when every pixel's palette colour is grey (r = g = b), else 3.
 *
 * The header is read first: `checkHeader` runs, then the size limit; the image data must
 * inflate to exactly the size the header implies, and inflating stops at that size.
 *
 * @throws InvalidInputError `parse-error` if the bytes are not a valid PNG, `unsupported-format`
 *   when it has more pixels than `maxPixels`, `corrupt-file` when its image data inflates to
 *   more or less than its header implies.
 */
export function readPng(bytes: Uint8Array, options: ReadPngOptions = {}): Image2D {
  const label = options.path ?? 'PNG input';
  const { header, imageData } = readPngChunks(bytes, label);
  options.checkHeader?.(header);
  const maxPixels = options.maxPixels ?? MAX_IMAGE_PIXELS;
  if (header.width * header.height > maxPixels) {
    throw new InvalidInputError('unsupported-format', `${label} declares ${header.width} × ${header.height} pixels, more than the limit of ${maxPixels}`);
  }
  checkInflatedSize(imageData, inflatedSize(header), label);
  let png: PNGWithMetadata;
  try {
    // skipRescale keeps 16-bit samples as 16-bit instead of squeezing them to 8 bits.
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { skipRescale: true });
  } catch (e) {
    throw new InvalidInputError('parse-error', `${label} is not a valid PNG: ${e instanceof Error ? e.message : String(e)}`);
  }
  const { width, height } = png;
  const rgba: ArrayLike<number> = png.data;
  const n = width * height;
  // pngjs expands everything to RGBA; `color`/`palette` say what the file stored.
  const channels: 1 | 3 = png.palette ? (isAllGrey(rgba, n) ? 1 : 3) : png.color ? 3 : 1;
  const data = new Float32Array(n * channels);
  if (channels === 1) {
    for (let i = 0; i < n; i++) data[i] = rgba[i * 4];
  } else {
    for (let i = 0; i < n; i++) {
      data[i * 3] = rgba[i * 4];
      data[i * 3 + 1] = rgba[i * 4 + 1];
      data[i * 3 + 2] = rgba[i * 4 + 2];
    }
  }
  return pixelImage(width, height, channels, data, 'png', options.path);
}

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Allowed bit depths per colour type (PNG spec, table 11.1), and samples per pixel. */
const BIT_DEPTHS: Readonly<Record<number, readonly number[]>> = { 0: [1, 2, 4, 8, 16], 2: [8, 16], 3: [1, 2, 4, 8], 4: [8, 16], 6: [8, 16] };
const SAMPLES: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** Adam7 passes: first column, first row, column step, row step. */
const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]] as const;

/**
 * The IHDR of a PNG and its IDAT chunks, walked without inflating or checking CRCs (pngjs does
 * that afterwards). Every chunk must lie inside the bytes.
 */
function readPngChunks(bytes: Uint8Array, label: string): { header: PngHeader; imageData: Uint8Array[] } {
  const invalid = (why: string): never => {
    throw new InvalidInputError('parse-error', `${label} is not a valid PNG: ${why}`);
  };
  if (bytes.byteLength < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) invalid('no PNG signature');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const imageData: Uint8Array[] = [];
  let header: PngHeader | null = null;
  for (let offset = 8; ; ) {
    if (offset + 12 > bytes.byteLength) invalid('it ends before its IEND chunk');
    const length = view.getUint32(offset);
    const type = String.fromCharCode(bytes[offset + 4], bytes[offset + 5], bytes[offset + 6], bytes[offset + 7]);
    const start = offset + 8;
    if (start + length + 4 > bytes.byteLength) invalid(`chunk ${type} of ${length} bytes runs past the end of the file`);
    if (header === null && (type !== 'IHDR' || length !== 13)) invalid('the first chunk is not a 13-byte IHDR');
    if (type === 'IHDR' && header === null) header = ihdrOf(view, start, invalid);
    else if (type === 'IDAT') imageData.push(bytes.subarray(start, start + length));
    else if (type === 'IEND') break;
    offset = start + length + 4;
  }
  if (imageData.length === 0) invalid('no IDAT chunk');
  return { header: header!, imageData };
}

function ihdrOf(view: DataView, at: number, invalid: (why: string) => never): PngHeader {
  const header = {
    width: view.getUint32(at),
    height: view.getUint32(at + 4),
    bitDepth: view.getUint8(at + 8),
    colorType: view.getUint8(at + 9),
    interlaced: view.getUint8(at + 12) === 1,
  };
  if (header.width === 0 || header.height === 0 || header.width > 0x7fffffff || header.height > 0x7fffffff) invalid(`invalid size ${header.width} × ${header.height}`);
  if (!BIT_DEPTHS[header.colorType]?.includes(header.bitDepth)) invalid(`invalid bit depth ${header.bitDepth} for colour type ${header.colorType}`);
  if (view.getUint8(at + 10) !== 0 || view.getUint8(at + 11) !== 0 || view.getUint8(at + 12) > 1) invalid('unknown compression, filter or interlace method');
  return header;
}

/** Bytes of the filtered image data the header implies: per (pass) row, a filter byte and the packed samples. */
function inflatedSize(header: PngHeader): number {
  const bitsPerPixel = SAMPLES[header.colorType] * header.bitDepth;
  const rowsOf = (width: number, height: number): number => (width > 0 && height > 0 ? height * (1 + Math.ceil((width * bitsPerPixel) / 8)) : 0);
  if (!header.interlaced) return rowsOf(header.width, header.height);
  let total = 0;
  for (const [x0, y0, dx, dy] of ADAM7) total += rowsOf(Math.ceil((header.width - x0) / dx), Math.ceil((header.height - y0) / dy));
  return total;
}

/** Inflates the image data, stopping as soon as it exceeds `expected` bytes, and requires exactly that many. */
function checkInflatedSize(imageData: Uint8Array[], expected: number, label: string): void {
  let inflated: Buffer;
  try {
    inflated = zlib.inflateSync(Buffer.concat(imageData), { maxOutputLength: expected });
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new InvalidInputError('corrupt-file', `${label}: the image data inflates to more than the ${expected} bytes its header implies (refused there)`);
    }
    throw new InvalidInputError('parse-error', `${label} is not a valid PNG: its image data cannot be inflated: ${(e as Error).message}`);
  }
  if (inflated.byteLength !== expected) {
    throw new InvalidInputError('corrupt-file', `${label}: the image data inflates to ${inflated.byteLength} bytes, its header implies ${expected}`);
  }
}

function isAllGrey(rgba: ArrayLike<number>, n: number): boolean {
  for (let i = 0; i < n; i++) {
    const r = rgba[i * 4];
    if (rgba[i * 4 + 1] !== r || rgba[i * 4 + 2] !== r) return false;
  }
  return true;
}

/** Reads a PNG file from disk; see {@link readPng}. */
export function readPngFile(filePath: string): Image2D {
  return readPng(fs.readFileSync(filePath), { path: filePath });
}

/**
 * Encodes 8-bit grey samples (row-major, width × height) as a grey PNG: label maps (value =
 * class index) and thumbnails. Read back with {@link readPng}, the values are unchanged.
 */
export function writeGrayPng(data: Uint8Array, width: number, height: number): Buffer {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || data.length !== width * height) {
    throw new InvalidInputError('invalid-option', `grey PNG: ${data.length} values for ${width} × ${height} pixels`);
  }
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, inputHasAlpha: false });
  png.data = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false });
}
