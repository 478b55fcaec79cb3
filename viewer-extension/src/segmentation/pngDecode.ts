/**
 * Reads label-map PNGs (the server's predicted label map is an 8-bit grey PNG, value = class
 * index) exactly, unlike a canvas, whose colour management and alpha premultiplication may change
 * values. fast-png decodes (filters, interlace); what it does not bound is bounded here first,
 * since the bytes come over the network into a browser tab (README, "Parsers"): the pixels the
 * header declares are checked before anything is inflated, the image data is inflated once with
 * the platform's `DecompressionStream('deflate')` (browsers, Node ≥ 18) to count its bytes,
 * stopping past what those pixels take, and fast-png sees only the IHDR, IDAT and IEND chunks
 * (it would inflate an iCCP profile whole).
 */
import { decode } from 'fast-png';

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];
/** Samples per pixel by colour type; a palette image (3) answers its indices. */
const CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** The chunks handed to fast-png: nothing it would inflate or allocate by beyond the image. */
const DECODED_CHUNKS = new Set(['IHDR', 'IDAT', 'IEND']);
/** Adam7 passes: first column, first row, column step, row step. */
const ADAM7 = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]] as const;
/** Input handed to the inflater at a time: it inflates a slice whole, so this bounds a bomb's burst (deflate ≤ 1032 : 1). */
const INFLATE_SLICE = 8 * 1024;

export interface DecodedPng {
  readonly width: number;
  readonly height: number;
  /** The first channel of every pixel (a palette image's indices), row by row (width × height). */
  readonly values: Uint8Array;
}

export class PngError extends Error {}

/** What the caller expects of the PNG, checked before the image data is inflated. */
export interface PngLimits {
  /** The most pixels (width × height) the PNG may declare: the image's rows × columns. */
  readonly maxPixels: number;
}

/** A PNG's header fields, its concatenated IDAT payload (a zlib stream), and the PNG of the chunks fast-png may see. */
export interface PngChunks {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
  readonly interlaced: boolean;
  readonly idat: Uint8Array<ArrayBuffer>;
  readonly decodable: Uint8Array<ArrayBuffer>;
}

/** Checks an IHDR chunk's fields against what is read here and `limits`. */
function readHeader(view: DataView, start: number, limits: PngLimits): { width: number; height: number; channels: number; interlaced: boolean } {
  const width = view.getUint32(start);
  const height = view.getUint32(start + 4);
  const [bitDepth, colourType, compression, filter, interlace] = [8, 9, 10, 11, 12].map((i) => view.getUint8(start + i)) as [number, number, number, number, number];
  const channels = CHANNELS[colourType];
  if (channels === undefined) throw new PngError(`PNG colour type ${colourType} does not exist`);
  if (bitDepth !== 8) throw new PngError(`PNG bit depth ${bitDepth} is not supported (8 bits)`);
  if (compression !== 0 || filter !== 0 || interlace > 1) throw new PngError(`PNG compression ${compression}, filter method ${filter} or interlace ${interlace} does not exist`);
  if (width < 1 || height < 1) throw new PngError(`PNG of ${width} × ${height} pixels`);
  if (width * height > limits.maxPixels) throw new PngError(`the PNG declares ${width} × ${height} pixels, more than the ${limits.maxPixels} expected`);
  return { width, height, channels, interlaced: interlace === 1 };
}

/**
 * Walks a PNG's chunks without inflating anything; throws {@link PngError} for what is not read
 * here, a truncated PNG, and a header declaring more than `limits.maxPixels` pixels.
 */
export function parsePngChunks(bytes: Uint8Array, limits: PngLimits): PngChunks {
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) throw new PngError('not a PNG (bad signature)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let header: ReturnType<typeof readHeader> | null = null;
  const idat: Uint8Array[] = [];
  const decoded: Uint8Array[] = [bytes.subarray(0, 8)];
  for (let offset = 8, ended = false; !ended; ) {
    if (offset + 8 > bytes.length) throw new PngError('truncated PNG (no IEND chunk)');
    const length = view.getUint32(offset);
    const type = String.fromCharCode(...bytes.subarray(offset + 4, offset + 8));
    const start = offset + 8;
    if (start + length + 4 > bytes.length) throw new PngError(`truncated PNG (chunk ${type})`);
    if ((type === 'IHDR') !== (header === null)) throw new PngError(header ? 'PNG with two IHDR chunks' : `PNG starting with chunk ${type}, not IHDR`);
    if (type === 'IHDR') {
      if (length !== 13) throw new PngError('bad IHDR chunk');
      header = readHeader(view, start, limits);
    }
    if (type === 'IDAT') idat.push(bytes.subarray(start, start + length));
    if (DECODED_CHUNKS.has(type)) decoded.push(bytes.subarray(offset, start + length + 4)); // with length, type and CRC
    ended = type === 'IEND';
    offset = start + length + 4;
  }
  if (!header) throw new PngError('PNG without IHDR');
  if (idat.length === 0) throw new PngError('PNG without image data');
  return { ...header, idat: concat(idat), decodable: concat(decoded) };
}

function concat(parts: readonly Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/** The bytes of inflated image data an 8-bit PNG of this size needs: one filter byte per row, of every Adam7 pass when interlaced. */
export function inflatedSize(width: number, height: number, channels: number, interlaced: boolean): number {
  if (!interlaced) return (width * channels + 1) * height;
  let size = 0;
  for (const [x0, y0, dx, dy] of ADAM7) {
    const passWidth = Math.ceil((width - x0) / dx);
    const passHeight = Math.ceil((height - y0) / dy);
    if (passWidth > 0 && passHeight > 0) size += (passWidth * channels + 1) * passHeight;
  }
  return size;
}

/**
 * The inflated length of a zlib stream, counted with the platform's DecompressionStream fed in
 * slices, and refused (the inflation stopped) as soon as it passes `limit` bytes.
 */
async function inflatedLength(data: Uint8Array<ArrayBuffer>, limit: number): Promise<number> {
  const inflater = new DecompressionStream('deflate');
  const writer = inflater.writable.getWriter();
  const reader = inflater.readable.getReader();
  const writing = (async () => {
    for (let at = 0; at < data.length; at += INFLATE_SLICE) await writer.write(data.subarray(at, at + INFLATE_SLICE));
    await writer.close();
  })();
  writing.catch(() => undefined); // its failure is the reader's too, reported below
  let length = 0;
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      length += value.length;
      if (length > limit) {
        await reader.cancel();
        throw new PngError(`PNG image data inflates to more than the ${limit} bytes its header needs`);
      }
    }
    await writing;
  } catch (error) {
    if (error instanceof PngError) throw error;
    throw new PngError(`PNG image data cannot be inflated: ${error instanceof Error ? error.message : String(error)}`);
  }
  return length;
}

/**
 * Decodes an 8-bit PNG to its first channel (a label map's values). Refuses, before inflating,
 * a PNG declaring more than `limits.maxPixels` pixels, and image data that inflates to more or
 * fewer bytes than those pixels take.
 */
export async function decodePng(bytes: Uint8Array, limits: PngLimits): Promise<DecodedPng> {
  const { width, height, channels, interlaced, idat, decodable } = parsePngChunks(bytes, limits);
  const expected = inflatedSize(width, height, channels, interlaced);
  const length = await inflatedLength(idat, expected);
  if (length !== expected) throw new PngError(`PNG image data has ${length} bytes, ${expected} expected for ${width} × ${height}`);
  let data: ArrayLike<number>;
  try {
    data = decode(decodable).data;
  } catch (error) {
    throw new PngError(`PNG cannot be decoded: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (channels === 1 && data instanceof Uint8Array) return { width, height, values: data };
  const values = new Uint8Array(width * height);
  for (let i = 0; i < values.length; i++) values[i] = data[i * channels]!;
  return { width, height, values };
}
