/**
 * Hostile uploads for the decode-limit tests — decompression bombs — built a megabyte at a time,
 * so that the test process never holds what they would inflate to (the tests measure its memory).
 */
import { once } from 'node:events';
import * as zlib from 'node:zlib';

/** A zlib stream (raw deflate with `raw`) of `prefix` followed by `zeros` zero bytes. */
export async function deflatedZeros(zeros: number, options: { raw?: boolean; prefix?: Uint8Array } = {}): Promise<Buffer> {
  const stream = options.raw ? zlib.createDeflateRaw({ level: 9 }) : zlib.createDeflate({ level: 9 });
  const out: Buffer[] = [];
  stream.on('data', (chunk: Buffer) => out.push(chunk));
  const ended = once(stream, 'end');
  if (options.prefix) stream.write(options.prefix);
  const piece = Buffer.alloc(1 << 20);
  for (let left = zeros; left > 0; left -= piece.length) {
    if (!stream.write(piece.subarray(0, Math.min(left, piece.length)))) await once(stream, 'drain');
  }
  stream.end();
  await ended;
  return Buffer.concat(out);
}

function pngChunk(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body, zlib.crc32(type)), 0);
  return Buffer.concat([head, body, crc]);
}

/**
 * A valid 8-bit grey PNG container (CRCs right) of the declared size around the given image data;
 * `interlaced` declares Adam7 (pngjs inflates interlaced data without any bound).
 */
export function greyPngWith(width: number, height: number, imageData: Buffer, interlaced = false): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth; colour type 0 (grey)
  ihdr[12] = interlaced ? 1 : 0;
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, pngChunk('IHDR', ihdr), pngChunk('IDAT', imageData), pngChunk('IEND', Buffer.alloc(0))]);
}

const DEFLATED = '1.2.840.10008.1.2.1.99'; // 22 characters: even, no padding

/**
 * A Part 10 file (explicit VR little endian, with a group length, as dcmjs writes) re-encoded in
 * Deflated Explicit VR Little Endian: the meta group's transfer syntax and group length rewritten,
 * the data set deflated — followed, inside the deflate stream, by `zeros` zero bytes.
 */
export async function deflatedPart10(plain: Uint8Array, zeros = 0): Promise<Uint8Array> {
  const bytes = Buffer.from(plain);
  const groupLength = bytes.readUInt32LE(140);
  const datasetStart = 144 + groupLength;
  const at = bytes.indexOf(Buffer.from([0x02, 0x00, 0x10, 0x00, 0x55, 0x49]), 144); // (0002,0010) UI
  const oldLength = bytes.readUInt16LE(at + 6);
  const element = Buffer.from([0x02, 0x00, 0x10, 0x00, 0x55, 0x49, DEFLATED.length, 0]);
  const meta = Buffer.concat([bytes.subarray(0, at), element, Buffer.from(DEFLATED, 'latin1'), bytes.subarray(at + 8 + oldLength, datasetStart)]);
  meta.writeUInt32LE(groupLength + DEFLATED.length - oldLength, 140);
  return new Uint8Array(Buffer.concat([meta, await deflatedZeros(zeros, { raw: true, prefix: bytes.subarray(datasetStart) })]));
}
