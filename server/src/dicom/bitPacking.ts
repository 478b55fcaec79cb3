/**
 * 1-bit pixel packing as in DICOM Segmentation Pixel Data (PS3.5 §8.1.1, PS3.3 C.8.20.2):
 * pixel k of the whole multi-frame object is bit (k mod 8) of byte ⌊k / 8⌋, least significant
 * bit first, and frames follow each other without padding, so a frame whose size is not a
 * multiple of 8 starts in the middle of a byte.
 */

/** Bytes needed for `pixels` packed bits. */
export function packedLength(pixels: number): number {
  return Math.ceil(pixels / 8);
}

/** Packs 0/non-zero values into bits (LSB first); non-zero becomes 1. */
export function packBits(values: Uint8Array): Uint8Array {
  const out = new Uint8Array(packedLength(values.length));
  for (let k = 0; k < values.length; k++) if (values[k] !== 0) out[k >> 3] |= 1 << (k & 7);
  return out;
}

/** Unpacks `count` bits starting at bit `firstBit` of `packed` into 0/1 values. */
export function unpackBits(packed: Uint8Array, firstBit: number, count: number): Uint8Array {
  const out = new Uint8Array(count);
  // Division rather than `>> 3`: bit offsets of large multi-frame objects exceed 2^31.
  for (let i = 0; i < count; i++) {
    const k = firstBit + i;
    out[i] = (packed[Math.floor(k / 8)] >> (k % 8)) & 1;
  }
  return out;
}
