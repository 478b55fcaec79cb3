/**
 * A NIfTI-1 writer for single 2-D images (the data-set export's `.nii.gz` files): the fixed
 * 348-byte header, the 4-byte extension flag (no extensions) and the voxels from byte 352, little
 * endian. The engine's reader (`readNifti` of @scanselect/plugin) reads these back.
 *
 * Layout: voxel (i, j) is column i, row j of the image, i varying fastest — the memory order of
 * a row-major image, top row first, as the PNG export and `niftiSlices(volume, 2)` see it.
 * dim = [2, columns, rows, 1, …]; pixdim[1] the column spacing, pixdim[2] the row spacing (mm;
 * 1 with unit "unknown" when the source does not say). No orientation is claimed (qform_code
 * and sform_code 0): a projection radiograph has no patient-space voxel grid to state.
 */
import { gzipSync } from 'node:zlib';

/** The NIfTI-1 datatypes the export writes, with their codes and sizes. */
export const NIFTI_DATATYPES = {
  uint8: { code: 2, bytes: 1, min: 0, max: 255 },
  int16: { code: 4, bytes: 2, min: -32768, max: 32767 },
  int32: { code: 8, bytes: 4, min: -(2 ** 31), max: 2 ** 31 - 1 },
  float32: { code: 16, bytes: 4, min: -Infinity, max: Infinity },
  int8: { code: 256, bytes: 1, min: -128, max: 127 },
  uint16: { code: 512, bytes: 2, min: 0, max: 65535 },
  uint32: { code: 768, bytes: 4, min: 0, max: 2 ** 32 - 1 },
} as const;
export type NiftiDatatype = keyof typeof NIFTI_DATATYPES;

/** One 2-D image to write. */
export interface Nifti2d {
  readonly width: number;
  readonly height: number;
  /** width × height values, row-major, top row first; integers within the datatype's range unless float32. */
  readonly data: ArrayLike<number>;
  readonly datatype: NiftiDatatype;
  /** Millimetres between rows and between columns, or null when unknown. */
  readonly spacing?: { readonly row: number; readonly column: number } | null;
  /** scl_slope / scl_inter: real value = stored × slope + inter (default 1 and 0). */
  readonly slope?: number;
  readonly intercept?: number;
  /** `descrip` (at most 79 ASCII characters kept). */
  readonly description?: string;
}

/** sizeof_hdr of NIfTI-1. */
export const NIFTI1_HEADER_BYTES = 348;
/** Where the voxels start: the header and the 4-byte extension flag. */
export const NIFTI1_VOX_OFFSET = 352;

const NIFTI_UNITS_UNKNOWN = 0;
const NIFTI_UNITS_MM = 2;

/** The `.nii` bytes of `image` (see the module comment). Throws on a size or value the datatype cannot hold. */
export function writeNifti2d(image: Nifti2d): Uint8Array {
  const { width, height, data, datatype } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > 32767 || height > 32767) {
    throw new RangeError(`NIfTI-1: a ${width} × ${height} image cannot be written (1 … 32767 per axis)`);
  }
  if (data.length !== width * height) throw new RangeError(`NIfTI-1: ${data.length} values for ${width} × ${height} pixels`);
  const type = NIFTI_DATATYPES[datatype];
  const out = new Uint8Array(NIFTI1_VOX_OFFSET + data.length * type.bytes);
  const view = new DataView(out.buffer);
  view.setInt32(0, NIFTI1_HEADER_BYTES, true);
  out[38] = 'r'.charCodeAt(0); // regular
  const dim = [2, width, height, 1, 1, 1, 1, 1];
  dim.forEach((d, i) => view.setInt16(40 + 2 * i, d, true));
  view.setInt16(70, type.code, true);
  view.setInt16(72, type.bytes * 8, true); // bitpix
  const spacing = image.spacing && image.spacing.column > 0 && image.spacing.row > 0 ? image.spacing : null;
  const pixdim = [1, spacing?.column ?? 1, spacing?.row ?? 1, 1, 1, 1, 1, 1]; // pixdim[0] = qfac
  pixdim.forEach((p, i) => view.setFloat32(76 + 4 * i, p, true));
  view.setFloat32(108, NIFTI1_VOX_OFFSET, true);
  view.setFloat32(112, image.slope ?? 1, true);
  view.setFloat32(116, image.intercept ?? 0, true);
  out[123] = spacing ? NIFTI_UNITS_MM : NIFTI_UNITS_UNKNOWN; // xyzt_units (no time unit)
  const description = (image.description ?? '').replace(/[^\x20-\x7e]/g, '?').slice(0, 79);
  for (let i = 0; i < description.length; i++) out[148 + i] = description.charCodeAt(i);
  out.set([0x6e, 0x2b, 0x31, 0x00], 344); // magic "n+1\0"; qform_code, sform_code and the extension flag stay 0
  writeVoxels(view, data, datatype);
  return out;
}

/** {@link writeNifti2d}, gzip-compressed (`.nii.gz`). */
export function writeNifti2dGz(image: Nifti2d): Uint8Array {
  const gz = gzipSync(writeNifti2d(image));
  return new Uint8Array(gz.buffer, gz.byteOffset, gz.byteLength);
}

/** The smallest integer datatype of the given signedness and stored bits (DICOM Bits Allocated 8, 16 or 32). */
export function integerDatatype(bits: number, signed: boolean): NiftiDatatype {
  if (bits <= 8) return signed ? 'int8' : 'uint8';
  if (bits <= 16) return signed ? 'int16' : 'uint16';
  return signed ? 'int32' : 'uint32';
}

function writeVoxels(view: DataView, data: ArrayLike<number>, datatype: NiftiDatatype): void {
  const type = NIFTI_DATATYPES[datatype];
  const at = NIFTI1_VOX_OFFSET;
  // Integer types only (float32 takes any value): a value that does not fit would wrap silently.
  const check = (v: number, i: number): number => {
    if (!(Number.isInteger(v) && v >= type.min && v <= type.max)) throw new RangeError(`NIfTI-1: value ${v} at index ${i} does not fit ${datatype}`);
    return v;
  };
  const n = data.length;
  switch (datatype) {
    case 'uint8': for (let i = 0; i < n; i++) view.setUint8(at + i, check(data[i]!, i)); break;
    case 'int8': for (let i = 0; i < n; i++) view.setInt8(at + i, check(data[i]!, i)); break;
    case 'uint16': for (let i = 0; i < n; i++) view.setUint16(at + 2 * i, check(data[i]!, i), true); break;
    case 'int16': for (let i = 0; i < n; i++) view.setInt16(at + 2 * i, check(data[i]!, i), true); break;
    case 'uint32': for (let i = 0; i < n; i++) view.setUint32(at + 4 * i, check(data[i]!, i), true); break;
    case 'int32': for (let i = 0; i < n; i++) view.setInt32(at + 4 * i, check(data[i]!, i), true); break;
    case 'float32': for (let i = 0; i < n; i++) view.setFloat32(at + 4 * i, data[i]!, true); break;
  }
}
