/**
 * Where the frames of a DICOM instance lie in the patient: per frame, Image Position (Patient) and
 * Image Orientation (Patient), with the pixel spacing and the slice thickness. Read from the
 * header only (parsing stops before the Pixel Data); {@link seriesGeometry} orders slices from it.
 *
 * Where the values come from:
 * - single-frame: Image Position (Patient) (0020,0032), Image Orientation (Patient) (0020,0037),
 *   Pixel Spacing (0028,0030) and Slice Thickness (0018,0050) at the top level;
 * - enhanced multi-frame (a Shared or a Per-frame Functional Groups Sequence is present, e.g.
 *   Enhanced MR/CT Image Storage): for each frame, Plane Position Sequence → Image Position,
 *   Plane Orientation Sequence → Image Orientation and Pixel Measures Sequence → Pixel Spacing and
 *   Slice Thickness, each from the frame's Per-frame item when it holds a valid value, else from
 *   the Shared item (PS3.3 C.7.6.16: a functional group is in one or the other). Top-level
 *   position and orientation are not part of these objects and are ignored;
 * - legacy multi-frame (Number of Frames > 1, no functional groups, e.g. an old MR or NM
 *   multi-frame): the top-level position belongs to frame 0 only; the other frames get a null
 *   position (where they lie would need modality-specific attributes, such as a Frame Increment
 *   Pointer or NM's Detector Information, which are not read here). The orientation, spacing and
 *   thickness are given to every frame.
 *
 * Tolerated, as null: a missing or empty attribute, a wrong number of values, a value that is not
 * a finite number, and a spacing or thickness that is not positive (0\0 means "unknown" in
 * practice). Number of Frames decides the count: with fewer Per-frame items, the frames beyond
 * them get the Shared values only; more items are ignored. Never thrown for missing geometry.
 *
 * Refused with {@link InvalidInputError}: input that is not DICOM Part 10 (`parse-error`), a
 * truncated or corrupt data set (`corrupt-file`), a deflated data set beyond the inflate limit of
 * {@link readDicom}, and a Number of Frames beyond its decode limit {@link MAX_DECODED_SAMPLES}
 * (`unsupported-format`; a multi-frame header without Rows and Columns, whose frame count cannot
 * be checked, is a `parse-error`), so that a header cannot make us allocate frames without bound.
 */
import * as dcmjs from 'dcmjs';
import { InvalidInputError } from '../core/errors';
import { MAX_DECODED_SAMPLES, parse } from './dicom';

/** Where one frame lies. */
export interface FrameGeometry {
  /** Image Position (Patient): the centre of the frame's first pixel, mm; null when absent or invalid. */
  readonly position: readonly number[] | null;
  /** Image Orientation (Patient): row cosines then column cosines; null when absent or invalid. */
  readonly orientation: readonly number[] | null;
  /** Pixel Spacing of this frame: [between rows, between columns] mm; null when absent or invalid. */
  readonly pixelSpacing: readonly [number, number] | null;
  /** Slice Thickness of this frame, mm; null when absent or invalid. */
  readonly sliceThickness: number | null;
}

/** The geometry of one DICOM instance. */
export interface DicomGeometry {
  /** Frame of Reference UID, null when absent. */
  readonly frameOfReference: string | null;
  /** [between rows, between columns] mm when every frame has the same one, else null. */
  readonly pixelSpacing: readonly [number, number] | null;
  /** Slice Thickness, mm, when every frame has the same one, else null. */
  readonly sliceThickness: number | null;
  /** One per frame: Number of Frames of them (1 for a single-frame instance). */
  readonly frames: readonly FrameGeometry[];
}

/** Options of {@link readDicomGeometry}. */
export interface ReadDicomGeometryOptions {
  /** Names the input in error messages. */
  path?: string;
  /** Refuse a deflated data set that inflates to more bytes than this (default as {@link readDicom}). */
  maxInflatedBytes?: number;
}

type Dataset = Record<string, unknown>;

function valuesOf(raw: unknown): unknown[] {
  return Array.isArray(raw) ? raw : raw === undefined || raw === null ? [] : [raw];
}

function numberOf(v: unknown): number {
  if (typeof v === 'number') return v;
  return typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
}

/** Exactly `length` finite numbers, else null. */
function vector(raw: unknown, length: number): number[] | null {
  const values = valuesOf(raw);
  if (values.length !== length) return null;
  const out = values.map(numberOf);
  return out.every(Number.isFinite) ? out : null;
}

function spacingOf(raw: unknown): [number, number] | null {
  const v = vector(raw, 2);
  return v !== null && v[0] > 0 && v[1] > 0 ? [v[0], v[1]] : null;
}

function thicknessOf(raw: unknown): number | null {
  const v = vector(raw, 1);
  return v !== null && v[0] > 0 ? v[0] : null;
}

function firstItem(raw: unknown): Dataset | undefined {
  const item = valuesOf(raw)[0];
  return item !== null && typeof item === 'object' && !ArrayBuffer.isView(item) && !(item instanceof ArrayBuffer) ? (item as Dataset) : undefined;
}

function text(ds: Dataset, key: string): string | null {
  const v = valuesOf(ds[key])[0];
  const s = typeof v === 'string' ? v.replace(/\0/g, '').trim() : '';
  return s === '' ? null : s;
}

/** A frame's value from its Per-frame group item when valid, else from the Shared group item. */
function fromGroups<T>(perFrame: Dataset | undefined, shared: Dataset | undefined, group: string, attribute: string, read: (raw: unknown) => T | null): T | null {
  const own = firstItem(perFrame?.[group]);
  const fromOwn = own ? read(own[attribute]) : null;
  if (fromOwn !== null) return fromOwn;
  const common = firstItem(shared?.[group]);
  return common ? read(common[attribute]) : null;
}

/** Number of Frames, checked against the decode limit of readDicom. */
function frameCount(ds: Dataset, label: string): number {
  const declared = numberOf(valuesOf(ds.NumberOfFrames)[0]);
  const frames = Number.isFinite(declared) && declared >= 1 ? Math.round(declared) : 1;
  if (frames === 1) return 1;
  const rows = numberOf(valuesOf(ds.Rows)[0]);
  const columns = numberOf(valuesOf(ds.Columns)[0]);
  if (!(rows > 0 && columns > 0)) throw new InvalidInputError('parse-error', `${label} declares ${frames} frames but no valid Rows and Columns`);
  const samples = Math.max(1, numberOf(valuesOf(ds.SamplesPerPixel)[0]) || 1);
  if (frames * rows * columns * samples > MAX_DECODED_SAMPLES) {
    throw new InvalidInputError('unsupported-format', `${label} declares ${frames} frame(s) of ${columns} × ${rows} × ${samples}: more than the limit of ${MAX_DECODED_SAMPLES} samples`);
  }
  return frames;
}

function enhancedFrames(ds: Dataset, frames: number): FrameGeometry[] {
  const shared = firstItem(ds.SharedFunctionalGroupsSequence);
  const perFrame = valuesOf(ds.PerFrameFunctionalGroupsSequence);
  return Array.from({ length: frames }, (_, i) => {
    const own = firstItem(perFrame[i]);
    return {
      position: fromGroups(own, shared, 'PlanePositionSequence', 'ImagePositionPatient', (raw) => vector(raw, 3)),
      orientation: fromGroups(own, shared, 'PlaneOrientationSequence', 'ImageOrientationPatient', (raw) => vector(raw, 6)),
      pixelSpacing: fromGroups(own, shared, 'PixelMeasuresSequence', 'PixelSpacing', spacingOf),
      sliceThickness: fromGroups(own, shared, 'PixelMeasuresSequence', 'SliceThickness', thicknessOf),
    };
  });
}

function topLevelFrames(ds: Dataset, frames: number): FrameGeometry[] {
  const first: FrameGeometry = {
    position: vector(ds.ImagePositionPatient, 3),
    orientation: vector(ds.ImageOrientationPatient, 6),
    pixelSpacing: spacingOf(ds.PixelSpacing),
    sliceThickness: thicknessOf(ds.SliceThickness),
  };
  const others: FrameGeometry = { ...first, position: null };
  return Array.from({ length: frames }, (_, i) => (i === 0 ? first : others));
}

/** The value every frame has, or null. */
function common<T>(frames: readonly FrameGeometry[], read: (f: FrameGeometry) => T | null, key: (v: T) => string): T | null {
  const first = read(frames[0]);
  if (first === null) return null;
  return frames.every((f) => {
    const v = read(f);
    return v !== null && key(v) === key(first);
  }) ? first : null;
}

/**
 * Reads the geometry of every frame of a DICOM instance from its header (see the module comment
 * for where each value comes from and what is tolerated).
 *
 * @throws InvalidInputError `parse-error` or `corrupt-file` for input that cannot be parsed as
 *   DICOM, `unsupported-format` for a frame count or a deflated data set beyond the limits.
 */
export function readDicomGeometry(bytes: Uint8Array | ArrayBuffer, options: ReadDicomGeometryOptions = {}): DicomGeometry {
  const label = options.path ?? 'DICOM input';
  const buffer = bytes instanceof ArrayBuffer ? bytes : bytes.slice().buffer;
  const dicom = parse(buffer, label, options.maxInflatedBytes, true);
  const ds = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dicom.dict);
  const frames = frameCount(ds, label);
  const enhanced = ds.SharedFunctionalGroupsSequence !== undefined || ds.PerFrameFunctionalGroupsSequence !== undefined;
  const geometry = enhanced ? enhancedFrames(ds, frames) : topLevelFrames(ds, frames);
  return {
    frameOfReference: text(ds, 'FrameOfReferenceUID'),
    pixelSpacing: common(geometry, (f) => f.pixelSpacing, (v) => v.join('\\')),
    sliceThickness: common(geometry, (f) => f.sliceThickness, String),
    frames: geometry,
  };
}
