import * as dcmjs from 'dcmjs';
import { datasetToPart10, EXPLICIT_VR_LITTLE_ENDIAN, SEGMENTATION_SOP_CLASS, transferSyntaxOf, type NaturalDataset } from './segSerializer';

/** A small BINARY SEG as generateSegmentation shapes it: naturalized, bit-packed pixels, `_meta` in dcmjs's element form. */
function binarySeg(): NaturalDataset {
  const packed = new Uint8Array([0b10100101, 0b00001111]); // 16 pixels of a 4 × 4 frame, LSB first
  return {
    _meta: { TransferSyntaxUID: { Value: [EXPLICIT_VR_LITTLE_ENDIAN], vr: 'UI' } },
    _vrMap: { PixelData: 'OB' },
    SOPClassUID: SEGMENTATION_SOP_CLASS,
    SOPInstanceUID: '2.25.1234',
    StudyInstanceUID: '2.25.1',
    SeriesInstanceUID: '2.25.2',
    Modality: 'SEG',
    SegmentationType: 'BINARY',
    Rows: 4,
    Columns: 4,
    NumberOfFrames: '1',
    BitsAllocated: 1,
    BitsStored: 1,
    HighBit: 0,
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    SegmentSequence: [{ SegmentNumber: 1, SegmentLabel: 'right lung', SegmentAlgorithmType: 'MANUAL' }],
    PixelData: packed.buffer,
  };
}

describe('datasetToPart10', () => {
  it('writes a Part 10 file that parses back with the segments, the size and the pixel bits', () => {
    const bytes = datasetToPart10(binarySeg());
    expect(String.fromCharCode(...bytes.subarray(128, 132))).toBe('DICM');
    const dict = dcmjs.data.DicomMessage.readFile(bytes.buffer);
    const meta = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict.meta);
    const ds = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dict.dict) as Record<string, unknown> & { SegmentSequence: Array<Record<string, unknown>>; PixelData: ArrayBuffer[] };
    expect(meta).toMatchObject({ TransferSyntaxUID: EXPLICIT_VR_LITTLE_ENDIAN, MediaStorageSOPClassUID: SEGMENTATION_SOP_CLASS, MediaStorageSOPInstanceUID: '2.25.1234' });
    expect(ds).toMatchObject({ SOPInstanceUID: '2.25.1234', Modality: 'SEG', SegmentationType: 'BINARY', Rows: 4, Columns: 4 });
    expect(ds.SegmentSequence[0]).toMatchObject({ SegmentNumber: 1, SegmentLabel: 'right lung' });
    expect(Array.from(new Uint8Array(ds.PixelData[0]!)).slice(0, 2)).toEqual([0b10100101, 0b00001111]);
  });

  it('leaves the input untouched (dcmjs\'s own datasetToDict rewrites _meta)', () => {
    const seg = binarySeg();
    const before = JSON.stringify(seg._meta);
    datasetToPart10(seg);
    expect(JSON.stringify(seg._meta)).toBe(before);
  });

  it('refuses a dataset without SOP class or instance', () => {
    const seg: Record<string, unknown> = binarySeg();
    delete seg.SOPInstanceUID;
    expect(() => datasetToPart10(seg)).toThrow(/SOPInstanceUID/);
  });
});

describe('transferSyntaxOf', () => {
  it('reads either dcmjs form and defaults to explicit VR little endian', () => {
    expect(transferSyntaxOf({ _meta: { TransferSyntaxUID: '1.2.840.10008.1.2.5' } })).toBe('1.2.840.10008.1.2.5');
    expect(transferSyntaxOf({ _meta: { TransferSyntaxUID: { Value: ['1.2.840.10008.1.2.5'] } } })).toBe('1.2.840.10008.1.2.5');
    expect(transferSyntaxOf({})).toBe(EXPLICIT_VR_LITTLE_ENDIAN);
  });
});
