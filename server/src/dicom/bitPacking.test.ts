import { packBits, packedLength, unpackBits } from './bitPacking';

describe('bit packing (DICOM 1-bit pixel data)', () => {
  it('puts pixel k in bit k mod 8 of byte k / 8, least significant bit first', () => {
    expect(Array.from(packBits(Uint8Array.from([1, 0, 0, 0, 0, 0, 0, 0, 0, 1])))).toEqual([0b0000_0001, 0b0000_0010]);
    expect(Array.from(packBits(Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 255])))).toEqual([0b1000_0000]);
    expect(packedLength(0)).toBe(0);
    expect(packedLength(18)).toBe(3);
  });

  it('does not byte-align frames: frame 2 of 3×3 frames starts at bit 9', () => {
    const frame1 = [1, 0, 0, 0, 1, 0, 0, 0, 1];
    const frame2 = [0, 1, 1, 0, 0, 0, 1, 0, 1];
    const packed = packBits(Uint8Array.from([...frame1, ...frame2]));
    expect(Array.from(packed)).toEqual([0b0001_0001, 0b1000_1101, 0b0000_0010]); // bits 0, 4 | 8, 10, 11, 15 | 17
    expect(Array.from(unpackBits(packed, 0, 9))).toEqual(frame1);
    expect(Array.from(unpackBits(packed, 9, 9))).toEqual(frame2);
  });
});
