/**
 * Turns the stored samples of one DICOM frame into real values: Bits Stored masking, sign
 * extension, Rescale Slope/Intercept, MONOCHROME1 inversion and colour-layout normalisation.
 * Kept apart from the parsing so that every transfer syntax funnels through the same code.
 */
import { InvalidInputError } from '../core/errors';

/** The image-pixel attributes that decide how samples are interpreted. */
export interface PixelModule {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  bitsStored: number;
  highBit: number;
  /** 0 = unsigned, 1 = two's complement. */
  pixelRepresentation: number;
  photometric: string;
  /** 0 = colour-by-pixel (RGBRGB…), 1 = colour-by-plane (RRR…GGG…BBB…). */
  planarConfiguration: number;
  rescaleSlope: number;
  rescaleIntercept: number;
}

/** Stored samples of one frame in little-endian byte order. */
export interface StoredFrame {
  bytes: Uint8Array;
  bytesPerSample: number;
  planar: boolean;
  /** Photometric interpretation after decoding, if the codec changed it (e.g. YBR → RGB). */
  photometric?: string;
}

/** What {@link storedToReal} makes of a frame. */
export interface RealFrame {
  data: Float32Array;
  channels: 1 | 3;
  photometric: string;
}

/** Whether grey values are rescaled and MONOCHROME1 inverted. */
export interface PixelOptions {
  applyRescale: boolean;
  invertMonochrome1: boolean;
}

/** Reads one sample's stored integer value, masked to Bits Stored and sign-extended. */
function makeSampleReader(pm: PixelModule, frame: StoredFrame): (i: number) => number {
  const { bytes, bytesPerSample } = frame;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Some files put the stored bits above bit 0 (High Bit ≠ Bits Stored − 1): shift them down.
  const shift = Math.max(0, pm.highBit + 1 - pm.bitsStored);
  const bits = Math.min(pm.bitsStored, bytesPerSample * 8);
  const signed = pm.pixelRepresentation === 1;
  if (bits >= 32) {
    return signed ? (i) => view.getInt32(i * 4, true) : (i) => view.getUint32(i * 4, true);
  }
  const mask = 2 ** bits - 1;
  const signBit = 2 ** (bits - 1);
  const full = 2 ** bits;
  const raw =
    bytesPerSample === 1
      ? (i: number) => bytes[i]
      : bytesPerSample === 2
        ? (i: number) => view.getUint16(i * 2, true)
        : (i: number) => view.getUint32(i * 4, true);
  return (i) => {
    // Division instead of >> keeps 32-bit containers correct (>> is signed 32-bit in JS).
    const v = Math.floor(raw(i) / 2 ** shift) % (mask + 1);
    return signed && v >= signBit ? v - full : v;
  };
}

/** Converts one frame's stored samples into an {@link RealFrame}. */
export function storedToReal(pm: PixelModule, frame: StoredFrame, options: PixelOptions): RealFrame {
  const n = pm.rows * pm.columns;
  const spp = pm.samplesPerPixel;
  const needed = n * spp * frame.bytesPerSample;
  if (frame.bytes.byteLength < needed) {
    throw new InvalidInputError(
      'corrupt-file',
      `frame has ${frame.bytes.byteLength} bytes of pixel data, expected ${needed} ` +
        `(${pm.columns}×${pm.rows}, ${spp} sample(s), ${frame.bytesPerSample} byte(s) each): the file is truncated or corrupt`,
    );
  }
  const read = makeSampleReader(pm, frame);
  const photometric = (frame.photometric ?? pm.photometric).toUpperCase();
  if (spp === 1) {
    if (photometric !== 'MONOCHROME1' && photometric !== 'MONOCHROME2') {
      throw new InvalidInputError('unsupported-format', `photometric interpretation ${photometric} with 1 sample per pixel is not supported`);
    }
    const slope = options.applyRescale ? pm.rescaleSlope : 1;
    const intercept = options.applyRescale ? pm.rescaleIntercept : 0;
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = read(i) * slope + intercept;
    if (photometric === 'MONOCHROME1' && options.invertMonochrome1) {
      // Mirror within the representable range so values keep their units' span: lo ↔ hi.
      const bits = Math.min(pm.bitsStored, frame.bytesPerSample * 8);
      const minStored = pm.pixelRepresentation === 1 ? -(2 ** (bits - 1)) : 0;
      const maxStored = pm.pixelRepresentation === 1 ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
      const a = minStored * slope + intercept;
      const b = maxStored * slope + intercept;
      const sum = a + b;
      for (let i = 0; i < n; i++) data[i] = sum - data[i];
      return { data, channels: 1, photometric: 'MONOCHROME2' };
    }
    return { data, channels: 1, photometric };
  }
  if (spp !== 3) {
    throw new InvalidInputError('unsupported-format', `${spp} samples per pixel is not supported (only 1 or 3)`);
  }
  const data = new Float32Array(n * 3);
  const planar = frame.planar;
  for (let p = 0; p < n; p++) {
    for (let k = 0; k < 3; k++) data[p * 3 + k] = read(planar ? k * n + p : p * 3 + k);
  }
  if (photometric === 'RGB') return { data, channels: 3, photometric: 'RGB' };
  if (photometric === 'YBR_FULL') {
    ybrFullToRgb(data, 2 ** (Math.min(pm.bitsStored, frame.bytesPerSample * 8) - 1));
    return { data, channels: 3, photometric: 'RGB' };
  }
  throw new InvalidInputError(
    'unsupported-format',
    `photometric interpretation ${photometric} is not supported for uncompressed colour data (RGB and YBR_FULL are)`,
  );
}

/** ITU-R BT.601 full-range YCbCr → RGB (PS3.3 C.7.6.3.1.2), in place. `half` is the chroma offset (128 for 8 bits). */
function ybrFullToRgb(data: Float32Array, half: number): void {
  for (let i = 0; i < data.length; i += 3) {
    const y = data[i];
    const cb = data[i + 1] - half;
    const cr = data[i + 2] - half;
    data[i] = y + 1.402 * cr;
    data[i + 1] = y - 0.344136 * cb - 0.714136 * cr;
    data[i + 2] = y + 1.772 * cb;
  }
}
