/**
 * Secondary Capture images (single frame, 16-bit MONOCHROME2) written by the server, e.g. the
 * chest radiograph phantoms of the demo.
 */
import { DicomObjectError } from './dicomObjectError';
import { Dataset, dicomDateTime, fit, writePart10 } from './part10';
import { isValidUid } from './uid';

/** Secondary Capture Image Storage. */
export const SECONDARY_CAPTURE_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.7';

/** What {@link writeSecondaryCapture} writes. */
export interface SecondaryCaptureSpec {
  readonly studyUid: string;
  readonly seriesUid: string;
  readonly sopUid: string;
  readonly patientId: string;
  /** DICOM person name, e.g. "Phantom^Chest". */
  readonly patientName: string;
  /** E.g. "CR" or "DX" (what QIDO-RS filters on), or "OT". */
  readonly modality: string;
  /** Body Part Examined, e.g. "CHEST". */
  readonly bodyPart: string;
  /** YYYYMMDD. */
  readonly studyDate: string;
  readonly studyDescription: string;
  readonly seriesDescription?: string;
  /** Default 1. */
  readonly seriesNumber?: number;
  /** Default 1. */
  readonly instanceNumber?: number;
  readonly rows: number;
  readonly columns: number;
  /** rows × columns stored values, row by row; each below 2^bitsStored. */
  readonly pixels: Uint16Array;
  /** Bits Stored of the 16 allocated (High Bit = bitsStored − 1). Default 12. */
  readonly bitsStored?: 12 | 16;
  /** Row and column spacing in mm (Pixel Spacing). */
  readonly pixelSpacing?: readonly [number, number];
  /** Marks the image as synthetic (Conversion Type SYN, Synthetic Data YES). Default true. */
  readonly synthetic?: boolean;
  /** Content and study time; default now. */
  readonly createdAt?: Date;
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new DicomObjectError('invalid-spec', `secondary capture: ${message}`);
}

/**
 * Writes a Secondary Capture image as a DICOM Part 10 file (explicit VR little endian):
 * MONOCHROME2, 16 bits allocated, 12 (default) or 16 stored, unsigned.
 *
 * @throws DicomObjectError `invalid-spec` for invalid UIDs, sizes, dates or pixel values.
 */
export function writeSecondaryCapture(spec: SecondaryCaptureSpec): Uint8Array {
  for (const key of ['studyUid', 'seriesUid', 'sopUid'] as const) check(isValidUid(spec[key]), `${key} "${spec[key]}" is not a valid UID`);
  check(Number.isInteger(spec.rows) && spec.rows > 0 && spec.rows <= 0xffff, `invalid rows ${spec.rows}`);
  check(Number.isInteger(spec.columns) && spec.columns > 0 && spec.columns <= 0xffff, `invalid columns ${spec.columns}`);
  check(spec.pixels.length === spec.rows * spec.columns, `${spec.pixels.length} pixels for ${spec.columns}×${spec.rows}`);
  check(/^[0-9]{8}$/.test(spec.studyDate), `study date "${spec.studyDate}" is not YYYYMMDD`);
  const bitsStored = spec.bitsStored ?? 12;
  check(bitsStored === 12 || bitsStored === 16, `bits stored ${String(bitsStored)} is not 12 or 16`);
  const limit = 2 ** bitsStored;
  const bytes = new Uint8Array(spec.pixels.length * 2);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < spec.pixels.length; i++) {
    const v = spec.pixels[i];
    if (v >= limit) throw new DicomObjectError('invalid-spec', `secondary capture: pixel ${i} is ${v}, over the ${bitsStored}-bit maximum ${limit - 1}`);
    view.setUint16(2 * i, v, true);
  }
  if (spec.pixelSpacing) check(spec.pixelSpacing.every((s) => Number.isFinite(s) && s > 0), 'pixel spacing must be positive');
  const synthetic = spec.synthetic ?? true;
  const { date, time } = dicomDateTime(spec.createdAt ?? new Date());
  const dataset: Dataset = {
    // Patient
    PatientName: spec.patientName,
    PatientID: fit(spec.patientId, 64),
    PatientBirthDate: '',
    PatientSex: '',
    // General Study
    StudyInstanceUID: spec.studyUid,
    StudyDate: spec.studyDate,
    StudyTime: time,
    ReferringPhysicianName: '',
    StudyID: '1',
    AccessionNumber: '',
    StudyDescription: fit(spec.studyDescription, 64),
    // General Series
    SeriesInstanceUID: spec.seriesUid,
    Modality: fit(spec.modality, 16),
    SeriesNumber: spec.seriesNumber ?? 1,
    BodyPartExamined: fit(spec.bodyPart, 16),
    // General Equipment, SC Equipment
    Manufacturer: 'ScanSelect',
    ConversionType: synthetic ? 'SYN' : 'WSD',
    SyntheticData: synthetic ? 'YES' : 'NO',
    // General Image, SC Image
    InstanceNumber: spec.instanceNumber ?? 1,
    ContentDate: date,
    ContentTime: time,
    PatientOrientation: '',
    ImageType: ['DERIVED', 'SECONDARY'],
    // Image Pixel
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: spec.rows,
    Columns: spec.columns,
    BitsAllocated: 16,
    BitsStored: bitsStored,
    HighBit: bitsStored - 1,
    PixelRepresentation: 0,
    PixelData: bytes.buffer,
    _vrMap: { PixelData: 'OW' },
  };
  if (spec.seriesDescription !== undefined) dataset.SeriesDescription = fit(spec.seriesDescription, 64);
  if (spec.pixelSpacing) dataset.PixelSpacing = [spec.pixelSpacing[0], spec.pixelSpacing[1]];
  return writePart10(SECONDARY_CAPTURE_SOP_CLASS, spec.sopUid, dataset);
}
