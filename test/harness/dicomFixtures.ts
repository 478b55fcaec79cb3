/**
 * Small DICOM instances written by the tests themselves (dcmjs), for the PACS tests: secondary-
 * capture images — 16-bit MONOCHROME2 (default), MONOCHROME1, 8-bit RGB, multi-frame — with the
 * patient/study/series identifiers given, and a JPEG-lossless copy made with Debian's dcmtk.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as dcmjs from 'dcmjs';

const EXPLICIT_LE = '1.2.840.10008.1.2.1';
const SECONDARY_CAPTURE = '1.2.840.10008.5.1.4.1.1.7';
const MULTIFRAME_GREY_WORD_SC = '1.2.840.10008.5.1.4.1.1.7.3';

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
  /** Pixel (x, y) → 16-bit value (8-bit grey for RGB); default a smooth ramp. */
  readonly pixel?: (x: number, y: number) => number;
  /** MONOCHROME2 (default), MONOCHROME1 (stored inverted: the value written is 65535 − pixel) or RGB (grey in 3 × 8 bits). */
  readonly photometric?: 'MONOCHROME2' | 'MONOCHROME1' | 'RGB';
  /** Frames (default 1); frame f holds pixel + f. */
  readonly frames?: number;
}

/** A DICOM Part 10 file (explicit VR little endian). */
export function makeInstance(spec: InstanceSpec): Uint8Array {
  const rows = spec.rows ?? 32;
  const columns = spec.columns ?? 32;
  const frames = spec.frames ?? 1;
  const photometric = spec.photometric ?? 'MONOCHROME2';
  const rgb = photometric === 'RGB';
  const value = spec.pixel ?? ((px, py) => 64 * (px + py));
  const pixels = rgb ? new Uint8Array(rows * columns * 3 * frames) : new Uint16Array(rows * columns * frames);
  for (let f = 0; f < frames; f++) {
    for (let y = 0; y < rows; y++) {
      for (let x = 0; x < columns; x++) {
        const i = f * rows * columns + y * columns + x;
        const v = value(x, y) + f;
        if (rgb) pixels.fill(v & 255, 3 * i, 3 * i + 3);
        else pixels[i] = photometric === 'MONOCHROME1' ? 65535 - v : v;
      }
    }
  }
  const sopClass = frames > 1 ? MULTIFRAME_GREY_WORD_SC : SECONDARY_CAPTURE;
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: sopClass,
    MediaStorageSOPInstanceUID: spec.sopUid,
    TransferSyntaxUID: EXPLICIT_LE,
    ImplementationClassUID: '1.2.826.0.1.3680043.10.1341.1',
  };
  const dict = new dcmjs.data.DicomDict(dcmjs.data.DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = dcmjs.data.DicomMetaDictionary.denaturalizeDataset({
    SOPClassUID: sopClass,
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
    SamplesPerPixel: rgb ? 3 : 1,
    PhotometricInterpretation: photometric,
    BitsAllocated: rgb ? 8 : 16,
    BitsStored: rgb ? 8 : 16,
    HighBit: rgb ? 7 : 15,
    PixelRepresentation: 0,
    ...(rgb && { PlanarConfiguration: 0 }),
    ...(frames > 1 && { NumberOfFrames: String(frames) }),
    PixelData: pixels.buffer,
    _vrMap: { PixelData: rgb ? 'OB' : 'OW' },
  });
  return new Uint8Array(dict.write());
}

/** Whether Debian's dcmtk `dcmcjpeg` is installed (for the JPEG-lossless fixture). */
export function dcmtkAvailable(): boolean {
  return existsSync('/usr/bin/dcmcjpeg');
}

/** Re-encodes a Part 10 file as JPEG lossless (process 14, SV1) with dcmtk's `dcmcjpeg`. */
export function jpegLossless(bytes: Uint8Array): Uint8Array {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'scanselect-dcmtk-'));
  try {
    writeFileSync(path.join(dir, 'in.dcm'), bytes);
    execFileSync('/usr/bin/dcmcjpeg', ['+e1', path.join(dir, 'in.dcm'), path.join(dir, 'out.dcm')], { stdio: 'pipe' });
    return new Uint8Array(readFileSync(path.join(dir, 'out.dcm')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A corrupt copy: the Rows attribute doubled, so the Pixel Data holds half the pixels it claims.
 * The header stays valid (a PACS stores it); decoding must fail with a clear error.
 */
export function withDoubledRows(bytes: Uint8Array): Uint8Array {
  const copy = Uint8Array.from(bytes);
  const rowsTag = [0x28, 0x00, 0x10, 0x00, 0x55, 0x53, 0x02, 0x00]; // (0028,0010) US, length 2, explicit VR LE
  for (let i = 0; i + rowsTag.length + 2 <= copy.length; i++) {
    if (rowsTag.every((b, k) => copy[i + k] === b)) {
      const view = new DataView(copy.buffer, i + rowsTag.length, 2);
      view.setUint16(0, view.getUint16(0, true) * 2, true);
      return copy;
    }
  }
  throw new Error('no Rows attribute found');
}
