/**
 * A small PNG reader for label maps (the server's predicted label map is an 8-bit grey PNG,
 * value = class index). Exact samples, unlike a canvas, whose colour management and alpha
 * premultiplication may change values. Non-interlaced, bit depth 8, colour types grey, grey +
 * alpha, RGB and RGBA; the first channel is answered. Pure except for the inflate, which uses
 * the platform's `DecompressionStream('deflate')` (browsers, Node ≥ 18).
 */

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];
/** Samples per pixel by colour type (palette, type 3, is not supported). */
const CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 4: 2, 6: 4 };

export interface DecodedPng {
  readonly width: number;
  readonly height: number;
  /** The first channel of every pixel, row by row (width × height). */
  readonly values: Uint8Array;
}

export class PngError extends Error {}

/** The header and the concatenated IDAT payload (zlib stream) of a PNG. */
export interface PngChunks {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly idat: Uint8Array<ArrayBuffer>;
}

/** Splits a PNG into its header fields and image data; throws {@link PngError} for what is not read here. */
export function parsePngChunks(bytes: Uint8Array): PngChunks {
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) throw new PngError('not a PNG (bad signature)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 8;
  let header: { width: number; height: number; channels: number } | null = null;
  const parts: Uint8Array[] = [];
  let total = 0;
  while (offset + 8 <= bytes.length) {
    const length = view.getUint32(offset);
    const type = String.fromCharCode(bytes[offset + 4]!, bytes[offset + 5]!, bytes[offset + 6]!, bytes[offset + 7]!);
    const start = offset + 8;
    if (start + length + 4 > bytes.length) throw new PngError(`truncated PNG (chunk ${type})`);
    if (type === 'IHDR') {
      if (length < 13) throw new PngError('bad IHDR chunk');
      const width = view.getUint32(start);
      const height = view.getUint32(start + 4);
      const [bitDepth, colourType, , , interlace] = [bytes[start + 8]!, bytes[start + 9]!, bytes[start + 10], bytes[start + 11], bytes[start + 12]!];
      const channels = CHANNELS[colourType];
      if (channels === undefined) throw new PngError(`PNG colour type ${colourType} is not supported (grey, grey + alpha, RGB or RGBA)`);
      if (bitDepth !== 8) throw new PngError(`PNG bit depth ${bitDepth} is not supported (8 bits)`);
      if (interlace !== 0) throw new PngError('interlaced PNGs are not supported');
      if (width < 1 || height < 1) throw new PngError(`PNG of ${width} × ${height} pixels`);
      header = { width, height, channels };
    } else if (type === 'IDAT') {
      parts.push(bytes.subarray(start, start + length));
      total += length;
    } else if (type === 'IEND') {
      break;
    }
    offset = start + length + 4; // data + CRC
  }
  if (!header) throw new PngError('PNG without IHDR');
  if (total === 0) throw new PngError('PNG without image data');
  const idat = new Uint8Array(total);
  let at = 0;
  for (const part of parts) {
    idat.set(part, at);
    at += part.length;
  }
  return { ...header, idat };
}

/**
 * Undoes the per-row filters (None, Sub, Up, Average, Paeth) of inflated 8-bit image data and
 * answers the first channel of each pixel.
 */
export function unfilter(raw: Uint8Array, width: number, height: number, channels: number): Uint8Array {
  const stride = width * channels;
  if (raw.length < (stride + 1) * height) throw new PngError(`PNG image data has ${raw.length} bytes, ${(stride + 1) * height} expected for ${width} × ${height}`);
  let previous = new Uint8Array(stride);
  let row = new Uint8Array(stride);
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const base = y * (stride + 1);
    const filter = raw[base]!;
    for (let x = 0; x < stride; x++) {
      const value = raw[base + 1 + x]!;
      const left = x >= channels ? row[x - channels]! : 0;
      const up = previous[x]!;
      const upLeft = x >= channels ? previous[x - channels]! : 0;
      let predictor: number;
      switch (filter) {
        case 0: predictor = 0; break;
        case 1: predictor = left; break;
        case 2: predictor = up; break;
        case 3: predictor = (left + up) >> 1; break;
        case 4: {
          const p = left + up - upLeft;
          const pa = Math.abs(p - left);
          const pb = Math.abs(p - up);
          const pc = Math.abs(p - upLeft);
          predictor = pa <= pb && pa <= pc ? left : pb <= pc ? up : upLeft;
          break;
        }
        default: throw new PngError(`bad PNG filter type ${filter} in row ${y}`);
      }
      row[x] = (value + predictor) & 0xff;
    }
    for (let x = 0; x < width; x++) out[y * width + x] = row[x * channels]!;
    [previous, row] = [row, previous];
  }
  return out;
}

/** Inflates a zlib stream with the platform's DecompressionStream. */
async function inflate(data: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  try {
    const stream = new Blob([data]).stream().pipeThrough(new DecompressionStream('deflate'));
    return new Uint8Array(await new Response(stream).arrayBuffer());
  } catch (error) {
    throw new PngError(`PNG image data cannot be inflated: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** Decodes an 8-bit PNG to its first channel (a label map's values). */
export async function decodePng(bytes: Uint8Array): Promise<DecodedPng> {
  const { width, height, channels, idat } = parsePngChunks(bytes);
  return { width, height, values: unfilter(await inflate(idat), width, height, channels) };
}
