/**
 * JPEG (JFIF, baseline/progressive 8-bit) reader using jpeg-js, which is pure JavaScript and
 * synchronous — unlike DICOM JPEG, plain .jpg files need no wasm codec.
 */
import * as fs from 'fs';
import * as jpegJs from 'jpeg-js';
import { InvalidInputError } from '../core/errors';
import { pixelImage } from './pixelImage';
import { Image2D } from './types';

/** Options of {@link readJpeg}. */
export interface ReadJpegOptions {
  path?: string;
  /** Refuse images with more pixels than this (default 100 megapixels), to bound memory. */
  maxPixels?: number;
}

/**
 * Decodes a JPEG into an {@link Image2D}: 1 channel for greyscale JPEGs, 3 (RGB) otherwise.
 * @throws InvalidInputError `parse-error` if the bytes are not a decodable JPEG.
 */
export function readJpeg(bytes: Uint8Array, options: ReadJpegOptions = {}): Image2D {
  const label = options.path ?? 'JPEG input';
  const maxPixels = options.maxPixels ?? 100e6;
  let decoded: { width: number; height: number; data: Uint8Array };
  let components: number;
  try {
    decoded = jpegJs.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: maxPixels / 1e6 });
    components = greyComponents(bytes) ? 1 : 3;
  } catch (e) {
    throw new InvalidInputError('parse-error', `${label} is not a decodable JPEG: ${e instanceof Error ? e.message : String(e)}`);
  }
  const { width, height } = decoded;
  const n = width * height;
  const channels: 1 | 3 = components === 1 ? 1 : 3;
  const data = new Float32Array(n * channels);
  for (let i = 0; i < n; i++) {
    if (channels === 1) data[i] = decoded.data[i * 4];
    else for (let k = 0; k < 3; k++) data[i * 3 + k] = decoded.data[i * 4 + k];
  }
  return pixelImage(width, height, channels, data, 'jpeg', options.path);
}

/** True if the first SOF marker declares a single component (jpeg-js always expands to RGBA). */
function greyComponents(bytes: Uint8Array): boolean {
  let i = 2;
  while (i + 9 < bytes.length) {
    if (bytes[i] !== 0xff) return false;
    const marker = bytes[i + 1];
    const length = (bytes[i + 2] << 8) | bytes[i + 3];
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC).
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return bytes[i + 9] === 1;
    i += 2 + length;
  }
  return false;
}

/** Reads a JPEG file from disk; see {@link readJpeg}. */
export function readJpegFile(filePath: string): Image2D {
  return readJpeg(fs.readFileSync(filePath), { path: filePath });
}
