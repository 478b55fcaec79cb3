import { gunzipSync } from 'node:zlib';
import { niftiSlices, readNifti } from '@scanselect/plugin';
import { integerDatatype, NIFTI1_VOX_OFFSET, writeNifti2d, writeNifti2dGz } from './nifti';

/** The header fields, read by hand at their NIfTI-1 offsets (little endian). */
function header(bytes: Uint8Array) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    sizeofHdr: view.getInt32(0, true),
    dim: Array.from({ length: 8 }, (_, i) => view.getInt16(40 + 2 * i, true)),
    datatype: view.getInt16(70, true),
    bitpix: view.getInt16(72, true),
    pixdim: Array.from({ length: 4 }, (_, i) => view.getFloat32(76 + 4 * i, true)),
    voxOffset: view.getFloat32(108, true),
    sclSlope: view.getFloat32(112, true),
    sclInter: view.getFloat32(116, true),
    xyztUnits: bytes[123],
    qformCode: view.getInt16(252, true),
    sformCode: view.getInt16(254, true),
    magic: Array.from(bytes.subarray(344, 348)),
    extension: Array.from(bytes.subarray(348, 352)),
  };
}

describe('writeNifti2d', () => {
  const width = 3;
  const height = 2;
  const data = [0, 1000, 4095, -5, 7, 32767];

  it('writes a NIfTI-1 header: sizeof_hdr 348, 2-D dims, datatype, bitpix, pixdim, vox_offset 352, magic n+1\\0', () => {
    const bytes = writeNifti2d({ width, height, data, datatype: 'int16', spacing: { row: 0.5, column: 0.25 }, slope: 2, intercept: -1024 });
    expect(bytes.length).toBe(NIFTI1_VOX_OFFSET + width * height * 2);
    expect(header(bytes)).toEqual({
      sizeofHdr: 348, dim: [2, 3, 2, 1, 1, 1, 1, 1], datatype: 4, bitpix: 16, pixdim: [1, 0.25, 0.5, 1], voxOffset: 352,
      sclSlope: 2, sclInter: -1024, xyztUnits: 2, qformCode: 0, sformCode: 0, magic: [0x6e, 0x2b, 0x31, 0], extension: [0, 0, 0, 0],
    });
  });

  it('round-trips the values through the engine\'s reader, scaling applied or not, row-major with i along the columns', () => {
    const gz = writeNifti2dGz({ width, height, data, datatype: 'int16', spacing: { row: 0.5, column: 0.25 }, slope: 2, intercept: -1024 });
    expect([gz[0], gz[1]]).toEqual([0x1f, 0x8b]);
    const raw = readNifti(gz, { applyScaling: false });
    expect(raw).toMatchObject({ dims: [3, 2, 1], spacing: [0.25, 0.5, 1], datatype: 4 });
    expect(Array.from(raw.data)).toEqual(data);
    expect(Array.from(readNifti(gz).data)).toEqual(data.map((v) => v * 2 - 1024));
    const [slice] = niftiSlices(raw, 2);
    expect(slice).toMatchObject({ width: 3, height: 2, spacing: { row: 0.5, column: 0.25, unit: 'mm' } });
    expect(Array.from(slice!.data)).toEqual(data); // pixel (row r, column c) is data[r * width + c]
    expect(header(new Uint8Array(gunzipSync(gz))).magic).toEqual([0x6e, 0x2b, 0x31, 0]);
  });

  it('writes each datatype with its code and size, and an unknown spacing as 1 with unit "unknown"', () => {
    const cases = [['uint8', 2, 8, [0, 255]], ['int8', 256, 8, [-128, 127]], ['uint16', 512, 16, [0, 65535]], ['int16', 4, 16, [-32768, 32767]],
      ['uint32', 768, 32, [0, 4294967040]], ['int32', 8, 32, [-2147483648, 2147483520]], ['float32', 16, 32, [-1.5, 3.25]]] as const;
    // (32-bit extremes that float32, the reader's output, holds exactly)
    for (const [datatype, code, bitpix, values] of cases) {
      const bytes = writeNifti2d({ width: 2, height: 1, data: values, datatype });
      expect([datatype, header(bytes).datatype, header(bytes).bitpix, header(bytes).pixdim, header(bytes).xyztUnits]).toEqual([datatype, code, bitpix, [1, 1, 1, 1], 0]);
      expect([datatype, Array.from(readNifti(bytes).data)]).toEqual([datatype, values]);
    }
  });

  it('refuses values the datatype cannot hold and sizes that do not match', () => {
    expect(() => writeNifti2d({ width: 2, height: 1, data: [0, 256], datatype: 'uint8' })).toThrow(/256 .* does not fit uint8/);
    expect(() => writeNifti2d({ width: 2, height: 1, data: [0, 0.5], datatype: 'int16' })).toThrow(/does not fit int16/);
    expect(() => writeNifti2d({ width: 2, height: 2, data: [0, 1], datatype: 'uint8' })).toThrow(/2 values for 2 × 2/);
  });

  it('picks the integer datatype of DICOM Bits Allocated and Pixel Representation', () => {
    expect([integerDatatype(8, false), integerDatatype(8, true), integerDatatype(16, false), integerDatatype(16, true), integerDatatype(32, false), integerDatatype(32, true)])
      .toEqual(['uint8', 'int8', 'uint16', 'int16', 'uint32', 'int32']);
  });
});
