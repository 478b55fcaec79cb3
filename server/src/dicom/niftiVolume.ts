/**
 * A NIfTI-1 volume as the geometry and voxels of a {@link VolumeSpec}, to be written as DICOM MR
 * or CT (`writeMrSeries`, `writeEnhancedMr`).
 *
 * The engine's `readNifti` gives the voxels and the voxel sizes but not the orientation, so
 * {@link readNiftiAffine} reads the voxel-to-world matrix from the same bytes: the sform when its
 * code is set, else the qform (quaternion), else the pixdim scaling alone (NIfTI's "method 1": no
 * orientation is known and the array axes are taken as x, y, z) — the order nibabel uses.
 *
 * Slicing, as the engine's `niftiSlices`: slices are cut perpendicular to one array axis; of the
 * two others, a < b, columns run along a and rows along b, so a DICOM slice holds the pixels of
 * the engine's slice. World coordinates are NIfTI's RAS+ (+x towards the patient's right, +y
 * anterior, +z superior), converted to DICOM's LPS+ (+x left, +y posterior) by negating x and y.
 * DICOM slices go up along the normal row × column: when the sliced array axis runs the other way
 * the slice order is reversed (`sliceIndices` says which NIfTI slice each DICOM slice is).
 *
 * Tolerated: any rotation, voxel sizes that differ per axis, NaN voxels (see
 * {@link VolumeFromNifti.intensity}). Refused with InvalidInputError: bytes that are not a NIfTI-1
 * header (`parse-error`) or a corrupt gzip stream (`corrupt-file`); a matrix with a zero column,
 * in-plane axes that are not orthogonal within 1e-4, or slices sheared off the normal by more
 * than 1e-3 of their step (`unsupported-format`: DICOM's image plane cannot say so); a slice axis
 * other than 0, 1 or 2, or an affine that is not 3 × 4 finite numbers (`invalid-option`).
 */
import * as zlib from 'node:zlib';
import { InvalidInputError, type NiftiVolume } from '@scanselect/plugin';
import type { VolumeSpec } from './mrVolume';

/** The three rows (of four) of the voxel-to-world matrix, RAS+ mm: world = matrix · [i, j, k, 1]. */
export type NiftiMatrix = readonly (readonly number[])[];

/** The voxel-to-world transform of a NIfTI file, and where it came from. */
export interface NiftiAffine {
  readonly matrix: NiftiMatrix;
  readonly source: 'sform' | 'qform' | 'pixdim';
}

/** Options of {@link volumeFromNifti}. */
export interface VolumeFromNiftiOptions {
  /** The array axis the slices are perpendicular to (default 2; 1 for the IBSR volumes' 1.5 mm axis). */
  readonly sliceAxis?: 0 | 1 | 2;
  /** From {@link readNiftiAffine}; without it, the volume's voxel sizes alone (method 1, 1 mm where unknown). */
  readonly affine?: NiftiAffine;
  /** Names the input in error messages. */
  readonly path?: string;
}

/** The VolumeSpec fields of a NIfTI volume, and how they relate to it. */
export interface VolumeFromNifti extends Pick<VolumeSpec, 'columns' | 'rows' | 'slices' | 'orientation' | 'origin' | 'pixelSpacing' | 'sliceSpacing'> {
  readonly voxels: Int16Array;
  /** The NIfTI index along the slice axis of each DICOM slice. */
  readonly sliceIndices: readonly number[];
  /**
   * NIfTI value ≈ stored × slope + intercept. When every finite value is an integer within
   * −32768…32767 they are stored as they are (slope 1, intercept 0, `scaled` false); else each
   * is divided by slope = max |value| / 32767 and rounded (intercept 0: zero stays zero and the
   * sign is kept), losing what 15 bits cannot hold. Non-finite voxels (`nonFinite` of them) are
   * stored as the smallest finite value.
   */
  readonly intensity: { readonly slope: number; readonly intercept: number; readonly scaled: boolean; readonly nonFinite: number };
}

const HEADER_BYTES = 348;
/** Spatial unit code of xyzt_units → mm per unit (unknown taken as mm, as the engine's reader does). */
const UNIT_TO_MM: Record<number, number> = { 0: 1, 1: 1000, 2: 1, 3: 0.001 };
const ORTHOGONAL_TOLERANCE = 1e-4;
const SHEAR_TOLERANCE = 1e-3;

/** The first 348 bytes, inflating only the start of a gzip stream (the whole stream only if that is too short). */
function header(bytes: Uint8Array, label: string): Uint8Array {
  if (!(bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b)) return bytes;
  try {
    const head = zlib.gunzipSync(bytes.subarray(0, 4096), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
    return head.length >= HEADER_BYTES ? head : zlib.gunzipSync(bytes);
  } catch (e) {
    throw new InvalidInputError('corrupt-file', `${label}: gzip stream is corrupt or truncated (${(e as Error).message})`);
  }
}

/** The sform, qform or pixdim transform of a NIfTI-1 file (.nii or .nii.gz bytes); see the module comment. */
export function readNiftiAffine(bytes: Uint8Array, options: { path?: string } = {}): NiftiAffine {
  const label = options.path ?? 'NIfTI input';
  const head = header(bytes, label);
  if (head.length < HEADER_BYTES) throw new InvalidInputError('parse-error', `${label} is too short to be NIfTI-1 (${head.length} bytes)`);
  const view = new DataView(head.buffer, head.byteOffset, HEADER_BYTES);
  const le = view.getInt32(0, true) === HEADER_BYTES;
  if (!le && view.getInt32(0, false) !== HEADER_BYTES) throw new InvalidInputError('parse-error', `${label} is not a NIfTI-1 file (sizeof_hdr is not 348)`);
  const f = (offset: number): number => view.getFloat32(offset, le);
  const unit = UNIT_TO_MM[view.getUint8(123) & 0x07] ?? 1;
  const scaled = (rows: number[][]): NiftiMatrix => [rows[0].map((v) => v * unit), rows[1].map((v) => v * unit), rows[2].map((v) => v * unit)];
  const pixdim = [1, 2, 3].map((d) => (f(76 + 4 * d) > 0 ? f(76 + 4 * d) : 1));
  if (view.getInt16(254, le) > 0) {
    const rows = [0, 1, 2].map((r) => [0, 1, 2, 3].map((c) => f(280 + 16 * r + 4 * c)));
    if (rows.flat().every(Number.isFinite)) return { matrix: scaled(rows), source: 'sform' };
  }
  if (view.getInt16(252, le) > 0) {
    // nifti1_io's quatern_to_mat44: a from b, c, d; qfac = pixdim[0] (−1 flips k).
    let [b, c, d] = [f(256), f(260), f(264)];
    let a = 1 - (b * b + c * c + d * d);
    if (a < 1e-7) {
      const n = Math.hypot(b, c, d);
      [a, b, c, d] = [0, b / n, c / n, d / n];
    } else a = Math.sqrt(a);
    const qfac = f(76) < 0 ? -1 : 1;
    const [dx, dy, dz] = [pixdim[0], pixdim[1], qfac * pixdim[2]];
    const rows = [
      [(a * a + b * b - c * c - d * d) * dx, 2 * (b * c - a * d) * dy, 2 * (b * d + a * c) * dz, f(268)],
      [2 * (b * c + a * d) * dx, (a * a + c * c - b * b - d * d) * dy, 2 * (c * d - a * b) * dz, f(272)],
      [2 * (b * d - a * c) * dx, 2 * (c * d + a * b) * dy, (a * a + d * d - c * c - b * b) * dz, f(276)],
    ];
    if (rows.flat().every(Number.isFinite)) return { matrix: scaled(rows), source: 'qform' };
  }
  return { matrix: scaled([[pixdim[0], 0, 0, 0], [0, pixdim[1], 0, 0], [0, 0, pixdim[2], 0]]), source: 'pixdim' };
}

type Vector = [number, number, number];
const dot = (u: readonly number[], v: readonly number[]): number => u[0] * v[0] + u[1] * v[1] + u[2] * v[2];
const cross = (u: readonly number[], v: readonly number[]): Vector => [u[1] * v[2] - u[2] * v[1], u[2] * v[0] - u[0] * v[2], u[0] * v[1] - u[1] * v[0]];
const scale = (u: readonly number[], s: number): Vector => [u[0] * s, u[1] * s, u[2] * s];
/** RAS+ → LPS+ (and −0 → 0, which would otherwise be written as such). */
const lps = (u: readonly number[]): Vector => [0 - u[0], 0 - u[1], u[2] + 0];

/** v − v is 0 for a finite number, NaN for NaN and ±∞ (arithmetic, no global lookup in the per-voxel loops). */
const finite = (v: number): boolean => v - v === 0;
const round = Math.round;

/** Stored Int16 values and the map back to the NIfTI values (see {@link VolumeFromNifti.intensity}). */
function storedValues(data: Float32Array): { store: (v: number) => number; intensity: VolumeFromNifti['intensity'] } {
  let min = Infinity;
  let max = -Infinity;
  let integral = true;
  let nonFinite = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!finite(v)) {
      nonFinite++;
      continue;
    }
    if (v < min) min = v;
    if (v > max) max = v;
    if (integral && v % 1 !== 0) integral = false;
  }
  if (min > max) [min, max] = [0, 0]; // no finite value at all
  const floor = min;
  if (integral && min >= -32768 && max <= 32767) {
    return { store: (v) => (finite(v) ? v : floor), intensity: { slope: 1, intercept: 0, scaled: false, nonFinite } };
  }
  const slope = Math.max(Math.abs(min), Math.abs(max)) / 32767;
  return { store: (v) => round((finite(v) ? v : floor) / slope), intensity: { slope, intercept: 0, scaled: true, nonFinite } };
}

/**
 * The VolumeSpec geometry and voxels of a NIfTI volume sliced along `sliceAxis` (see the module
 * comment for the conventions and what is refused).
 *
 * @throws InvalidInputError `invalid-option`, `unsupported-format`.
 */
export function volumeFromNifti(nifti: NiftiVolume, options: VolumeFromNiftiOptions = {}): VolumeFromNifti {
  const label = options.path ?? nifti.path ?? 'NIfTI volume';
  const axis = options.sliceAxis ?? 2;
  if (axis !== 0 && axis !== 1 && axis !== 2) throw new InvalidInputError('invalid-option', `${label}: slice axis must be 0, 1 or 2, got ${String(axis)}`);
  const [a, b] = [0, 1, 2].filter((d) => d !== axis) as [number, number];
  const given = options.affine?.matrix;
  if (given !== undefined && !(given.length === 3 && given.every((row) => row.length === 4 && row.every(finite)))) {
    throw new InvalidInputError('invalid-option', `${label}: the affine must be 3 rows of 4 finite numbers`);
  }
  const spacing = nifti.spacing.map((s) => (s > 0 ? s : 1));
  const matrix = given ?? [[spacing[0], 0, 0, 0], [0, spacing[1], 0, 0], [0, 0, spacing[2], 0]];
  const column = (d: number): Vector => lps([matrix[0][d], matrix[1][d], matrix[2][d]]);
  const [u, v, w] = [column(a), column(b), column(axis)]; // steps between columns, rows and slices, LPS mm
  const [du, dv, dw] = [Math.hypot(...u), Math.hypot(...v), Math.hypot(...w)];
  if (!(du > 0 && dv > 0 && dw > 0)) throw new InvalidInputError('unsupported-format', `${label}: the voxel-to-world matrix has a zero column`);
  const rowCosines = scale(u, 1 / du);
  const columnCosines = scale(v, 1 / dv);
  if (Math.abs(dot(rowCosines, columnCosines)) > ORTHOGONAL_TOLERANCE) {
    throw new InvalidInputError('unsupported-format', `${label}: array axes ${a} and ${b} are not orthogonal in the world (cosine ${dot(rowCosines, columnCosines).toFixed(5)})`);
  }
  const normal = cross(rowCosines, columnCosines);
  const along = dot(w, normal);
  const off = Math.hypot(...w.map((x, i) => x - along * normal[i]));
  if (off / dw > SHEAR_TOLERANCE) {
    throw new InvalidInputError('unsupported-format', `${label}: the slices along axis ${axis} are sheared (their step is ${(off / dw).toFixed(4)} off the normal): DICOM images cannot say so`);
  }
  const [columns, rows, slices] = [nifti.dims[a], nifti.dims[b], nifti.dims[axis]];
  const sliceIndices = Array.from({ length: slices }, (_, k) => (along > 0 ? k : slices - 1 - k));
  const first = [0, 0, 0];
  first[axis] = sliceIndices[0];
  const originRas = [0, 1, 2].map((r) => matrix[r][0] * first[0] + matrix[r][1] * first[1] + matrix[r][2] * first[2] + matrix[r][3]);
  const strides = [1, nifti.dims[0], nifti.dims[0] * nifti.dims[1]];
  const { store, intensity } = storedValues(nifti.data);
  const voxels = new Int16Array(columns * rows * slices);
  let o = 0;
  for (const s of sliceIndices) {
    for (let r = 0; r < rows; r++) {
      const base = s * strides[axis] + r * strides[b];
      for (let c = 0; c < columns; c++) voxels[o++] = store(nifti.data[base + c * strides[a]]);
    }
  }
  return {
    columns,
    rows,
    slices,
    voxels,
    orientation: [...rowCosines, ...columnCosines],
    origin: lps(originRas),
    pixelSpacing: [dv, du],
    sliceSpacing: Math.abs(along),
    sliceIndices,
    intensity,
  };
}
