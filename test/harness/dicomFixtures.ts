/**
 * Small DICOM instances written by the tests themselves (dcmjs), for the PACS tests: a 16-bit
 * MONOCHROME2 secondary-capture image with the patient/study/series identifiers given.
 */
import * as dcmjs from 'dcmjs';

const EXPLICIT_LE = '1.2.840.10008.1.2.1';
const SECONDARY_CAPTURE = '1.2.840.10008.5.1.4.1.1.7';

/** Identifiers and pixels of one generated instance. */
export interface InstanceSpec {
  readonly studyUid: string;
  readonly seriesUid: string;
  readonly sopUid: string;
  readonly patientId?: string;
  readonly modality?: string;
  readonly bodyPart?: string;
  readonly studyDate?: string;
  readonly studyDescription?: string;
  readonly rows?: number;
  readonly columns?: number;
  /** Pixel (x, y) → 16-bit value; default a smooth ramp. */
  readonly pixel?: (x: number, y: number) => number;
}

/** A DICOM Part 10 file (explicit VR little endian). */
export function makeInstance(spec: InstanceSpec): Uint8Array {
  const rows = spec.rows ?? 32;
  const columns = spec.columns ?? 32;
  const pixels = new Uint16Array(rows * columns);
  for (let y = 0; y < rows; y++) for (let x = 0; x < columns; x++) pixels[y * columns + x] = (spec.pixel ?? ((px, py) => 64 * (px + py)))(x, y);
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: SECONDARY_CAPTURE,
    MediaStorageSOPInstanceUID: spec.sopUid,
    TransferSyntaxUID: EXPLICIT_LE,
    ImplementationClassUID: '1.2.826.0.1.3680043.10.1341.1',
  };
  const dict = new dcmjs.data.DicomDict(dcmjs.data.DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = dcmjs.data.DicomMetaDictionary.denaturalizeDataset({
    SOPClassUID: SECONDARY_CAPTURE,
    SOPInstanceUID: spec.sopUid,
    StudyInstanceUID: spec.studyUid,
    SeriesInstanceUID: spec.seriesUid,
    PatientID: spec.patientId ?? 'TEST-0001',
    PatientName: 'Test^Phantom',
    Modality: spec.modality ?? 'OT',
    BodyPartExamined: spec.bodyPart ?? 'CHEST',
    StudyDate: spec.studyDate ?? '20260101',
    StudyDescription: spec.studyDescription ?? 'phantom',
    SeriesNumber: '1',
    InstanceNumber: '1',
    Rows: rows,
    Columns: columns,
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    BitsAllocated: 16,
    BitsStored: 16,
    HighBit: 15,
    PixelRepresentation: 0,
    PixelData: pixels.buffer,
    _vrMap: { PixelData: 'OW' },
  });
  return new Uint8Array(dict.write());
}
