/**
 * A 16-bit greyscale PNG encoder (colour type 0, bit depth 16, no interlace), for the exported
 * images: the engine's `writeGrayPng` writes 8 bits, which would throw away most of a 12-bit
 * radiograph's grey levels. Each row gets the filter (None, Sub, Up) whose bytes have the smallest
 * sum of absolute values (the usual heuristic of the PNG specification, 12.8), then zlib.
 */
import { crc32, deflateSync } from 'node:zlib';

const SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);
const BYTES_PER_PIXEL = 2;

/** The PNG of `data` (width × height samples 0 … 65535, row-major, top row first). */
export function writeGray16Png(data: Uint16Array, width: number, height: number): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || data.length !== width * height) {
    throw new RangeError(`16-bit grey PNG: ${data.length} values for ${width} × ${height} pixels`);
  }
  const ihdr = new Uint8Array(13);
  const header = new DataView(ihdr.buffer);
  header.setUint32(0, width);
  header.setUint32(4, height);
  ihdr.set([16, 0, 0, 0, 0], 8); // bit depth 16, grey, deflate, adaptive filtering, no interlace
  const idat = deflateSync(filteredRows(data, width, height), { level: 6 });
  return concat([SIGNATURE, chunk('IHDR', ihdr), chunk('IDAT', idat), chunk('IEND', new Uint8Array(0))]);
}

/** The scanlines, big-endian samples, each preceded by its filter type byte. */
function filteredRows(data: Uint16Array, width: number, height: number): Uint8Array {
  const stride = width * BYTES_PER_PIXEL;
  const raw = new Uint8Array(stride * height);
  for (let i = 0; i < data.length; i++) {
    raw[2 * i] = data[i]! >> 8;
    raw[2 * i + 1] = data[i]! & 0xff;
  }
  const out = new Uint8Array((stride + 1) * height);
  const candidates = [new Uint8Array(stride), new Uint8Array(stride), new Uint8Array(stride)];
  for (let y = 0; y < height; y++) {
    const row = raw.subarray(y * stride, (y + 1) * stride);
    const above = y > 0 ? raw.subarray((y - 1) * stride, y * stride) : null;
    const [none, sub, up] = candidates as [Uint8Array, Uint8Array, Uint8Array];
    none.set(row);
    for (let x = 0; x < stride; x++) {
      sub[x] = (row[x]! - (x >= BYTES_PER_PIXEL ? row[x - BYTES_PER_PIXEL]! : 0)) & 0xff;
      up[x] = (row[x]! - (above ? above[x]! : 0)) & 0xff;
    }
    let best = 0;
    let bestCost = Infinity;
    candidates.forEach((candidate, type) => {
      let cost = 0;
      for (let x = 0; x < stride; x++) cost += candidate[x]! < 128 ? candidate[x]! : 256 - candidate[x]!;
      if (cost < bestCost) [best, bestCost] = [type, cost];
    });
    out[y * (stride + 1)] = best;
    out.set(candidates[best]!, y * (stride + 1) + 1);
  }
  return out;
}

function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + body.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, body.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(body, 8);
  view.setUint32(8 + body.length, crc32(out.subarray(4, 8 + body.length)));
  return out;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
