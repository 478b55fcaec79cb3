/**
 * MR (or CT) volumes written as DICOM: one single-frame MR or CT Image Storage instance per
 * slice ({@link writeMrSeries}), or one Enhanced MR Image Storage multi-frame instance
 * ({@link writeEnhancedMr}). For brain MR such as IBSR converted from NIfTI (volumeFromNifti) and
 * for tests of the series geometry; the pixels are what the caller gives, 16-bit MONOCHROME2.
 *
 * Geometry: slice k lies at Image Position (Patient) origin + k · sliceSpacing · n, rounded to
 * the micrometre, where n is the unit normal row × column of the orientation: the slices go up
 * along n (as `seriesGeometry` orders them) and Instance Number k + 1 follows them. Slice
 * Thickness is written equal to the slice spacing (contiguous slices: nothing else is known), and
 * so is Spacing Between Slices.
 *
 * What is refused, with DicomObjectError `invalid-spec`: invalid UIDs (or SOP Instance UIDs not
 * one per slice, or repeated), sizes that do not match the voxels, an orientation whose two
 * vectors are not of unit length and orthogonal within {@link VOLUME_ORIENTATION_TOLERANCE}, a
 * spacing that is not positive, a rescale on MR (the MR Image module has none), an Enhanced MR
 * of modality CT, and pixel data beyond what one DICOM element holds (2^32 − 2 bytes).
 * The module attributes that a scanner would fill and we cannot know (Repetition Time, Echo Time,
 * kVp, Patient Position…) are written empty where the standard lets them be (type 2).
 */
import { DicomObjectError } from './dicomObjectError';
import { Code, codeItem, Dataset, dicomDateTime, fit, writePart10 } from './part10';
import { isValidUid, newUid } from './uid';

/** MR Image Storage. */
export const MR_IMAGE_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.4';
/** CT Image Storage. */
export const CT_IMAGE_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.2';
/** Enhanced MR Image Storage. */
export const ENHANCED_MR_IMAGE_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.4.1';
/** Largest difference from unit length, and largest dot product, accepted for the orientation vectors. */
export const VOLUME_ORIENTATION_TOLERANCE = 1e-4;

/** A volume to write, and the study and series it belongs to. */
export interface VolumeSpec {
  readonly studyUid: string;
  readonly seriesUid: string;
  readonly patientId: string;
  /** DICOM person name, e.g. "IBSR^01". */
  readonly patientName: string;
  /** YYYYMMDD. */
  readonly studyDate: string;
  readonly studyDescription: string;
  readonly seriesDescription?: string;
  /** Default 1. */
  readonly seriesNumber?: number;
  readonly frameOfReferenceUid: string;
  /** Default MR. */
  readonly modality?: 'MR' | 'CT';
  /** Body Part Examined (CS, at most 16 characters), e.g. "BRAIN". */
  readonly bodyPart?: string;
  /**
   * The anatomic region (e.g. SCT 12738006 "Brain"): Anatomic Region Sequence, and the Frame
   * Anatomy functional group of an Enhanced MR. That group is mandatory there but has no
   * "unknown" code: without a region it is left out rather than invented.
   */
  readonly anatomicRegion?: Code;
  readonly columns: number;
  readonly rows: number;
  readonly slices: number;
  /** slices × rows × columns stored values, slice-major, each slice row by row. */
  readonly voxels: Int16Array | Uint16Array;
  /** Row cosines then column cosines (6 numbers). */
  readonly orientation: readonly number[];
  /** Image Position (Patient) of slice 0's first voxel, mm. */
  readonly origin: readonly [number, number, number];
  /** Pixel spacing [between rows, between columns] mm. */
  readonly pixelSpacing: readonly [number, number];
  /** Slice spacing mm, along the normal row × column. */
  readonly sliceSpacing: number;
  /** CT only: real value (HU) = stored × slope + intercept. Default slope 1, intercept 0. */
  readonly rescale?: { readonly slope: number; readonly intercept: number };
  /** Content and study time; default now. */
  readonly createdAt?: Date;
}

const STACK_ID = 0x00209056;
const IN_STACK_POSITION_NUMBER = 0x00209057;
const FRAME_CONTENT_SEQUENCE = 0x00209111;
const MAX_ELEMENT_BYTES = 0xfffffffe;

function invalid(what: string, message: string): never {
  throw new DicomObjectError('invalid-spec', `${what}: ${message}`);
}

function finite(values: readonly number[], length: number): boolean {
  return values.length === length && values.every((v) => typeof v === 'number' && Number.isFinite(v));
}

/** Refuses what the module comment lists, naming the writer (`what`) and the value. */
function validate(spec: VolumeSpec, what: string): void {
  for (const key of ['studyUid', 'seriesUid', 'frameOfReferenceUid'] as const) if (!isValidUid(spec[key])) invalid(what, `${key} "${spec[key]}" is not a valid UID`);
  if (!/^[0-9]{8}$/.test(spec.studyDate)) invalid(what, `study date "${spec.studyDate}" is not YYYYMMDD`);
  if (spec.modality !== undefined && spec.modality !== 'MR' && spec.modality !== 'CT') invalid(what, `modality "${String(spec.modality)}" is not MR or CT`);
  if (spec.seriesNumber !== undefined && !Number.isInteger(spec.seriesNumber)) invalid(what, `series number ${spec.seriesNumber} is not an integer`);
  const size = (n: number): boolean => Number.isInteger(n) && n > 0 && n <= 0xffff;
  if (!size(spec.columns) || !size(spec.rows)) invalid(what, `invalid slice size ${spec.columns}×${spec.rows}`);
  if (!(Number.isInteger(spec.slices) && spec.slices > 0)) invalid(what, `invalid slice count ${spec.slices}`);
  if (!(spec.voxels instanceof Int16Array || spec.voxels instanceof Uint16Array)) invalid(what, 'voxels must be an Int16Array or a Uint16Array');
  const count = spec.slices * spec.rows * spec.columns;
  if (spec.voxels.length !== count) invalid(what, `${spec.voxels.length} voxels for ${spec.slices} slices of ${spec.columns}×${spec.rows}`);
  if (!finite(spec.orientation, 6)) invalid(what, `orientation must be 6 finite numbers, got [${spec.orientation.join(', ')}]`);
  const [r, c] = [spec.orientation.slice(0, 3), spec.orientation.slice(3, 6)];
  const dot = r[0] * c[0] + r[1] * c[1] + r[2] * c[2];
  if (Math.abs(Math.hypot(...r) - 1) > VOLUME_ORIENTATION_TOLERANCE || Math.abs(Math.hypot(...c) - 1) > VOLUME_ORIENTATION_TOLERANCE || Math.abs(dot) > VOLUME_ORIENTATION_TOLERANCE) {
    invalid(what, `orientation [${spec.orientation.join(', ')}] is not two orthogonal unit vectors`);
  }
  if (!finite(spec.origin, 3)) invalid(what, `origin must be 3 finite numbers, got [${spec.origin.join(', ')}]`);
  if (!finite(spec.pixelSpacing, 2) || !(spec.pixelSpacing[0] > 0 && spec.pixelSpacing[1] > 0)) invalid(what, `pixel spacing [${spec.pixelSpacing.join(', ')}] must be positive`);
  if (!(Number.isFinite(spec.sliceSpacing) && spec.sliceSpacing > 0)) invalid(what, `slice spacing ${spec.sliceSpacing} must be positive`);
  if (spec.rescale !== undefined) {
    if ((spec.modality ?? 'MR') !== 'CT') invalid(what, 'a rescale is for CT only (the MR Image module has no Rescale Slope/Intercept)');
    if (!(Number.isFinite(spec.rescale.slope) && spec.rescale.slope !== 0 && Number.isFinite(spec.rescale.intercept))) invalid(what, `invalid rescale slope ${spec.rescale.slope} / intercept ${spec.rescale.intercept}`);
  }
  if (spec.bodyPart !== undefined && !/^[A-Z0-9_ ]{0,16}$/.test(spec.bodyPart)) invalid(what, `body part "${spec.bodyPart}" is not a CS value (A–Z, 0–9, space, _; at most 16)`);
}

/** The unit normal row × column of a valid orientation. */
function normalOf(o: readonly number[]): [number, number, number] {
  const n: [number, number, number] = [o[1] * o[5] - o[2] * o[4], o[2] * o[3] - o[0] * o[5], o[0] * o[4] - o[1] * o[3]];
  const length = Math.hypot(...n);
  return [n[0] / length, n[1] / length, n[2] / length];
}

/** Millimetres rounded to the micrometre, so that DS values read -0.2 rather than -0.1999999999999 (and −0 is 0). */
const micrometres = (mm: number): number => Math.round(mm * 1e6) / 1e6 + 0;

/** Image Position (Patient) of each slice: origin + k · sliceSpacing · normal. */
function slicePositions(spec: VolumeSpec): number[][] {
  const n = normalOf(spec.orientation);
  return Array.from({ length: spec.slices }, (_, k) => spec.origin.map((o, d) => micrometres(o + k * spec.sliceSpacing * n[d])));
}

/** Stored values [from, to) as little-endian 16-bit Pixel Data. */
function pixelBytes(voxels: Int16Array | Uint16Array, from: number, to: number): ArrayBuffer {
  const out = new ArrayBuffer((to - from) * 2);
  const view = new DataView(out);
  const signed = voxels instanceof Int16Array;
  for (let i = from; i < to; i++) {
    if (signed) view.setInt16(2 * (i - from), voxels[i], true);
    else view.setUint16(2 * (i - from), voxels[i], true);
  }
  return out;
}

/** A window over the whole volume (in rescaled units for CT), so that every slice is displayed alike. */
function volumeWindow(spec: VolumeSpec): { WindowCenter: number; WindowWidth: number } {
  let min = Infinity;
  let max = -Infinity;
  for (const v of spec.voxels) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const { slope, intercept } = spec.rescale ?? { slope: 1, intercept: 0 };
  const [low, high] = [min * slope + intercept, max * slope + intercept].sort((a, b) => a - b);
  return { WindowCenter: (low + high) / 2, WindowWidth: Math.max(1, high - low) };
}

/** Patient, General Study, General Series, Frame of Reference, General Equipment and Image Pixel attributes. */
function commonAttributes(spec: VolumeSpec, time: string): Dataset {
  const dataset: Dataset = {
    PatientName: spec.patientName,
    PatientID: fit(spec.patientId, 64),
    PatientBirthDate: '',
    PatientSex: '',
    StudyInstanceUID: spec.studyUid,
    StudyDate: spec.studyDate,
    StudyTime: time,
    ReferringPhysicianName: '',
    StudyID: '1',
    AccessionNumber: '',
    StudyDescription: fit(spec.studyDescription, 64),
    Modality: spec.modality ?? 'MR',
    SeriesInstanceUID: spec.seriesUid,
    SeriesNumber: spec.seriesNumber ?? 1,
    PatientPosition: '',
    FrameOfReferenceUID: spec.frameOfReferenceUid,
    PositionReferenceIndicator: '',
    Manufacturer: 'ScanSelect',
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: spec.rows,
    Columns: spec.columns,
    BitsAllocated: 16,
    BitsStored: 16,
    HighBit: 15,
    PixelRepresentation: spec.voxels instanceof Int16Array ? 1 : 0,
  };
  if (spec.seriesDescription !== undefined) dataset.SeriesDescription = fit(spec.seriesDescription, 64);
  if (spec.bodyPart !== undefined) dataset.BodyPartExamined = spec.bodyPart;
  return dataset;
}

/** The MR Image or CT Image module attributes that a scanner fills and a converter cannot know. */
function modalityAttributes(spec: VolumeSpec): Dataset {
  if ((spec.modality ?? 'MR') === 'CT') {
    const { slope, intercept } = spec.rescale ?? { slope: 1, intercept: 0 };
    return { ImageType: ['DERIVED', 'SECONDARY', 'AXIAL'], RescaleIntercept: intercept, RescaleSlope: slope, RescaleType: 'HU', KVP: '' };
  }
  // RM: research mode; the rest is type 2 and unknown.
  return { ImageType: ['DERIVED', 'SECONDARY'], ScanningSequence: 'RM', SequenceVariant: 'NONE', ScanOptions: '', MRAcquisitionType: '', RepetitionTime: '', EchoTime: '', EchoTrainLength: '' };
}

/**
 * Writes a volume as one single-frame MR Image Storage instance per slice (CT Image Storage when
 * `modality` is CT), Part 10 explicit VR little endian: slice k has `sopUids[k]`, Instance Number
 * k + 1 and the position of the module comment; 16 bits stored, signed for an Int16Array; a
 * window over the whole volume; Rescale Slope/Intercept (default 1/0, HU) for CT.
 *
 * @throws DicomObjectError `invalid-spec` (see the module comment).
 */
export function writeMrSeries(spec: VolumeSpec, sopUids: readonly string[]): Uint8Array[] {
  const what = 'MR/CT series';
  validate(spec, what);
  if (sopUids.length !== spec.slices) invalid(what, `${sopUids.length} SOP Instance UIDs for ${spec.slices} slices`);
  sopUids.forEach((uid, k) => {
    if (!isValidUid(uid)) invalid(what, `SOP Instance UID ${k} "${uid}" is not a valid UID`);
  });
  if (new Set(sopUids).size !== sopUids.length) invalid(what, 'the SOP Instance UIDs are not all different');
  const { date, time } = dicomDateTime(spec.createdAt ?? new Date());
  const sopClass = (spec.modality ?? 'MR') === 'CT' ? CT_IMAGE_SOP_CLASS : MR_IMAGE_SOP_CLASS;
  const normal = normalOf(spec.orientation);
  const window = volumeWindow(spec);
  const pixels = spec.rows * spec.columns;
  return slicePositions(spec).map((position, k) => writePart10(sopClass, sopUids[k], {
    ...commonAttributes(spec, time),
    ...modalityAttributes(spec),
    InstanceNumber: k + 1,
    AcquisitionNumber: 1,
    ContentDate: date,
    ContentTime: time,
    ImagePositionPatient: position,
    ImageOrientationPatient: [...spec.orientation],
    PixelSpacing: [spec.pixelSpacing[0], spec.pixelSpacing[1]],
    SliceThickness: spec.sliceSpacing,
    SpacingBetweenSlices: spec.sliceSpacing,
    SliceLocation: micrometres(position[0] * normal[0] + position[1] * normal[1] + position[2] * normal[2]),
    ...window,
    ...(spec.anatomicRegion ? { AnatomicRegionSequence: codeItem(spec.anatomicRegion) } : {}),
    PixelData: pixelBytes(spec.voxels, k * pixels, (k + 1) * pixels),
    _vrMap: { PixelData: 'OW' },
  }));
}

/**
 * Writes a volume as one Enhanced MR Image Storage instance: a frame per slice, in slice order.
 * Shared functional groups: Pixel Measures (Pixel Spacing, Slice Thickness, Spacing Between
 * Slices), Plane Orientation, MR Image Frame Type, Frame VOI LUT (a window over the volume) and,
 * with `anatomicRegion`, Frame Anatomy. Per frame: Plane Position and Frame Content (Stack ID
 * "1", In-Stack Position Number k + 1, Dimension Index Values [1, k + 1]); the two dimensions are
 * Stack ID and In-Stack Position Number of one dimension organisation (type 3D).
 *
 * @throws DicomObjectError `invalid-spec` (see the module comment; modality CT is refused).
 */
export function writeEnhancedMr(spec: VolumeSpec, sopUid: string): Uint8Array {
  const what = 'Enhanced MR';
  validate(spec, what);
  if (!isValidUid(sopUid)) invalid(what, `SOP Instance UID "${sopUid}" is not a valid UID`);
  if ((spec.modality ?? 'MR') !== 'MR') invalid(what, `modality ${String(spec.modality)}: an Enhanced MR image is MR`);
  if (spec.voxels.length * 2 > MAX_ELEMENT_BYTES) invalid(what, `${spec.voxels.length * 2} bytes of pixel data do not fit one DICOM element`);
  const { date, time } = dicomDateTime(spec.createdAt ?? new Date());
  const organisation = newUid();
  const imageType = ['DERIVED', 'SECONDARY', 'VOLUME', 'NONE'];
  const frameCharacteristics = {
    PixelPresentation: 'MONOCHROME',
    VolumetricProperties: 'VOLUME',
    VolumeBasedCalculationTechnique: 'NONE',
    ComplexImageComponent: 'MAGNITUDE',
    AcquisitionContrast: 'UNKNOWN',
  };
  const shared: Dataset = {
    PixelMeasuresSequence: [{ PixelSpacing: [spec.pixelSpacing[0], spec.pixelSpacing[1]], SliceThickness: spec.sliceSpacing, SpacingBetweenSlices: spec.sliceSpacing }],
    PlaneOrientationSequence: [{ ImageOrientationPatient: [...spec.orientation] }],
    MRImageFrameTypeSequence: [{ FrameType: imageType, ...frameCharacteristics }],
    FrameVOILUTSequence: [volumeWindow(spec)],
  };
  if (spec.anatomicRegion) shared.FrameAnatomySequence = [{ AnatomicRegionSequence: codeItem(spec.anatomicRegion), FrameLaterality: 'U' }];
  const dimension = (pointer: number, label: string): Dataset => ({
    DimensionOrganizationUID: organisation,
    DimensionIndexPointer: pointer,
    FunctionalGroupPointer: FRAME_CONTENT_SEQUENCE,
    DimensionDescriptionLabel: label,
  });
  return writePart10(ENHANCED_MR_IMAGE_SOP_CLASS, sopUid, {
    ...commonAttributes(spec, time),
    // Enhanced General Equipment
    ManufacturerModelName: 'ScanSelect',
    DeviceSerialNumber: '1',
    SoftwareVersions: '0.1.0',
    // Enhanced MR Image, Multi-frame Functional Groups, Acquisition Context
    ImageType: imageType,
    ...frameCharacteristics,
    BurnedInAnnotation: 'NO',
    LossyImageCompression: '00',
    InstanceNumber: 1,
    ContentDate: date,
    ContentTime: time,
    NumberOfFrames: spec.slices,
    AcquisitionContextSequence: [],
    SharedFunctionalGroupsSequence: [shared],
    PerFrameFunctionalGroupsSequence: slicePositions(spec).map((position, k) => ({
      FrameContentSequence: [{ StackID: '1', InStackPositionNumber: k + 1, DimensionIndexValues: [1, k + 1] }],
      PlanePositionSequence: [{ ImagePositionPatient: position }],
    })),
    // Multi-frame Dimension: the slices of one stack
    DimensionOrganizationType: '3D',
    DimensionOrganizationSequence: [{ DimensionOrganizationUID: organisation }],
    DimensionIndexSequence: [dimension(STACK_ID, 'Stack ID'), dimension(IN_STACK_POSITION_NUMBER, 'In-Stack Position Number')],
    PixelData: pixelBytes(spec.voxels, 0, spec.voxels.length),
    _vrMap: { PixelData: 'OW' },
  });
}
