import * as dcmjs from 'dcmjs';
import { DicomObjectError } from './dicomObjectError';
import { Dataset, items, readPart10, writePart10 } from './part10';
import { writeSecondaryCapture } from './secondaryCapture';
import { LABEL_MAP_SEGMENTATION_SOP_CLASS, MAX_SEGMENTATION_FRAME_PIXELS, MAX_SEGMENTATION_PIXELS, readSegmentation, SEGMENTATION_SOP_CLASS, segmentationToLabelMap } from './segmentation';
import { writeSegmentation, type SegmentationSpec } from './writeSegmentation';

const SC = '1.2.840.10008.5.1.4.1.1.7';
const CT = '1.2.840.10008.5.1.4.1.1.2';
const STUDY = '1.2.826.0.1.3680043.10.1341.30.1';
const SERIES = `${STUDY}.1`;
const SOURCE = `${STUDY}.1.1`;

/** The parts of dcmjs the engine's ambient declaration leaves out (derivations, RLE). */
interface DcmjsDerivedSegmentation {
  dataset: Dataset & { _meta: Record<string, unknown>; _vrMap: Record<string, string>; PixelData: unknown };
  setNumberOfFrames(count: number): void;
  addSegmentFromLabelmap(segment: Dataset, labelmaps: Uint8Array[], segmentIndex: number, frameNumbers: number[]): void;
  bitPackPixelData(): void;
  assignToDataset(values: Dataset): void;
}
interface DcmjsExtras {
  normalizers: { Normalizer: { normalizeToDataset(datasets: Dataset[]): Dataset } };
  derivations: { Segmentation: new (datasets: Dataset[]) => DcmjsDerivedSegmentation };
  data: { datasetToBuffer(dataset: Dataset): Uint8Array };
  utilities: { compression: { encode(buffer: ArrayBuffer, frames: number, rows: number, columns: number): ArrayBuffer[] } };
}
const dcmjsExtras = dcmjs as unknown as DcmjsExtras;

/** A Part 10 file in any transfer syntax (dcmjs encapsulates Pixel Data given as fragments). */
function part10With(transferSyntaxUid: string, dataset: Dataset): Uint8Array {
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: String(dataset.SOPClassUID),
    MediaStorageSOPInstanceUID: String(dataset.SOPInstanceUID),
    TransferSyntaxUID: transferSyntaxUid,
    ImplementationClassUID: '1.2.3.4',
  };
  const dict = new dcmjs.data.DicomDict(dcmjs.data.DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = dcmjs.data.DicomMetaDictionary.denaturalizeDataset(dataset);
  return new Uint8Array(dict.write());
}

function spec(labelMap: number[], rows: number, columns: number, overrides: Partial<SegmentationSpec> = {}): SegmentationSpec {
  return {
    source: { studyUid: STUDY, seriesUid: SERIES, sopUid: SOURCE, sopClassUid: SC, patientId: 'P-1', patientName: 'Phantom^Chest', rows, columns },
    segments: [
      { number: 1, label: 'left lung', value: 1 },
      { number: 2, label: 'heart', value: 2 },
    ],
    labelMap: Uint8Array.from(labelMap),
    ...overrides,
  };
}

/** A hand-made segmentation data set around the given frames' groups and pixel data. */
function segDataset(extra: Dataset): Dataset {
  return {
    SOPClassUID: SEGMENTATION_SOP_CLASS,
    SOPInstanceUID: '1.2.3.9.1',
    StudyInstanceUID: STUDY,
    SeriesInstanceUID: '1.2.3.9',
    Modality: 'SEG',
    Rows: 2,
    Columns: 2,
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    PixelRepresentation: 0,
    SegmentSequence: [{ SegmentNumber: 1, SegmentLabel: 'lung' }, { SegmentNumber: 2, SegmentLabel: 'heart' }],
    ...extra,
  };
}

function error(fn: () => unknown): DicomObjectError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DicomObjectError) return e;
    throw e;
  }
  throw new Error('expected a DicomObjectError');
}

describe('writeSegmentation → readSegmentation', () => {
  it('round-trips the masks, segments and references', () => {
    const labels = [0, 1, 1, 0, 2, 2, 1, 0, 0, 0, 2, 1];
    const bytes = writeSegmentation(spec(labels, 3, 4, { sopUid: '1.2.3.7', seriesUid: '1.2.3.6' }));
    const seg = readSegmentation(bytes);
    expect(seg).toMatchObject({ sopUid: '1.2.3.7', seriesUid: '1.2.3.6', studyUid: STUDY, segmentationType: 'BINARY', rows: 3, columns: 4 });
    expect(seg.segments).toEqual([{ number: 1, label: 'left lung' }, { number: 2, label: 'heart' }]);
    expect(seg.frames.map((f) => [f.segmentNumber, f.referencedSopUid, f.referencedFrame])).toEqual([[1, SOURCE, undefined], [2, SOURCE, undefined]]);
    expect(Array.from(seg.frames[0].pixels)).toEqual(labels.map((v) => (v === 1 ? 1 : 0)));
    expect(Array.from(seg.frames[1].pixels)).toEqual(labels.map((v) => (v === 2 ? 1 : 0)));
    expect(Array.from(segmentationToLabelMap(seg, SOURCE, new Map([[1, 1], [2, 2]])))).toEqual(labels);
  });

  it('names the frame of a multi-frame source, and writes several slices of a series frame by frame', () => {
    const labels = [0, 1, 1, 0, 2, 2, 1, 0, 0, 0, 2, 1];
    const base = spec(labels, 3, 4);
    const onFrame = readSegmentation(writeSegmentation({ ...base, source: { ...base.source, frame: 4 } }));
    expect(onFrame.frames.map((f) => [f.referencedSopUid, f.referencedFrame])).toEqual([[SOURCE, 4], [SOURCE, 4]]);
    const other = `${SOURCE}.2`;
    const flipped = labels.map((v) => (v === 0 ? 0 : 3 - v));
    const twoSlices = readSegmentation(writeSegmentation({ ...base, moreSlices: [{ sopUid: other, labelMap: Uint8Array.from(flipped) }] }));
    expect(twoSlices.frames.map((f) => [f.segmentNumber, f.referencedSopUid])).toEqual([[1, SOURCE], [2, SOURCE], [1, other], [2, other]]);
    expect(Array.from(segmentationToLabelMap(twoSlices, other, new Map([[1, 1], [2, 2]])))).toEqual(flipped);
    expect(() => writeSegmentation({ ...base, source: { ...base.source, frame: 0 } })).toThrow(/source frame 0 is not a frame number/);
    expect(() => writeSegmentation({ ...base, moreSlices: [{ sopUid: other, labelMap: new Uint8Array(3) }] })).toThrow(/label map of slice .* has 3 values/);
  });

  it('writes several frames of one multi-frame source (a SEG of a whole enhanced instance), the frame as dimension, each read back on its own', () => {
    const labels = [0, 1, 1, 0, 2, 2, 1, 0, 0, 0, 2, 1];
    const flipped = labels.map((v) => (v === 0 ? 0 : 3 - v));
    const base = spec(labels, 3, 4);
    const bytes = writeSegmentation({ ...base, source: { ...base.source, frame: 2 }, moreSlices: [{ sopUid: SOURCE, frame: 5, labelMap: Uint8Array.from(flipped) }] });
    const seg = readSegmentation(bytes);
    expect(seg.frames.map((f) => [f.segmentNumber, f.referencedSopUid, f.referencedFrame])).toEqual([[1, SOURCE, 2], [2, SOURCE, 2], [1, SOURCE, 5], [2, SOURCE, 5]]);
    const classes = new Map([[1, 1], [2, 2]]);
    expect(Array.from(segmentationToLabelMap(seg, SOURCE, classes, 2))).toEqual(labels);
    expect(Array.from(segmentationToLabelMap(seg, SOURCE, classes, 5))).toEqual(flipped);
    const { dataset } = readPart10(bytes, 'seg');
    expect((dataset.DimensionIndexSequence as Array<Record<string, unknown>>).map((d) => d.DimensionDescriptionLabel)).toEqual(['Source Frame', 'Segment Number']);
    const instances = (dataset.ReferencedSeriesSequence as Array<{ ReferencedInstanceSequence: Array<Record<string, unknown>> }>)[0]!.ReferencedInstanceSequence;
    expect(instances.map((i) => [i.ReferencedSOPInstanceUID, i.ReferencedFrameNumber])).toEqual([[SOURCE, [2, 5]]]); // the instance once, with its frames
    // The same frame twice, or a frame of the source without the source's own frame, is refused.
    expect(() => writeSegmentation({ ...base, source: { ...base.source, frame: 2 }, moreSlices: [{ sopUid: SOURCE, frame: 2, labelMap: Uint8Array.from(flipped) }] })).toThrow(/named once/);
    expect(() => writeSegmentation({ ...base, moreSlices: [{ sopUid: SOURCE, frame: 5, labelMap: Uint8Array.from(flipped) }] })).toThrow(/named once/);
  });

  it('packs 1-bit frames contiguously, LSB first: a 3×3 image with 2 segments is 18 bits', () => {
    // Segment 1 = pixels 0 and 8, segment 2 = pixels 1 and 7 → bits 0, 8 | 9+1, 9+7 = 10, 16.
    const labels = [1, 2, 0, 0, 0, 0, 0, 2, 1];
    const bytes = writeSegmentation(spec(labels, 3, 3));
    const { pixelFragments } = readPart10(bytes, 'test', true);
    const packed = Array.from(pixelFragments![0]);
    expect(packed.slice(0, 3)).toEqual([0b0000_0001, 0b0000_0101, 0b0000_0001]); // bits 0 | 8, 10 | 16
    expect(packed.length).toBe(4); // 3 bytes, padded to even length
    const seg = readSegmentation(bytes);
    expect(Array.from(seg.frames[1].pixels)).toEqual([0, 1, 0, 0, 0, 0, 0, 1, 0]);
  });

  it('writes the attributes a Segmentation needs', () => {
    const labels = new Array<number>(16).fill(0);
    labels[5] = 1;
    const bytes = writeSegmentation(spec(labels, 4, 4, {
      source: { ...spec(labels, 4, 4).source, pixelSpacing: [0.7, 0.8] },
      contentCreator: 'Simulated^Annotator',
      seriesDescription: 'round 3',
      createdAt: new Date(2026, 2, 4, 5, 6, 7),
    }));
    const { dataset: ds } = readPart10(bytes, 'test');
    expect(ds).toMatchObject({
      SOPClassUID: SEGMENTATION_SOP_CLASS, Modality: 'SEG', StudyInstanceUID: STUDY, PatientID: 'P-1',
      BitsAllocated: 1, BitsStored: 1, HighBit: 0, SamplesPerPixel: 1, PhotometricInterpretation: 'MONOCHROME2', PixelRepresentation: 0,
      LossyImageCompression: '00', ImageType: ['DERIVED', 'PRIMARY'], SegmentationType: 'BINARY', ContentLabel: 'SEGMENTATION',
      NumberOfFrames: 2, SeriesDescription: 'round 3', ContentDate: '20260304', ContentTime: '050607',
    });
    expect(ds.ContentCreatorName).toEqual([{ Alphabetic: 'Simulated^Annotator' }]);
    const [lung, heart] = ds.SegmentSequence as Dataset[];
    expect(lung).toMatchObject({ SegmentNumber: 1, SegmentLabel: 'left lung', SegmentAlgorithmType: 'MANUAL' });
    expect(lung.SegmentedPropertyCategoryCodeSequence).toMatchObject([{ CodeValue: '91723000', CodingSchemeDesignator: 'SCT' }]);
    expect(lung.SegmentedPropertyTypeCodeSequence).toMatchObject([{ CodeValue: '39607008', CodingSchemeDesignator: 'SCT', CodeMeaning: 'Lung' }]);
    expect(heart.SegmentedPropertyTypeCodeSequence).toMatchObject([{ CodeValue: '85756007', CodingSchemeDesignator: 'SCT' }]);
    expect(ds.ReferencedSeriesSequence).toMatchObject([{ SeriesInstanceUID: SERIES, ReferencedInstanceSequence: [{ ReferencedSOPClassUID: SC, ReferencedSOPInstanceUID: SOURCE }] }]);
    expect(ds.SharedFunctionalGroupsSequence).toMatchObject([{ PixelMeasuresSequence: [{ PixelSpacing: [0.7, 0.8] }] }]);
    const frame2 = (ds.PerFrameFunctionalGroupsSequence as Dataset[])[1];
    expect(frame2).toMatchObject({
      FrameContentSequence: [{ DimensionIndexValues: 2 }],
      SegmentIdentificationSequence: [{ ReferencedSegmentNumber: 2 }],
      DerivationImageSequence: [{ SourceImageSequence: [{ ReferencedSOPInstanceUID: SOURCE, PurposeOfReferenceCodeSequence: [{ CodeValue: '121322' }] }], DerivationCodeSequence: [{ CodeValue: '113076' }] }],
    });
    expect(ds.DimensionIndexSequence).toMatchObject([{ DimensionIndexPointer: 0x0062000b, FunctionalGroupPointer: 0x0062000a }]);
  });

  it('keeps non-ASCII segment labels (dcmjs decodes UTF-8 inside sequences as latin-1; part10 repairs it)', () => {
    const bytes = writeSegmentation(spec([1, 2, 0, 0], 2, 2, { segments: [{ number: 1, label: 'Lunge · links ü', value: 1 }, { number: 2, label: '心臓', value: 2 }] }));
    expect(readSegmentation(bytes).segments.map((s) => s.label)).toEqual(['Lunge · links ü', '心臓']);
  });

  it('refuses invalid specifications', () => {
    expect(error(() => writeSegmentation(spec([0, 3, 0, 0], 2, 2))).message).toMatch(/value 3 at pixel 1 belongs to no segment/);
    expect(error(() => writeSegmentation(spec([0, 0, 0], 2, 2))).code).toBe('invalid-spec');
    expect(error(() => writeSegmentation(spec([0, 0, 0, 0], 2, 2, { segments: [{ number: 2, label: 'x', value: 1 }] }))).message).toMatch(/numbered 1, 2, 3/);
    expect(error(() => writeSegmentation(spec([0, 0, 0, 0], 2, 2, { contentLabel: 'lower case' }))).message).toMatch(/content label/);
    expect(error(() => writeSegmentation(spec([0, 0, 0, 0], 2, 2, { sopUid: '1.02.3' }))).message).toMatch(/not a valid UID/);
  });
});

describe('readSegmentation of other writers', () => {
  /** Two CT slices through dcmjs's own Segmentation derivation (what the dcmjs/Cornerstone adapters build on). */
  function dcmjsDerived(): DcmjsDerivedSegmentation {
    const slice = (sop: string, z: number): Dataset => ({
      SOPClassUID: CT, SOPInstanceUID: sop, StudyInstanceUID: STUDY, SeriesInstanceUID: SERIES, FrameOfReferenceUID: `${STUDY}.9`,
      Modality: 'CT', PatientName: 'A^B', PatientID: 'P1', Rows: 3, Columns: 3, PixelSpacing: [1, 1], SliceThickness: 1,
      ImagePositionPatient: [0, 0, z], ImageOrientationPatient: [1, 0, 0, 0, 1, 0], SamplesPerPixel: 1, BitsAllocated: 16,
      BitsStored: 16, HighBit: 15, PixelRepresentation: 0, PhotometricInterpretation: 'MONOCHROME2', PixelData: new Uint16Array(9).buffer,
      _meta: {}, _vrMap: { PixelData: 'OW' },
    });
    const multiframe = dcmjsExtras.normalizers.Normalizer.normalizeToDataset([slice(`${SERIES}.1`, 0), slice(`${SERIES}.2`, 1)]);
    const seg = new dcmjsExtras.derivations.Segmentation([multiframe]);
    const code = { CodeValue: 'T-D0050', CodingSchemeDesignator: 'SRT', CodeMeaning: 'Tissue' };
    const segment = (label: string): Dataset => ({ SegmentLabel: label, SegmentAlgorithmType: 'MANUAL', SegmentedPropertyCategoryCodeSequence: code, SegmentedPropertyTypeCodeSequence: code });
    seg.setNumberOfFrames(3);
    // The labelmaps are per referenced frame: segment 1 on both slices, segment 2 on the second.
    seg.addSegmentFromLabelmap(segment('left lung'), [LABELS_A, LABELS_B], 1, [1, 2]);
    seg.addSegmentFromLabelmap(segment('right lung'), [LABELS_B], 2, [2]);
    return seg;
  }
  const LABELS_A = Uint8Array.from([1, 1, 0, 0, 0, 0, 0, 0, 1]);
  const LABELS_B = Uint8Array.from([0, 1, 0, 2, 2, 0, 1, 0, 2]);
  const mask = (labels: Uint8Array, value: number): number[] => Array.from(labels, (v) => (v === value ? 1 : 0));

  it('reads a BINARY SEG built by dcmjs (27 bits across 3 frames, per-frame references)', () => {
    const derived = dcmjsDerived();
    derived.bitPackPixelData();
    const seg = readSegmentation(new Uint8Array(dcmjsExtras.data.datasetToBuffer(derived.dataset)));
    expect(seg.segmentationType).toBe('BINARY');
    expect(seg.segments.map((s) => s.label)).toEqual(['left lung', 'right lung']);
    // dcmjs orders the slices by position: its frame 1 is the slice its Referenced Series lists first.
    const [first, second] = items(derived.dataset, 'ReferencedSeriesSequence').flatMap((s) => items(s, 'ReferencedInstanceSequence')).map((i) => String(i.ReferencedSOPInstanceUID));
    expect(seg.frames.map((f) => [f.segmentNumber, f.referencedSopUid, Array.from(f.pixels)])).toEqual([
      [1, first, mask(LABELS_A, 1)],
      [1, second, mask(LABELS_B, 1)],
      [2, second, mask(LABELS_B, 2)],
    ]);
    expect(Array.from(segmentationToLabelMap(seg, second, new Map([[1, 1], [2, 2]])))).toEqual(Array.from(LABELS_B));
  });

  it('reads the FRACTIONAL, RLE Lossless SEG of the dcmjs Cornerstone adapter (values 0/1 under a maximum of 255)', () => {
    const derived = dcmjsDerived();
    const { dataset } = derived;
    const frames = dcmjsExtras.utilities.compression.encode(dataset.PixelData as ArrayBuffer, 3, 3, 3);
    derived.assignToDataset({ BitsAllocated: '8', BitsStored: '8', HighBit: '7', SegmentationType: 'FRACTIONAL', SegmentationFractionalType: 'PROBABILITY', MaximumFractionalValue: '255' });
    dataset._meta.TransferSyntaxUID = { Value: ['1.2.840.10008.1.2.5'], vr: 'UI' };
    dataset._vrMap.PixelData = 'OB';
    dataset.PixelData = frames;
    const seg = readSegmentation(new Uint8Array(dcmjsExtras.data.datasetToBuffer(dataset)));
    expect(seg.segmentationType).toBe('FRACTIONAL');
    const [first, second] = items(dataset, 'ReferencedSeriesSequence').flatMap((s) => items(s, 'ReferencedInstanceSequence')).map((i) => String(i.ReferencedSOPInstanceUID));
    expect(Array.from(segmentationToLabelMap(seg, first, new Map([[1, 1], [2, 2]])))).toEqual(Array.from(LABELS_A));
    expect(Array.from(segmentationToLabelMap(seg, second, new Map([[1, 1], [2, 2]])))).toEqual(Array.from(LABELS_B));
  });

  const refGroup = (sop: string, segment: number): Dataset => ({
    DerivationImageSequence: [{ SourceImageSequence: [{ ReferencedSOPClassUID: SC, ReferencedSOPInstanceUID: sop, ReferencedFrameNumber: 3 }] }],
    SegmentIdentificationSequence: [{ ReferencedSegmentNumber: segment }],
  });

  it('thresholds FRACTIONAL values at half the maximum', () => {
    const bytes = writePart10(SEGMENTATION_SOP_CLASS, '1.2.3.9.1', segDataset({
      SegmentationType: 'FRACTIONAL', MaximumFractionalValue: 200, BitsAllocated: 8, BitsStored: 8, HighBit: 7, NumberOfFrames: 1,
      PerFrameFunctionalGroupsSequence: [refGroup('1.2.3.4', 2)],
      PixelData: Uint8Array.from([0, 99, 100, 200]).buffer, _vrMap: { PixelData: 'OB' },
    }));
    const seg = readSegmentation(bytes);
    expect(seg.frames).toHaveLength(1);
    expect(seg.frames[0]).toMatchObject({ segmentNumber: 2, referencedSopUid: '1.2.3.4', referencedFrame: 3 });
    expect(Array.from(seg.frames[0].pixels)).toEqual([0, 0, 1, 1]);
  });

  it.each([8, 16])('reads a %i-bit LABELMAP segmentation, one mask per segment present', (bits) => {
    const values = [0, 2, 1, 2, 1, 1, 0, 0];
    const pixels = bits === 8 ? Uint8Array.from(values) : new Uint8Array(Uint16Array.from(values).buffer);
    const bytes = writePart10(LABEL_MAP_SEGMENTATION_SOP_CLASS, '1.2.3.9.1', segDataset({
      SOPClassUID: LABEL_MAP_SEGMENTATION_SOP_CLASS, SegmentationType: 'LABELMAP', BitsAllocated: bits, BitsStored: bits, HighBit: bits - 1, NumberOfFrames: 2,
      PerFrameFunctionalGroupsSequence: [refGroup('1.2.3.4', 1), refGroup('1.2.3.5', 1)],
      PixelData: pixels.buffer, _vrMap: { PixelData: bits === 8 ? 'OB' : 'OW' },
    }));
    const seg = readSegmentation(bytes);
    expect(seg.segmentationType).toBe('LABELMAP');
    expect(seg.frames.map((f) => [f.referencedSopUid, f.segmentNumber, Array.from(f.pixels)])).toEqual([
      ['1.2.3.4', 1, [0, 0, 1, 0]],
      ['1.2.3.4', 2, [0, 1, 0, 1]],
      ['1.2.3.5', 1, [1, 1, 0, 0]],
    ]);
    expect(Array.from(segmentationToLabelMap(seg, '1.2.3.4', new Map([[1, 5], [2, 7]])))).toEqual([0, 7, 5, 7]);
  });

  it('reads implicit VR little endian', () => {
    const explicit = readPart10(writeSegmentation(spec([1, 0, 2, 1], 2, 2, { sopUid: '1.2.3.7' })), 'test');
    const implicit = part10With('1.2.840.10008.1.2', { ...explicit.dataset, PixelData: explicit.pixelFragments![0].slice().buffer, _vrMap: { PixelData: 'OB' } });
    const seg = readSegmentation(implicit);
    expect(seg.sopUid).toBe('1.2.3.7');
    expect(Array.from(segmentationToLabelMap(seg, SOURCE, new Map([[1, 1], [2, 2]])))).toEqual([1, 0, 2, 1]);
  });

  it('takes the reference from the shared groups, else from a single Referenced Series instance', () => {
    const base = { SegmentationType: 'BINARY', BitsAllocated: 1, BitsStored: 1, HighBit: 0, NumberOfFrames: 2, PixelData: Uint8Array.from([0b0010_0001, 0]).buffer, _vrMap: { PixelData: 'OB' } };
    const perFrame = [{ SegmentIdentificationSequence: [{ ReferencedSegmentNumber: 1 }] }, { SegmentIdentificationSequence: [{ ReferencedSegmentNumber: 2 }] }];
    const shared = readSegmentation(writePart10(SEGMENTATION_SOP_CLASS, '1.2.3.9.1', segDataset({
      ...base, PerFrameFunctionalGroupsSequence: perFrame,
      SharedFunctionalGroupsSequence: [{ DerivationImageSequence: [{ SourceImageSequence: [{ ReferencedSOPInstanceUID: '1.2.3.4' }] }] }],
    })));
    expect(shared.frames.map((f) => [f.referencedSopUid, f.segmentNumber, Array.from(f.pixels)])).toEqual([['1.2.3.4', 1, [1, 0, 0, 0]], ['1.2.3.4', 2, [0, 1, 0, 0]]]);
    const series = (sops: string[]): Dataset => ({ ReferencedSeriesSequence: [{ SeriesInstanceUID: SERIES, ReferencedInstanceSequence: sops.map((s) => ({ ReferencedSOPClassUID: SC, ReferencedSOPInstanceUID: s })) }] });
    const sole = readSegmentation(writePart10(SEGMENTATION_SOP_CLASS, '1.2.3.9.1', segDataset({ ...base, PerFrameFunctionalGroupsSequence: perFrame, ...series(['1.2.3.5']) })));
    expect(sole.frames.map((f) => f.referencedSopUid)).toEqual(['1.2.3.5', '1.2.3.5']);
    const ambiguous = writePart10(SEGMENTATION_SOP_CLASS, '1.2.3.9.1', segDataset({ ...base, PerFrameFunctionalGroupsSequence: perFrame, ...series(['1.2.3.5', '1.2.3.6']) }));
    expect(error(() => readSegmentation(ambiguous))).toMatchObject({ code: 'no-reference', message: expect.stringMatching(/frame 1 names no source image/) });
  });
});

describe('readSegmentation errors', () => {
  const good = (): Uint8Array => writeSegmentation(spec([1, 0, 2, 1], 2, 2));

  it('names a file that is not a segmentation, or not DICOM', () => {
    const sc = writeSecondaryCapture({ studyUid: STUDY, seriesUid: SERIES, sopUid: SOURCE, patientId: 'P', patientName: 'P', modality: 'OT', bodyPart: 'CHEST', studyDate: '20260101', studyDescription: 'x', rows: 2, columns: 2, pixels: new Uint16Array(4) });
    expect(error(() => readSegmentation(sc))).toMatchObject({ code: 'not-segmentation', message: expect.stringMatching(/SOP Class 1\.2\.840\.10008\.5\.1\.4\.1\.1\.7 is not Segmentation Storage/) });
    expect(error(() => readSegmentation(new Uint8Array(200))).code).toBe('not-dicom');
    expect(error(() => readSegmentation(Buffer.from('{"not": "dicom"}'))).code).toBe('not-dicom');
  });

  it('reports truncated pixel data and truncated files', () => {
    // 4×4 with 2 segments = 32 bits = 4 bytes; drop the last 2.
    const bytes = writeSegmentation(spec(new Array<number>(16).fill(1), 4, 4));
    expect(error(() => readSegmentation(bytes.subarray(0, bytes.length - 2)))).toMatchObject({ code: 'bad-pixel-data', message: expect.stringMatching(/2 bytes, 4 are needed .*truncated/) });
    // dcmjs stops quietly where a file ends inside a sequence: what is missing is then reported.
    expect(error(() => readSegmentation(bytes.subarray(0, 600))).code).toMatch(/parse-error|missing-attribute|bad-pixel-data/);
  });

  it('names an unsupported (compressed) transfer syntax without parsing the data set', () => {
    const { dataset } = readPart10(good(), 'test');
    const jpeg = part10With('1.2.840.10008.1.2.4.50', { ...dataset, PixelData: new ArrayBuffer(2), _vrMap: { PixelData: 'OB' } });
    const e = error(() => readSegmentation(jpeg));
    expect(e.code).toBe('unsupported-transfer-syntax');
    expect(e.message).toMatch(/1\.2\.840\.10008\.1\.2\.4\.50 \(JPEG Baseline \(Process 1\)\) is not supported/);
  });

  it('refuses a frame whose segment is not defined, and a BINARY SEG with 8-bit pixels', () => {
    const { dataset, pixelFragments } = readPart10(good(), 'test');
    const undefinedSegment = { ...dataset, SegmentSequence: (dataset.SegmentSequence as Dataset[]).slice(0, 1), PixelData: pixelFragments![0].slice().buffer, _vrMap: { PixelData: 'OB' } };
    expect(error(() => readSegmentation(part10With('1.2.840.10008.1.2.1', undefinedSegment))).message).toMatch(/frame 2 refers to segment 2/);
    const eightBit = { ...dataset, BitsAllocated: 8, PixelData: new ArrayBuffer(8), _vrMap: { PixelData: 'OB' } };
    expect(error(() => readSegmentation(part10With('1.2.840.10008.1.2.1', eightBit)))).toMatchObject({ code: 'bad-pixel-data', message: expect.stringMatching(/Bits Allocated 8 for a BINARY/) });
  });
});

describe('readSegmentation bounds', () => {
  it('shows the declared size to checkHeader before reading any pixel (here: none are present)', () => {
    const { dataset } = readPart10(writeSegmentation(spec([1, 0, 2, 1], 2, 2)), 'test');
    const declared = part10With('1.2.840.10008.1.2.1', { ...dataset, Rows: 12000, Columns: 12000, PixelData: new ArrayBuffer(2), _vrMap: { PixelData: 'OB' } });
    const seen: unknown[] = [];
    expect(() => readSegmentation(declared, { checkHeader: (h) => { seen.push(h); throw new Error('wrong size'); } })).toThrow('wrong size');
    expect(seen).toEqual([{ segmentationType: 'BINARY', rows: 12000, columns: 12000, frames: 2, bitsAllocated: 1, segmentCount: 2 }]);
    expect(error(() => readSegmentation(declared))).toMatchObject({ code: 'bad-pixel-data', message: `segmentation: 12000×12000 pixels per frame, more than the limit of ${MAX_SEGMENTATION_FRAME_PIXELS}` });
  });

  it('refuses more frames than the pixel limit allows before unpacking or decoding any', () => {
    const { dataset } = readPart10(writeSegmentation(spec([1, 0, 2, 1], 2, 2)), 'test');
    const frames = MAX_SEGMENTATION_PIXELS / 4096 + 1;
    const many = part10With('1.2.840.10008.1.2.1', { ...dataset, Rows: 64, Columns: 64, NumberOfFrames: frames, PixelData: new ArrayBuffer(2), _vrMap: { PixelData: 'OB' } });
    expect(error(() => readSegmentation(many))).toMatchObject({ code: 'bad-pixel-data', message: `segmentation: ${frames} frame(s) of 64×64, more than the limit of ${MAX_SEGMENTATION_PIXELS} pixels` });
  });
});

describe('segmentationToLabelMap', () => {
  it('paints later segments over earlier ones, skips unmapped segments and other images', () => {
    const bytes = writeSegmentation(spec([1, 1, 2, 0], 2, 2, { segments: [{ number: 1, label: 'a', value: 1 }, { number: 2, label: 'b', value: 2 }, { number: 3, label: 'c', value: 3 }] }));
    const seg = readSegmentation(bytes);
    // Make segment 3 overlap segment 1 on pixel 1.
    const overlapping = { ...seg, frames: [...seg.frames.slice(0, 2), { ...seg.frames[2], pixels: Uint8Array.from([0, 1, 0, 1]) }] };
    expect(Array.from(segmentationToLabelMap(overlapping, SOURCE, new Map([[1, 4], [2, 5], [3, 6]])))).toEqual([4, 6, 5, 6]);
    expect(Array.from(segmentationToLabelMap(overlapping, SOURCE, new Map([[1, 4]])))).toEqual([4, 4, 0, 0]);
    expect(Array.from(segmentationToLabelMap(overlapping, '1.2.3.999', new Map([[1, 4]])))).toEqual([0, 0, 0, 0]);
    expect(error(() => segmentationToLabelMap(seg, SOURCE, new Map([[1, 256]]))).code).toBe('invalid-spec');
  });
});
