/**
 * NIfTI-1 reader (.nii, .nii.gz) and slicer.
 *
 * Why not nifti-reader-js: its 0.8 release is ESM-only (`exports` has only an `import`
 * condition), so it cannot be `require`d from this CommonJS package nor loaded by Jest without
 * experimental VM modules. The NIfTI-1 header is a fixed 348-byte struct, so it is parsed here.
 *
 * Orientation convention: no reorientation is done (not to RAS, not to anything): array axes
 * are the stored i, j, k axes with i varying fastest. See {@link niftiSlices}.
 */
import * as fs from 'fs';
import * as zlib from 'zlib';
import { InvalidInputError } from '../core/errors';
import { Image2D } from './types';

/** A 3-D NIfTI volume, values after scl_slope/scl_inter. */
export interface NiftiVolume {
  /** Sizes of the i, j, k axes (dim[1..3]; missing dims are 1). */
  dims: [number, number, number];
  /** Voxel size along i, j, k in mm (pixdim[1..3] converted from xyzt_units; NaN if ≤ 0). */
  spacing: [number, number, number];
  /** Voxel (i, j, k) is at `i + dims[0] * (j + dims[1] * k)`. */
  data: Float32Array;
  /** NIfTI datatype code (2 uint8, 4 int16, 8 int32, 16 float32, 64 float64, 256 int8, 512 uint16, 768 uint32). */
  datatype: number;
  path?: string;
}

/** Options of {@link readNifti}. */
export interface ReadNiftiOptions {
  path?: string;
  /** For 4-D files, which volume (dim[4] index) to read; default 0. */
  volume?: number;
  /** Apply scl_slope/scl_inter (default true; slope 0 means "not set" per the standard). */
  applyScaling?: boolean;
}

const HEADER_SIZE = 348;

type SampleReader = (view: DataView, offset: number, le: boolean) => number;
const DATATYPES: Record<number, { bytes: number; read: SampleReader; name: string }> = {
  2: { bytes: 1, read: (v, o) => v.getUint8(o), name: 'uint8' },
  4: { bytes: 2, read: (v, o, le) => v.getInt16(o, le), name: 'int16' },
  8: { bytes: 4, read: (v, o, le) => v.getInt32(o, le), name: 'int32' },
  16: { bytes: 4, read: (v, o, le) => v.getFloat32(o, le), name: 'float32' },
  64: { bytes: 8, read: (v, o, le) => v.getFloat64(o, le), name: 'float64' },
  256: { bytes: 1, read: (v, o) => v.getInt8(o), name: 'int8' },
  512: { bytes: 2, read: (v, o, le) => v.getUint16(o, le), name: 'uint16' },
  768: { bytes: 4, read: (v, o, le) => v.getUint32(o, le), name: 'uint32' },
};

/** Spatial unit code of xyzt_units → millimetres per unit. Unknown (0) is taken as mm, as ITK and most tools do. */
const UNIT_TO_MM: Record<number, number> = { 0: 1, 1: 1000, 2: 1, 3: 0.001 };

function gunzipIfNeeded(bytes: Uint8Array, label: string): Uint8Array {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return zlib.gunzipSync(bytes);
    } catch (e) {
      throw new InvalidInputError('corrupt-file', `${label}: gzip stream is corrupt or truncated (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  return bytes;
}

/**
 * Reads a single-file NIfTI-1 image (`n+1` magic; .nii or gzip-compressed .nii.gz).
 * @throws InvalidInputError `parse-error` (not NIfTI-1), `unsupported-format` (NIfTI-2,
 *   .hdr/.img pairs, unsupported datatype), `corrupt-file` (truncated data).
 */
export function readNifti(input: Uint8Array, options: ReadNiftiOptions = {}): NiftiVolume {
  const label = options.path ?? 'NIfTI input';
  const bytes = gunzipIfNeeded(input, label);
  if (bytes.byteLength < HEADER_SIZE) throw new InvalidInputError('parse-error', `${label} is too short to be NIfTI-1 (${bytes.byteLength} bytes)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // sizeof_hdr tells the byte order: 348 read in the right order.
  let le = true;
  const sizeLe = view.getInt32(0, true);
  if (sizeLe !== HEADER_SIZE) {
    if (view.getInt32(0, false) === HEADER_SIZE) le = false;
    else if (sizeLe === 540 || view.getInt32(0, false) === 540) throw new InvalidInputError('unsupported-format', `${label} is NIfTI-2, only NIfTI-1 is supported`);
    else throw new InvalidInputError('parse-error', `${label} is not a NIfTI-1 file (sizeof_hdr ${sizeLe}, expected 348)`);
  }
  const magic = String.fromCharCode(bytes[344], bytes[345], bytes[346]);
  if (magic === 'ni1') throw new InvalidInputError('unsupported-format', `${label} is a .hdr/.img pair header; only single-file .nii is supported`);
  if (magic !== 'n+1') throw new InvalidInputError('parse-error', `${label} has magic "${magic}", expected "n+1"`);
  const ndim = view.getInt16(40, le);
  const dim = (d: number): number => (d <= ndim ? Math.max(1, view.getInt16(40 + 2 * d, le)) : 1);
  const dims: [number, number, number] = [dim(1), dim(2), dim(3)];
  const volumes = [4, 5, 6, 7].reduce((p, d) => p * dim(d), 1);
  const volume = options.volume ?? 0;
  if (!Number.isInteger(volume) || volume < 0 || volume >= volumes) {
    throw new InvalidInputError('invalid-option', `${label}: volume ${volume} out of range 0..${volumes - 1}`);
  }
  const datatype = view.getInt16(70, le);
  const type = DATATYPES[datatype];
  if (!type) throw new InvalidInputError('unsupported-format', `${label}: NIfTI datatype ${datatype} is not supported (${Object.values(DATATYPES).map((t) => t.name).join(', ')} are)`);
  const unit = UNIT_TO_MM[view.getUint8(123) & 0x07] ?? 1;
  const pix = (d: number): number => {
    const v = view.getFloat32(76 + 4 * d, le);
    return v > 0 && Number.isFinite(v) ? v * unit : NaN;
  };
  const spacing: [number, number, number] = [pix(1), pix(2), pix(3)];
  const voxOffset = Math.max(HEADER_SIZE, Math.floor(view.getFloat32(108, le)));
  let slope = view.getFloat32(112, le);
  let inter = view.getFloat32(116, le);
  if (options.applyScaling === false || slope === 0 || !Number.isFinite(slope)) {
    slope = 1;
    inter = 0;
  }
  if (!Number.isFinite(inter)) inter = 0;
  const n = dims[0] * dims[1] * dims[2];
  const start = voxOffset + volume * n * type.bytes;
  if (start + n * type.bytes > bytes.byteLength) {
    throw new InvalidInputError('corrupt-file', `${label}: data needs ${start + n * type.bytes} bytes, file has ${bytes.byteLength} (truncated?)`);
  }
  const data = new Float32Array(n);
  for (let i = 0, o = start; i < n; i++, o += type.bytes) data[i] = type.read(view, o, le) * slope + inter;
  const out: NiftiVolume = { dims, spacing, data, datatype };
  if (options.path !== undefined) out.path = options.path;
  return out;
}

/** Reads a .nii or .nii.gz file from disk; see {@link readNifti}. */
export function readNiftiFile(filePath: string, options: Omit<ReadNiftiOptions, 'path'> = {}): NiftiVolume {
  return readNifti(fs.readFileSync(filePath), { ...options, path: filePath });
}

/** Options of {@link niftiSlices}. */
export interface NiftiSliceOptions {
  /** Only these slice indices (default: all, in order). */
  indices?: number[];
}

/**
 * Cuts a volume into 2-D slices perpendicular to `axis` (0 = i, 1 = j, 2 = k).
 *
 * Of the two remaining array axes a < b, columns run along a and rows along b, with no flips:
 * pixel (row r, column c) of slice s is voxel a = c, b = r, axis = s. (For axis 2 this is
 * exactly the stored memory order of the slice.) Spacing: column = spacing[a], row = spacing[b]
 * (null if either is unknown). Images are NOT reoriented to RAS or any anatomical convention.
 */
export function niftiSlices(volume: NiftiVolume, axis: 0 | 1 | 2, options: NiftiSliceOptions = {}): Image2D[] {
  if (axis !== 0 && axis !== 1 && axis !== 2) throw new InvalidInputError('invalid-option', `axis must be 0, 1 or 2, got ${String(axis)}`);
  const [a, b] = [0, 1, 2].filter((d) => d !== axis);
  const dims = volume.dims;
  const strides = [1, dims[0], dims[0] * dims[1]];
  const width = dims[a];
  const height = dims[b];
  const count = dims[axis];
  const indices = options.indices ?? Array.from({ length: count }, (_, i) => i);
  const column = volume.spacing[a];
  const row = volume.spacing[b];
  const spacing = Number.isFinite(column) && Number.isFinite(row) ? { row, column, unit: 'mm' as const } : null;
  return indices.map((s) => {
    if (!Number.isInteger(s) || s < 0 || s >= count) throw new InvalidInputError('invalid-option', `slice ${s} out of range 0..${count - 1}`);
    const data = new Float32Array(width * height);
    const base = s * strides[axis];
    for (let r = 0; r < height; r++) {
      const rowBase = base + r * strides[b];
      for (let c = 0; c < width; c++) data[r * width + c] = volume.data[rowBase + c * strides[a]];
    }
    const image: Image2D = { width, height, channels: 1, data, spacing, photometric: 'MONOCHROME2', source: { format: 'nifti', slice: s } };
    if (volume.path !== undefined) image.source.path = volume.path;
    return image;
  });
}
