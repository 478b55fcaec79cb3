import { DicomObjectError } from './dicomObjectError';
import { buildKeyObjectSelection, KEY_OBJECT_SELECTION_SOP_CLASS, readKeyObjectSelection, type KeyObjectItem, type KeyObjectSelectionSpec } from './keyObjectSelection';
import { Dataset, readPart10, writePart10 } from './part10';
import { writeSegmentation } from './writeSegmentation';

const SC = '1.2.840.10008.5.1.4.1.1.7';
const SR = '1.2.840.10008.5.1.4.1.1.88.22';
const A = '1.2.826.0.1.3680043.10.1341.32.1';
const B = '1.2.826.0.1.3680043.10.1341.32.2';

const item = (study: string, series: number, instance: number, rank: number, priority = 'normal', reason?: string): KeyObjectItem => ({
  studyUid: study,
  seriesUid: `${study}.${series}`,
  sopUid: `${study}.${series}.${instance}`,
  sopClassUid: SC,
  rank,
  priority,
  ...(reason === undefined ? {} : { reason }),
});

const spec = (overrides: Partial<KeyObjectSelectionSpec> = {}): KeyObjectSelectionSpec => ({
  title: 'ScanSelect worklist: chest round 2',
  studyUid: A,
  seriesUid: `${A}.90`,
  sopUid: `${A}.90.1`,
  patientId: 'P-1',
  patientName: 'Phantom^Chest',
  items: [item(A, 1, 2, 1, 'high', 'most uncertain'), item(B, 1, 1, 2, 'high'), item(A, 1, 1, 3), item(A, 2, 1, 5, 'low', 'diverse\nsecond line')],
  ...overrides,
});

function error(fn: () => unknown): DicomObjectError {
  try {
    fn();
  } catch (e) {
    if (e instanceof DicomObjectError) return e;
    throw e;
  }
  throw new Error('expected a DicomObjectError');
}

describe('buildKeyObjectSelection → readKeyObjectSelection', () => {
  it('reads back the title and the instances in rank order, with study, series, rank, priority and reason', () => {
    const ko = readKeyObjectSelection(buildKeyObjectSelection(spec()));
    expect(ko).toMatchObject({ studyUid: A, seriesUid: `${A}.90`, sopUid: `${A}.90.1`, title: 'ScanSelect worklist: chest round 2' });
    expect(ko.documentTitle).toEqual({ value: '113000', scheme: 'DCM', meaning: 'Of Interest' });
    expect(ko.items).toEqual([
      { studyUid: A, seriesUid: `${A}.1`, sopUid: `${A}.1.2`, sopClassUid: SC, rank: 1, priority: 'high', reason: 'most uncertain' },
      { studyUid: B, seriesUid: `${B}.1`, sopUid: `${B}.1.1`, sopClassUid: SC, rank: 2, priority: 'high' },
      { studyUid: A, seriesUid: `${A}.1`, sopUid: `${A}.1.1`, sopClassUid: SC, rank: 3, priority: 'normal' },
      { studyUid: A, seriesUid: `${A}.2`, sopUid: `${A}.2.1`, sopClassUid: SC, rank: 5, priority: 'low', reason: 'diverse second line' },
    ]);
  });

  it('follows TID 2010: titled root container, one description, IMAGE items in rank order, hierarchical evidence', () => {
    const bytes = buildKeyObjectSelection(spec({ createdAt: new Date(2026, 0, 2, 3, 4, 5), instanceNumber: 4, items: [...spec().items, { ...item(B, 3, 1, 9), sopClassUid: SR }] }));
    const { dataset: ds } = readPart10(bytes, 'test');
    expect(ds).toMatchObject({
      SOPClassUID: KEY_OBJECT_SELECTION_SOP_CLASS, Modality: 'KO', StudyInstanceUID: A, SeriesDescription: 'ScanSelect worklist', InstanceNumber: 4,
      ContentDate: '20260102', ContentTime: '030405', ValueType: 'CONTAINER', ContinuityOfContent: 'SEPARATE', PatientID: 'P-1', SpecificCharacterSet: 'ISO_IR 192',
      ConceptNameCodeSequence: [{ CodeValue: '113000', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Of Interest' }],
      ContentTemplateSequence: [{ MappingResource: 'DCMR', TemplateIdentifier: '2010' }],
    });
    const content = ds.ContentSequence as Dataset[];
    expect(content.map((c) => [c.RelationshipType, c.ValueType])).toEqual([
      ['CONTAINS', 'TEXT'], ['CONTAINS', 'IMAGE'], ['CONTAINS', 'IMAGE'], ['CONTAINS', 'IMAGE'], ['CONTAINS', 'IMAGE'], ['CONTAINS', 'COMPOSITE'],
    ]);
    expect(content[0]).toMatchObject({ ConceptNameCodeSequence: [{ CodeValue: '113012', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Key Object Description' }] });
    expect(String(content[0].TextValue).split('\r\n')).toEqual([
      'ScanSelect worklist: chest round 2',
      'rank 1 · priority high · most uncertain',
      'rank 2 · priority high',
      'rank 3 · priority normal',
      'rank 5 · priority low · diverse second line',
      'rank 9 · priority normal',
    ]);
    expect(content[1]).not.toHaveProperty('ConceptNameCodeSequence'); // TID 2010: no purpose of reference on images
    expect(content.slice(1).map((c) => (c.ReferencedSOPSequence as Dataset[])[0].ReferencedSOPInstanceUID)).toEqual([`${A}.1.2`, `${B}.1.1`, `${A}.1.1`, `${A}.2.1`, `${B}.3.1`]);
    const evidence = (ds.CurrentRequestedProcedureEvidenceSequence as Dataset[]).map((study) => [
      study.StudyInstanceUID,
      (study.ReferencedSeriesSequence as Dataset[]).map((s) => [s.SeriesInstanceUID, (s.ReferencedSOPSequence as Dataset[]).map((i) => i.ReferencedSOPInstanceUID)]),
    ]);
    expect(evidence).toEqual([
      [A, [[`${A}.1`, [`${A}.1.2`, `${A}.1.1`]], [`${A}.2`, [`${A}.2.1`]]]],
      [B, [[`${B}.1`, [`${B}.1.1`]], [`${B}.3`, [`${B}.3.1`]]]],
    ]);
  });

  it('keeps non-ASCII text and generates UIDs when none are given', () => {
    const ko = readKeyObjectSelection(buildKeyObjectSelection(spec({ title: 'Poumons — tour 2 · é', seriesUid: undefined, sopUid: undefined, items: [item(A, 1, 1, 1, 'haute', 'très incertain')] })));
    expect(ko.title).toBe('Poumons — tour 2 · é');
    expect(ko.items[0]).toMatchObject({ priority: 'haute', reason: 'très incertain' });
    expect(ko.seriesUid).toMatch(/^2\.25\./);
    expect(ko.sopUid).toMatch(/^2\.25\./);
  });

  it('names the frame of each selected frame of a multi-frame instance, and lists that instance once in the evidence', () => {
    const frames = [3, 1].map((frame, i) => ({ ...item(A, 1, 1, i + 1), frame }));
    const bytes = buildKeyObjectSelection(spec({ items: [...frames, item(A, 1, 2, 3)] }));
    expect(readKeyObjectSelection(bytes).items.map((i) => [i.sopUid, i.frame])).toEqual([[`${A}.1.1`, 3], [`${A}.1.1`, 1], [`${A}.1.2`, undefined]]);
    const { dataset } = readPart10(bytes, 'ko');
    const evidence = (dataset.CurrentRequestedProcedureEvidenceSequence as Dataset[])[0]!.ReferencedSeriesSequence as Dataset[];
    expect(evidence.map((s) => (s.ReferencedSOPSequence as Dataset[]).map((i) => i.ReferencedSOPInstanceUID))).toEqual([[`${A}.1.1`, `${A}.1.2`]]);
    expect(error(() => buildKeyObjectSelection(spec({ items: [frames[0]!, { ...frames[0]!, rank: 2 }] }))).message).toMatch(/frame 3 is listed twice/);
    expect(error(() => buildKeyObjectSelection(spec({ items: [{ ...frames[0]!, frame: 0 }] }))).message).toMatch(/frame 0 is not a frame number/);
  });

  it('refuses invalid specifications', () => {
    expect(error(() => buildKeyObjectSelection(spec({ items: [] }))).message).toMatch(/no items/);
    expect(error(() => buildKeyObjectSelection(spec({ items: [item(A, 1, 1, 2), item(A, 1, 2, 1)] }))).message).toMatch(/item 1: rank 1 is not an integer above 2/);
    expect(error(() => buildKeyObjectSelection(spec({ items: [item(A, 1, 1, 1), item(A, 1, 1, 2)] }))).message).toMatch(/listed twice/);
    expect(error(() => buildKeyObjectSelection(spec({ items: [{ ...item(A, 1, 1, 1), sopClassUid: 'SC' }] }))).code).toBe('invalid-spec');
  });
});

describe('readKeyObjectSelection', () => {
  it('also reads one description per instance (rank lines interleaved with the images)', () => {
    const text = (value: string): Dataset => ({ RelationshipType: 'CONTAINS', ValueType: 'TEXT', ConceptNameCodeSequence: [{ CodeValue: '113012', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Key Object Description' }], TextValue: value });
    const image = (sop: string): Dataset => ({ RelationshipType: 'CONTAINS', ValueType: 'IMAGE', ReferencedSOPSequence: [{ ReferencedSOPClassUID: SC, ReferencedSOPInstanceUID: sop }] });
    const bytes = writePart10(KEY_OBJECT_SELECTION_SOP_CLASS, '1.2.3.9', {
      StudyInstanceUID: A, SeriesInstanceUID: '1.2.3', Modality: 'KO', ValueType: 'CONTAINER',
      ConceptNameCodeSequence: [{ CodeValue: '113000', CodingSchemeDesignator: 'DCM', CodeMeaning: 'Of Interest' }],
      CurrentRequestedProcedureEvidenceSequence: [{ StudyInstanceUID: A, ReferencedSeriesSequence: [{ SeriesInstanceUID: `${A}.1`, ReferencedSOPSequence: [{ ReferencedSOPClassUID: SC, ReferencedSOPInstanceUID: `${A}.1.1` }, { ReferencedSOPClassUID: SC, ReferencedSOPInstanceUID: `${A}.1.2` }] }] }],
      ContentSequence: [text('my worklist'), text('rank 1 · priority high'), image(`${A}.1.2`), text('rank 2 · priority low · why'), image(`${A}.1.1`)],
    });
    const ko = readKeyObjectSelection(bytes);
    expect(ko.title).toBe('my worklist');
    expect(ko.items.map((i) => [i.sopUid, i.rank, i.priority, i.reason])).toEqual([[`${A}.1.2`, 1, 'high', undefined], [`${A}.1.1`, 2, 'low', 'why']]);
  });

  it('names a file that is not a KO, and an instance missing from the evidence', () => {
    const seg = writeSegmentation({ source: { studyUid: A, seriesUid: `${A}.1`, sopUid: `${A}.1.1`, sopClassUid: SC, rows: 1, columns: 1 }, segments: [{ number: 1, label: 'x', value: 1 }], labelMap: Uint8Array.of(1) });
    expect(error(() => readKeyObjectSelection(seg))).toMatchObject({ code: 'not-key-object-selection', message: expect.stringMatching(/1\.2\.840\.10008\.5\.1\.4\.1\.1\.66\.4 is not Key Object Selection/) });
    expect(error(() => readKeyObjectSelection(new Uint8Array(10))).code).toBe('not-dicom');
    const orphan = writePart10(KEY_OBJECT_SELECTION_SOP_CLASS, '1.2.3.9', {
      StudyInstanceUID: A, SeriesInstanceUID: '1.2.3',
      ContentSequence: [{ RelationshipType: 'CONTAINS', ValueType: 'IMAGE', ReferencedSOPSequence: [{ ReferencedSOPClassUID: SC, ReferencedSOPInstanceUID: '1.2.3.4' }] }],
    });
    expect(error(() => readKeyObjectSelection(orphan))).toMatchObject({ code: 'no-reference', message: expect.stringMatching(/1\.2\.3\.4 is not in the Current Requested Procedure Evidence/) });
  });
});
