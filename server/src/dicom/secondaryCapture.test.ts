import { readDicom, readDicomHeader } from '@scanselect/plugin';
import { DicomObjectError } from './dicomObjectError';
import { readPart10 } from './part10';
import { SECONDARY_CAPTURE_SOP_CLASS, writeSecondaryCapture, type SecondaryCaptureSpec } from './secondaryCapture';

const base = (overrides: Partial<SecondaryCaptureSpec> = {}): SecondaryCaptureSpec => ({
  studyUid: '1.2.826.0.1.3680043.10.1341.31.1',
  seriesUid: '1.2.826.0.1.3680043.10.1341.31.1.1',
  sopUid: '1.2.826.0.1.3680043.10.1341.31.1.1.1',
  patientId: 'PHANTOM-0001',
  patientName: 'Phantom^Chest',
  modality: 'CR',
  bodyPart: 'CHEST',
  studyDate: '20260310',
  studyDescription: 'CHEST PA',
  rows: 3,
  columns: 4,
  pixels: Uint16Array.from({ length: 12 }, (_, i) => i * 341),
  ...overrides,
});

describe('writeSecondaryCapture', () => {
  it('writes a 12-bit MONOCHROME2 image that the engine reads back pixel-exact', async () => {
    const bytes = writeSecondaryCapture(base({ pixelSpacing: [0.5, 0.25], seriesDescription: 'phantoms', instanceNumber: 7 }));
    const [image] = await readDicom(bytes);
    expect([image.width, image.height, image.channels]).toEqual([4, 3, 1]);
    expect(Array.from(image.data)).toEqual(Array.from({ length: 12 }, (_, i) => i * 341));
    expect(image.spacing).toEqual({ row: 0.5, column: 0.25, unit: 'mm' });
    expect(readDicomHeader(bytes)).toMatchObject({
      sopClassUid: SECONDARY_CAPTURE_SOP_CLASS, modality: 'CR', bodyPart: 'CHEST', studyDate: '20260310', studyDescription: 'CHEST PA', rows: 3, columns: 4,
    });
    const { dataset, transferSyntaxUid } = readPart10(bytes, 'test');
    expect(transferSyntaxUid).toBe('1.2.840.10008.1.2.1');
    expect(dataset).toMatchObject({
      BitsAllocated: 16, BitsStored: 12, HighBit: 11, PixelRepresentation: 0, PhotometricInterpretation: 'MONOCHROME2', SamplesPerPixel: 1,
      PatientID: 'PHANTOM-0001', SeriesDescription: 'phantoms', InstanceNumber: 7, ConversionType: 'SYN', SyntheticData: 'YES',
    });
    expect(dataset.PatientName).toEqual([{ Alphabetic: 'Phantom^Chest' }]);
  });

  it('writes 16 stored bits when asked', async () => {
    const bytes = writeSecondaryCapture(base({ bitsStored: 16, pixels: Uint16Array.from({ length: 12 }, (_, i) => 65535 - i) }));
    expect(readPart10(bytes, 'test').dataset).toMatchObject({ BitsStored: 16, HighBit: 15 });
    expect((await readDicom(bytes))[0].data[0]).toBe(65535);
  });

  it('refuses invalid specifications', () => {
    const code = (spec: SecondaryCaptureSpec): string => {
      try {
        writeSecondaryCapture(spec);
      } catch (e) {
        if (e instanceof DicomObjectError) return `${e.code}: ${e.message}`;
        throw e;
      }
      return 'written';
    };
    expect(code(base({ pixels: Uint16Array.from({ length: 12 }, () => 4096) }))).toMatch(/invalid-spec: .*pixel 0 is 4096, over the 12-bit maximum 4095/);
    expect(code(base({ pixels: new Uint16Array(11) }))).toMatch(/11 pixels for 4×3/);
    expect(code(base({ sopUid: 'not-a-uid' }))).toMatch(/sopUid "not-a-uid" is not a valid UID/);
    expect(code(base({ studyDate: '2026-03-10' }))).toMatch(/not YYYYMMDD/);
    expect(code(base({ pixelSpacing: [0, 1] }))).toMatch(/pixel spacing/);
  });
});
