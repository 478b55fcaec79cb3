/**
 * PNG reader (pngjs). Grey, grey+alpha, RGB, RGBA and palette images at 8 or 16 bits; values
 * are kept in their stored range (0..255 or 0..65535), never rescaled, so masks keep their labels.
 */
import * as fs from 'fs';
import { PNG, PNGWithMetadata } from 'pngjs';
import { InvalidInputError } from '../core/errors';
import { pixelImage } from './pixelImage';
import { Image2D } from './types';

/** Options of {@link readPng}. */
export interface ReadPngOptions {
  /** Recorded in `source.path` and error messages. */
  path?: string;
}

/**
 * Decodes a PNG into an {@link Image2D}. Alpha is dropped (documented: masks and X-rays never
 * need it). Grey and grey+alpha give 1 channel; RGB/RGBA give 3; palette images give 1 channel
 * when every pixel's palette colour is grey (r = g = b), else 3.
 *
 * @throws InvalidInputError `parse-error` if the bytes are not a valid PNG.
 */
export function readPng(bytes: Uint8Array, options: ReadPngOptions = {}): Image2D {
  const label = options.path ?? 'PNG input';
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
