/**
 * DICOM RLE Lossless (PS3.5 Annex G) decoder. Written here rather than pulled in because it
 * is small: a 64-byte header of segment offsets, then one PackBits-coded segment per byte
 * plane (most significant byte first) of each sample.
 */
import { InvalidInputError } from '../core/errors';

/** Geometry needed to lay out the decoded bytes. */
export interface RleFrameGeometry {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: number;
}

/**
 * Decodes one RLE frame into native little-endian, sample-interleaved bytes (i.e. the layout
 * of uncompressed Explicit VR Little Endian with Planar Configuration 0), whatever the
 * Planar Configuration attribute says, because RLE always stores colour planes separately.
 */
export function decodeRleFrame(frame: Uint8Array, geometry: RleFrameGeometry): Uint8Array {
  const { rows, columns, samplesPerPixel, bitsAllocated } = geometry;
  const bytesPerSample = bitsAllocated / 8;
  const pixels = rows * columns;
  const expectedSegments = samplesPerPixel * bytesPerSample;
  if (frame.byteLength < 64) {
    throw new InvalidInputError('corrupt-file', `RLE frame is ${frame.byteLength} bytes, shorter than its 64-byte header`);
  }
  const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
  const segmentCount = view.getUint32(0, true);
  if (segmentCount !== expectedSegments) {
    throw new InvalidInputError(
      'corrupt-file',
      `RLE frame has ${segmentCount} segments, expected ${expectedSegments} ` +
        `(${samplesPerPixel} sample(s) × ${bytesPerSample} byte(s))`,
    );
  }
  const offsets: number[] = [];
  for (let i = 0; i < segmentCount; i++) offsets.push(view.getUint32(4 + 4 * i, true));
  const out = new Uint8Array(pixels * samplesPerPixel * bytesPerSample);
  for (let seg = 0; seg < segmentCount; seg++) {
    const start = offsets[seg];
    const end = seg + 1 < segmentCount ? offsets[seg + 1] : frame.byteLength;
    if (start < 64 || end > frame.byteLength || end < start) {
      throw new InvalidInputError('corrupt-file', `RLE segment ${seg} has invalid offsets ${start}..${end}`);
    }
    const sample = Math.floor(seg / bytesPerSample);
    const byteFromMsb = seg % bytesPerSample;
    // Little-endian target: the most significant byte (segment byte 0) goes last.
    const firstByte = sample * bytesPerSample + (bytesPerSample - 1 - byteFromMsb);
    const stride = samplesPerPixel * bytesPerSample;
    const plane = decodePackBits(frame.subarray(start, end), pixels, seg);
    for (let p = 0, o = firstByte; p < pixels; p++, o += stride) out[o] = plane[p];
  }
  return out;
}

/** PackBits: header n in 0..127 copies n+1 literal bytes, −127..−1 repeats the next byte 1−n times, −128 is a no-op. */
function decodePackBits(src: Uint8Array, length: number, segment: number): Uint8Array {
  const out = new Uint8Array(length);
  let i = 0;
  let o = 0;
  while (o < length && i < src.length) {
    const header = (src[i++] << 24) >> 24; // as signed byte
    if (header >= 0) {
      const n = header + 1;
      if (i + n > src.length || o + n > length) break;
      out.set(src.subarray(i, i + n), o);
      i += n;
      o += n;
    } else if (header !== -128) {
      const n = 1 - header;
      if (i >= src.length || o + n > length) break;
      out.fill(src[i++], o, o + n);
      o += n;
    }
  }
  if (o < length) {
    throw new InvalidInputError('corrupt-file', `RLE segment ${segment} decodes to ${o} bytes, expected ${length}`);
  }
  return out;
}
