import * as dcmjs from 'dcmjs';
import { InvalidInputError } from '../core/errors';
import { readDicomGeometry } from './dicomGeometry';
import { seriesGeometry } from './seriesGeometry';

const MR = '1.2.840.10008.5.1.4.1.1.4';
const ENHANCED_MR = '1.2.840.10008.5.1.4.1.1.4.1';
const FRAME_OF_REFERENCE = '1.2.826.0.1.3680043.10.1341.16.1';
const OBLIQUE = [0.8, 0.6, 0, 0, 0, -1];

/** A DICOM Part 10 header (no Pixel Data: the geometry reader stops before it) built with dcmjs. */
function makeDicom(sopClassUid: string, dataset: Record<string, unknown>, sopUid = '1.2.3.4.5'): Uint8Array {
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: sopClassUid,
    MediaStorageSOPInstanceUID: sopUid,
    TransferSyntaxUID: '1.2.840.10008.1.2.1',
    ImplementationClassUID: '1.2.3.4',
  };
  const dict = new dcmjs.data.DicomDict(dcmjs.data.DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = dcmjs.data.DicomMetaDictionary.denaturalizeDataset({ SOPClassUID: sopClassUid, SOPInstanceUID: sopUid, Rows: 4, Columns: 5, ...dataset });
  return new Uint8Array(dict.write());
}

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return e instanceof InvalidInputError ? e.code : `not InvalidInputError: ${String(e)}`;
  }
  return undefined;
}

describe('readDicomGeometry', () => {
  it('reads a single-frame instance', () => {
    const g = readDicomGeometry(makeDicom(MR, {
      FrameOfReferenceUID: FRAME_OF_REFERENCE,
      ImagePositionPatient: [-10.5, 20, 30.25],
      ImageOrientationPatient: OBLIQUE,
      PixelSpacing: [0.5, 0.75],
      SliceThickness: 1.5,
    }));
    expect(g).toEqual({
      frameOfReference: FRAME_OF_REFERENCE,
      pixelSpacing: [0.5, 0.75],
      sliceThickness: 1.5,
      frames: [{ position: [-10.5, 20, 30.25], orientation: OBLIQUE, pixelSpacing: [0.5, 0.75], sliceThickness: 1.5 }],
    });
  });

  it('reads an enhanced multi-frame: shared orientation and pixel measures, per-frame positions', () => {
    const g = readDicomGeometry(makeDicom(ENHANCED_MR, {
      FrameOfReferenceUID: FRAME_OF_REFERENCE,
      NumberOfFrames: 3,
      // Top-level attributes are not part of an enhanced object: ignored.
      ImagePositionPatient: [99, 99, 99],
      SharedFunctionalGroupsSequence: [{
        PlaneOrientationSequence: [{ ImageOrientationPatient: OBLIQUE }],
        PixelMeasuresSequence: [{ PixelSpacing: [0.9, 0.8], SliceThickness: 2 }],
      }],
      PerFrameFunctionalGroupsSequence: [0, 1, 2].map((k) => ({
        PlanePositionSequence: [{ ImagePositionPatient: [0, 0, -2 * k] }],
        FrameContentSequence: [{ InStackPositionNumber: k + 1 }],
      })),
    }));
    expect(g.frames.map((f) => f.position)).toEqual([[0, 0, 0], [0, 0, -2], [0, 0, -4]]);
    expect(g.frames.every((f) => f.orientation?.join() === OBLIQUE.join() && f.sliceThickness === 2)).toBe(true);
    expect([g.frameOfReference, g.pixelSpacing, g.sliceThickness]).toEqual([FRAME_OF_REFERENCE, [0.9, 0.8], 2]);
  });

  it('takes per-frame pixel measures when the shared item has none, and a per-frame value over a shared one', () => {
    const file = (spacings: number[][]): Uint8Array => makeDicom(ENHANCED_MR, {
      NumberOfFrames: 2,
      SharedFunctionalGroupsSequence: [{ PlaneOrientationSequence: [{ ImageOrientationPatient: [1, 0, 0, 0, 1, 0] }], PlanePositionSequence: [{ ImagePositionPatient: [1, 2, 3] }] }],
      PerFrameFunctionalGroupsSequence: spacings.map((s) => ({ PixelMeasuresSequence: [{ PixelSpacing: s, SliceThickness: 3 }] })),
    });
    const same = readDicomGeometry(file([[0.4, 0.4], [0.4, 0.4]]));
    expect(same.frames.map((f) => f.pixelSpacing)).toEqual([[0.4, 0.4], [0.4, 0.4]]);
    expect(same.frames.map((f) => f.position)).toEqual([[1, 2, 3], [1, 2, 3]]); // a shared position: every frame at one place
    expect([same.pixelSpacing, same.sliceThickness]).toEqual([[0.4, 0.4], 3]);
    const different = readDicomGeometry(file([[0.4, 0.4], [0.5, 0.4]]));
    expect(different.frames[1].pixelSpacing).toEqual([0.5, 0.4]);
    expect(different.pixelSpacing).toBeNull(); // no one spacing for the instance
    const overriding = readDicomGeometry(makeDicom(ENHANCED_MR, {
      NumberOfFrames: 2,
      SharedFunctionalGroupsSequence: [{ PixelMeasuresSequence: [{ PixelSpacing: [1, 1] }] }],
      PerFrameFunctionalGroupsSequence: [{ PixelMeasuresSequence: [{ PixelSpacing: [0.25, 0.25] }] }, {}],
    }));
    expect(overriding.frames.map((f) => f.pixelSpacing)).toEqual([[0.25, 0.25], [1, 1]]);
  });

  it('gives nulls, not errors, for missing or invalid geometry', () => {
    const bare = readDicomGeometry(makeDicom(MR, {}));
    expect(bare).toEqual({ frameOfReference: null, pixelSpacing: null, sliceThickness: null, frames: [{ position: null, orientation: null, pixelSpacing: null, sliceThickness: null }] });
    const invalid = readDicomGeometry(makeDicom(MR, {
      ImagePositionPatient: ['1', 'abc', '3'],
      ImageOrientationPatient: [1, 0, 0, 0, 1],
      PixelSpacing: [0, 0],
      SliceThickness: -1,
    }));
    expect(invalid.frames).toEqual([{ position: null, orientation: null, pixelSpacing: null, sliceThickness: null }]);
    const enhancedBare = readDicomGeometry(makeDicom(ENHANCED_MR, { NumberOfFrames: 2, SharedFunctionalGroupsSequence: [{}], PerFrameFunctionalGroupsSequence: [{}] }));
    expect(enhancedBare.frames).toEqual([0, 1].map(() => ({ position: null, orientation: null, pixelSpacing: null, sliceThickness: null })));
  });

  it('gives a legacy multi-frame position to frame 0 only', () => {
    const g = readDicomGeometry(makeDicom(MR, { NumberOfFrames: 3, ImagePositionPatient: [1, 2, 3], ImageOrientationPatient: OBLIQUE, PixelSpacing: [1, 1] }));
    expect(g.frames.map((f) => f.position)).toEqual([[1, 2, 3], null, null]);
    expect(g.frames.every((f) => f.orientation !== null && f.pixelSpacing !== null)).toBe(true);
    expect(g.pixelSpacing).toEqual([1, 1]);
  });

  it('refuses input that is not DICOM, truncated, or declares frames beyond the limit', () => {
    expect(codeOf(() => readDicomGeometry(new Uint8Array(300).fill(7)))).toBe('parse-error');
    const whole = makeDicom(MR, { ImagePositionPatient: [1, 2, 3] });
    expect(codeOf(() => readDicomGeometry(whole.subarray(0, whole.length - 3), { path: 'cut.dcm' }))).toBe('corrupt-file');
    expect(() => readDicomGeometry(new Uint8Array(10), { path: 'tiny.dcm' })).toThrow(/tiny\.dcm is not a DICOM Part 10 file/);
    expect(codeOf(() => readDicomGeometry(makeDicom(MR, { NumberOfFrames: 2 ** 24, Rows: 512, Columns: 512 })))).toBe('unsupported-format');
    expect(codeOf(() => readDicomGeometry(makeDicom(MR, { NumberOfFrames: 10, Rows: undefined, Columns: undefined })))).toBe('parse-error');
  });

  it('feeds seriesGeometry: shuffled single-frame files come back in order along the normal', () => {
    // Oblique: normal = row × column = (0.8, 0.6, 0) × (0, 0, −1) = (−0.6, 0.8, 0).
    const normal = [-0.6, 0.8, 0];
    const origin = [10, -20, 5];
    const files = [3, 0, 4, 1, 2].map((k) => ({
      k,
      bytes: makeDicom(MR, {
        FrameOfReferenceUID: FRAME_OF_REFERENCE,
        ImagePositionPatient: origin.map((o, d) => o + 2.5 * k * normal[d]),
        ImageOrientationPatient: OBLIQUE,
        PixelSpacing: [1, 1],
      }, `1.2.3.4.${k}`),
    }));
    const slices = files.map(({ k, bytes }) => {
      const g = readDicomGeometry(bytes);
      return { id: `s${k}`, position: g.frames[0].position, orientation: g.frames[0].orientation, rows: 4, columns: 5, frameOfReference: g.frameOfReference };
    });
    const volume = seriesGeometry(slices);
    expect(volume).toMatchObject({ ok: true, order: ['s0', 's1', 's2', 's3', 's4'], uniform: true });
    if (volume.ok) {
      expect(volume.spacingMm).toBeCloseTo(2.5, 9);
      volume.normal.forEach((v, d) => expect(v).toBeCloseTo(normal[d], 12));
    }
  });
});
