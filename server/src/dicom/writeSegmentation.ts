/**
 * Writing a BINARY DICOM Segmentation of one source image from a label map (the simulated
 * annotator, masks submitted as PNG, tests); {@link readSegmentation} reads it back.
 */
import { packBits } from './bitPacking';
import { DicomObjectError } from './dicomObjectError';
import { Code, codeItem, Dataset, dicomDateTime, fit, writePart10 } from './part10';
import { SEGMENTATION_SOP_CLASS } from './segmentation';
import { isValidUid, newUid } from './uid';

/** The image a written segmentation is derived from. */
export interface SegmentationSource {
  readonly studyUid: string;
  readonly seriesUid: string;
  readonly sopUid: string;
  readonly sopClassUid: string;
  /**
   * Copy these from the source image: left out, they are written empty, and a PACS that keys
   * studies on patient and study (Orthanc) then files the SEG apart from its source.
   */
  readonly patientId?: string;
  readonly patientName?: string;
  readonly rows: number;
  readonly columns: number;
  /** Row and column spacing in mm; written as shared Pixel Measures when given. */
  readonly pixelSpacing?: readonly [number, number];
  /**
   * The frame (1-based) of a multi-frame source the label map lies on, written as Referenced Frame
   * Number beside every reference to it (without it, a reference to a multi-frame image is one to
   * all its frames). Leave out for a single-frame source.
   */
  readonly frame?: number;
}

/** One segment to write: its number, label, and the label-map value that marks its pixels. */
export interface SegmentSpec {
  /** 1, 2, 3… in order (the standard numbers segments from 1 without gaps). */
  readonly number: number;
  readonly label: string;
  /** The value of this segment's pixels in `labelMap` (1…255). */
  readonly value: number;
}

/** What {@link writeSegmentation} writes. */
export interface SegmentationSpec {
  readonly source: SegmentationSource;
  readonly segments: readonly SegmentSpec[];
  /** source.rows × source.columns values: 0 = background, else a segment's `value`. */
  readonly labelMap: Uint8Array;
  /** Default: a new UID. */
  readonly seriesUid?: string;
  /** Default: a new UID. */
  readonly sopUid?: string;
  /** Default "ScanSelect segmentation". */
  readonly seriesDescription?: string;
  /** Default 1. */
  readonly seriesNumber?: number;
  /** Default 1. */
  readonly instanceNumber?: number;
  /** Content Creator's Name (DICOM person name), e.g. "Simulated^Annotator". */
  readonly contentCreator?: string;
  /** Content Label (CS: A–Z, 0–9, space, underscore; ≤ 16). Default "SEGMENTATION". */
  readonly contentLabel?: string;
  /** Content date and time; default now. */
  readonly createdAt?: Date;
  /**
   * Further slices of the source's series (same size and SOP class), each with its label map: the
   * SEG then covers several slices of a volume, as a 3-D tool writes one (frames slice by slice,
   * one per segment; the dimension is then the referenced instance — or, when every slice is a
   * frame of the source, the referenced frame — and the segment number). A slice that is another
   * frame of a multi-frame source names it (`frame`).
   */
  readonly moreSlices?: ReadonlyArray<{ readonly sopUid: string; readonly frame?: number; readonly labelMap: Uint8Array }>;
}

const ANATOMICAL_STRUCTURE: Code = { value: '91723000', scheme: 'SCT', meaning: 'Anatomical Structure' };
const TISSUE: Code = { value: '85756007', scheme: 'SCT', meaning: 'Tissue' };
const LUNG: Code = { value: '39607008', scheme: 'SCT', meaning: 'Lung' };
const SOURCE_IMAGE_PURPOSE: Code = { value: '121322', scheme: 'DCM', meaning: 'Source image for image processing operation' };
const SEGMENTATION_DERIVATION: Code = { value: '113076', scheme: 'DCM', meaning: 'Segmentation' };
const SEGMENT_IDENTIFICATION = 0x0062000a;
const REFERENCED_SEGMENT_NUMBER = 0x0062000b;
const REFERENCED_SOP_INSTANCE_UID = 0x00081155;
const REFERENCED_FRAME_NUMBER = 0x00081160;
const DERIVATION_IMAGE = 0x00089124;

function invalid(message: string): never {
  throw new DicomObjectError('invalid-spec', `segmentation: ${message}`);
}

function validate(spec: SegmentationSpec): void {
  const { source } = spec;
  if (source.frame !== undefined && !(Number.isInteger(source.frame) && source.frame >= 1)) invalid(`source frame ${source.frame} is not a frame number (1, 2, …)`);
  const seen = new Set([`${source.sopUid} ${source.frame ?? ''}`]);
  for (const slice of spec.moreSlices ?? []) {
    const key = `${slice.sopUid} ${slice.frame ?? ''}`;
    if (!isValidUid(slice.sopUid) || seen.has(key) || (slice.sopUid === source.sopUid) !== (slice.frame !== undefined && source.frame !== undefined)) {
      invalid(`slice "${slice.sopUid}"${slice.frame === undefined ? '' : ` frame ${slice.frame}`} is not another instance, or another frame of the source, named once`);
    }
    if (slice.frame !== undefined && !(Number.isInteger(slice.frame) && slice.frame >= 1)) invalid(`slice frame ${slice.frame} is not a frame number (1, 2, …)`);
    seen.add(key);
    if (slice.labelMap.length !== source.rows * source.columns) invalid(`label map of slice ${slice.sopUid} has ${slice.labelMap.length} values for ${source.columns}×${source.rows}`);
  }
  for (const key of ['studyUid', 'seriesUid', 'sopUid', 'sopClassUid'] as const) if (!isValidUid(source[key])) invalid(`source ${key} "${source[key]}" is not a valid UID`);
  for (const key of ['seriesUid', 'sopUid'] as const) if (spec[key] !== undefined && !isValidUid(spec[key])) invalid(`${key} "${spec[key]}" is not a valid UID`);
  if (!(Number.isInteger(source.rows) && source.rows > 0 && source.rows <= 0xffff && Number.isInteger(source.columns) && source.columns > 0 && source.columns <= 0xffff)) {
    invalid(`invalid source size ${source.columns}×${source.rows}`);
  }
  if (spec.labelMap.length !== source.rows * source.columns) invalid(`label map has ${spec.labelMap.length} values for ${source.columns}×${source.rows}`);
  if (spec.segments.length === 0) invalid('no segments');
  const values = new Set<number>();
  spec.segments.forEach((s, i) => {
    if (s.number !== i + 1) invalid(`segment ${i + 1} has number ${s.number}: segments are numbered 1, 2, 3… in order`);
    if (!(Number.isInteger(s.value) && s.value >= 1 && s.value <= 255)) invalid(`segment ${s.number}: label value ${s.value} is not in 1…255`);
    if (values.has(s.value)) invalid(`segment ${s.number}: label value ${s.value} is used twice`);
    values.add(s.value);
  });
  for (let p = 0; p < spec.labelMap.length; p++) {
    const v = spec.labelMap[p];
    if (v !== 0 && !values.has(v)) invalid(`label map value ${v} at pixel ${p} belongs to no segment`);
  }
  if (spec.contentLabel !== undefined && !/^[A-Z0-9_ ]{1,16}$/.test(spec.contentLabel)) invalid(`content label "${spec.contentLabel}" is not a CS value (A–Z, 0–9, space, _; at most 16)`);
}

/**
 * Writes a BINARY Segmentation (Part 10, explicit VR little endian) of one source image from a
 * label map (or of several slices of its series, `moreSlices`): one frame per segment and slice,
 * each referring to its source image; segments are MANUAL,
 * coded as lung when their label mentions "lung", else as tissue.
 *
 * @throws DicomObjectError `invalid-spec` for invalid UIDs, sizes, segment numbering or label values.
 */
export function writeSegmentation(spec: SegmentationSpec): Uint8Array {
  validate(spec);
  const { source } = spec;
  const sopUid = spec.sopUid ?? newUid();
  const dimensionOrganizationUid = newUid();
  const { date, time } = dicomDateTime(spec.createdAt ?? new Date());
  const pixelsPerFrame = source.rows * source.columns;
  const slices: ReadonlyArray<{ sopUid: string; frame?: number; labelMap: Uint8Array }> = [{ sopUid: source.sopUid, frame: source.frame, labelMap: spec.labelMap }, ...(spec.moreSlices ?? [])];
  const framesOfOne = slices.length > 1 && slices.every((slice) => slice.sopUid === source.sopUid);
  const frames = slices.flatMap((slice) => spec.segments.map((segment) => ({ slice, segment })));
  const unpacked = new Uint8Array(frames.length * pixelsPerFrame);
  frames.forEach(({ slice, segment }, f) => {
    for (let p = 0; p < pixelsPerFrame; p++) if (slice.labelMap[p] === segment.value) unpacked[f * pixelsPerFrame + p] = 1;
  });
  const referenceOf = (sopUid: string, frames: ReadonlyArray<number | undefined>) => {
    const numbers = frames.filter((f): f is number => f !== undefined);
    return {
      ReferencedSOPClassUID: source.sopClassUid, ReferencedSOPInstanceUID: sopUid,
      ...(numbers.length > 0 && { ReferencedFrameNumber: numbers.length === 1 ? numbers[0] : numbers }),
    };
  };
  // Common Instance Reference: each instance once, with the frames of it the SEG covers.
  const instances = [...new Set(slices.map((slice) => slice.sopUid))].map((uid) => referenceOf(uid, slices.filter((slice) => slice.sopUid === uid).map((slice) => slice.frame)));
  const dataset: Dataset = {
    // Patient; General Study (type 2 attributes empty: the SEG joins the source's study)
    PatientName: source.patientName ?? '',
    PatientID: fit(source.patientId ?? '', 64),
    PatientBirthDate: '',
    PatientSex: '',
    StudyInstanceUID: source.studyUid,
    StudyDate: '',
    StudyTime: '',
    ReferringPhysicianName: '',
    StudyID: '',
    AccessionNumber: '',
    // General Series, Segmentation Series
    Modality: 'SEG',
    SeriesInstanceUID: spec.seriesUid ?? newUid(),
    SeriesNumber: spec.seriesNumber ?? 1,
    SeriesDescription: fit(spec.seriesDescription ?? 'ScanSelect segmentation', 64),
    // General Equipment, Enhanced General Equipment
    Manufacturer: 'ScanSelect',
    ManufacturerModelName: 'ScanSelect',
    DeviceSerialNumber: '1',
    SoftwareVersions: '0.1.0',
    // General Image, Segmentation Image, Multi-frame Functional Groups
    InstanceNumber: spec.instanceNumber ?? 1,
    ContentDate: date,
    ContentTime: time,
    ImageType: ['DERIVED', 'PRIMARY'],
    ContentLabel: spec.contentLabel ?? 'SEGMENTATION',
    ContentDescription: '',
    ContentCreatorName: spec.contentCreator ?? '',
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: source.rows,
    Columns: source.columns,
    BitsAllocated: 1,
    BitsStored: 1,
    HighBit: 0,
    PixelRepresentation: 0,
    LossyImageCompression: '00',
    SegmentationType: 'BINARY',
    SegmentSequence: spec.segments.map((s) => {
      const lung = /lung/i.test(s.label);
      return {
        SegmentNumber: s.number,
        SegmentLabel: fit(s.label, 64),
        SegmentAlgorithmType: 'MANUAL',
        SegmentedPropertyCategoryCodeSequence: codeItem(lung ? ANATOMICAL_STRUCTURE : TISSUE),
        SegmentedPropertyTypeCodeSequence: codeItem(lung ? LUNG : TISSUE),
      };
    }),
    NumberOfFrames: frames.length,
    SharedFunctionalGroupsSequence: source.pixelSpacing
      ? [{ PixelMeasuresSequence: [{ PixelSpacing: [source.pixelSpacing[0], source.pixelSpacing[1]] }] }]
      : [],
    PerFrameFunctionalGroupsSequence: frames.map(({ slice, segment }) => ({
      FrameContentSequence: [{ DimensionIndexValues: slices.length > 1 ? [slices.indexOf(slice) + 1, segment.number] : [segment.number] }],
      DerivationImageSequence: [{
        SourceImageSequence: [{ ...referenceOf(slice.sopUid, [slice.frame]), PurposeOfReferenceCodeSequence: codeItem(SOURCE_IMAGE_PURPOSE) }],
        DerivationCodeSequence: codeItem(SEGMENTATION_DERIVATION),
      }],
      SegmentIdentificationSequence: [{ ReferencedSegmentNumber: segment.number }],
    })),
    // Multi-frame Dimension: one dimension, the segment number
    DimensionOrganizationSequence: [{ DimensionOrganizationUID: dimensionOrganizationUid }],
    DimensionIndexSequence: [
      ...(slices.length > 1 ? [{
        DimensionOrganizationUID: dimensionOrganizationUid,
        DimensionIndexPointer: framesOfOne ? REFERENCED_FRAME_NUMBER : REFERENCED_SOP_INSTANCE_UID,
        FunctionalGroupPointer: DERIVATION_IMAGE,
        DimensionDescriptionLabel: framesOfOne ? 'Source Frame' : 'Source Instance',
      }] : []),
      {
        DimensionOrganizationUID: dimensionOrganizationUid,
        DimensionIndexPointer: REFERENCED_SEGMENT_NUMBER,
        FunctionalGroupPointer: SEGMENT_IDENTIFICATION,
        DimensionDescriptionLabel: 'Segment Number',
      },
    ],
    // Common Instance Reference
    ReferencedSeriesSequence: [{ SeriesInstanceUID: source.seriesUid, ReferencedInstanceSequence: instances }],
    PixelData: packBits(unpacked).buffer,
    _vrMap: { PixelData: 'OB' },
  };
  return writePart10(SEGMENTATION_SOP_CLASS, sopUid, dataset);
}
