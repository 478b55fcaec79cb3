import * as zlib from 'zlib';
import { InvalidInputError } from '../core/errors';
import { niftiSlices, readNifti } from './nifti';

/** Minimal NIfTI-1 single file: int16 data, given dims/pixdim, scl_slope/inter, units mm. */
function makeNifti(dims: number[], pixdim: number[], values: number[], slope = 0, inter = 0, datatype = 4): Uint8Array {
  const bytesPer = datatype === 16 ? 4 : 2;
  const buf = new ArrayBuffer(352 + values.length * bytesPer);
  const v = new DataView(buf);
  v.setInt32(0, 348, true);
  v.setInt16(40, dims.length, true);
  dims.forEach((d, i) => v.setInt16(42 + 2 * i, d, true));
  v.setInt16(70, datatype, true);
  v.setInt16(72, bytesPer * 8, true);
  pixdim.forEach((p, i) => v.setFloat32(80 + 4 * i, p, true));
  v.setFloat32(108, 352, true);
  v.setFloat32(112, slope, true);
  v.setFloat32(116, inter, true);
  v.setUint8(123, 2); // mm
  new Uint8Array(buf).set([0x6e, 0x2b, 0x31, 0], 344);
  values.forEach((x, i) => (datatype === 16 ? v.setFloat32(352 + 4 * i, x, true) : v.setInt16(352 + 2 * i, x, true)));
  return new Uint8Array(buf);
}

describe('NIfTI', () => {
  // dims 2×3×2: value = i + 10 j + 100 k
  const values: number[] = [];
  for (let k = 0; k < 2; k++) for (let j = 0; j < 3; j++) for (let i = 0; i < 2; i++) values.push(i + 10 * j + 100 * k);
  const file = makeNifti([2, 3, 2], [0.5, 1.5, 2.5], values);

  it('reads dims, spacing and data (gzip too) with scl_slope/scl_inter', () => {
    for (const bytes of [file, zlib.gzipSync(file)]) {
      const vol = readNifti(bytes);
      expect(vol.dims).toEqual([2, 3, 2]);
      expect(vol.spacing).toEqual([0.5, 1.5, 2.5]);
      expect(vol.data[1 + 2 * (2 + 3 * 1)]).toBe(121);
    }
    expect(readNifti(makeNifti([2, 3, 2], [1, 1, 1], values, 2, -1)).data[1]).toBe(1);
    expect(readNifti(makeNifti([1, 1, 1], [1, 1, 1], [0.25], 0, 0, 16)).data[0]).toBe(0.25);
  });

  it('slices: columns along the lower remaining axis, rows along the higher, spacing from pixdim', () => {
    const vol = readNifti(file);
    const [s] = niftiSlices(vol, 1, { indices: [2] });
    // axis 1 fixed at j=2: columns = i (0.5 mm), rows = k (2.5 mm)
    expect([s.width, s.height]).toEqual([2, 2]);
    expect(Array.from(s.data)).toEqual([20, 21, 120, 121]);
    expect(s.spacing).toEqual({ row: 2.5, column: 0.5, unit: 'mm' });
    expect(s.source).toEqual({ format: 'nifti', slice: 2 });
    const axial = niftiSlices(vol, 2);
    expect(axial).toHaveLength(2);
    expect(Array.from(axial[1].data)).toEqual([100, 101, 110, 111, 120, 121]);
    expect(niftiSlices(vol, 0)[1].spacing).toEqual({ row: 2.5, column: 1.5, unit: 'mm' });
  });

  it('rejects non-NIfTI, truncated and unsupported datatypes with typed errors', () => {
    const codeOf = (f: () => unknown): string | undefined => {
      try {
        f();
      } catch (e) {
        return e instanceof InvalidInputError ? e.code : 'untyped';
      }
      return undefined;
    };
    expect(codeOf(() => readNifti(new Uint8Array(400)))).toBe('parse-error');
    expect(codeOf(() => readNifti(file.subarray(0, file.length - 4)))).toBe('corrupt-file');
    expect(codeOf(() => readNifti(zlib.gzipSync(file).subarray(0, 30)))).toBe('corrupt-file');
    expect(codeOf(() => readNifti(makeNifti([1, 1, 1], [1, 1, 1], [0], 0, 0, 32)))).toBe('unsupported-format');
  });
});
