/**
 * Key Object Selection (KO) documents for ScanSelect worklists: the instances chosen for
 * labelling in one round, in rank order, so that a PACS viewer can list them.
 *
 * The content tree follows TID 2010 (Key Object Selection): a root CONTAINER titled with a code
 * from CID 7010, here (113000, DCM, "Of Interest"), that CONTAINS one TEXT (113012, DCM, "Key
 * Object Description") and then one IMAGE (or COMPOSITE) item per selected instance, in rank
 * order. TID 2010 allows the description only once and allows no children under the image
 * items, so rank, priority and reason of every item are lines of that single description:
 *
 *     ScanSelect worklist: chest round 2
 *     rank 1 · priority high · most uncertain
 *     rank 2 · priority normal
 *
 * The k-th "rank" line belongs to the k-th referenced instance.
 */
import { DicomObjectError } from './dicomObjectError';
import { Code, codeItem, Dataset, dicomDateTime, fit, items, readPart10, str, writePart10 } from './part10';
import { isValidUid, newUid } from './uid';

/** Key Object Selection Document Storage. */
export const KEY_OBJECT_SELECTION_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.88.59';

const OF_INTEREST: Code = { value: '113000', scheme: 'DCM', meaning: 'Of Interest' };
const KEY_OBJECT_DESCRIPTION: Code = { value: '113012', scheme: 'DCM', meaning: 'Key Object Description' };
/** Structured Report SOP classes (…88.x) are referenced as COMPOSITE, everything else as IMAGE. */
const STRUCTURED_REPORT_PREFIX = '1.2.840.10008.5.1.4.1.1.88.';
const RANK_LINE = /^rank ([0-9]+) · priority (.*?)(?: · (.*))?$/;

/** One selected instance of a worklist. */
export interface KeyObjectItem {
  readonly studyUid: string;
  readonly seriesUid: string;
  readonly sopUid: string;
  readonly sopClassUid: string;
  /** The frame (1-based) selected, for a frame of a multi-frame instance (written as Referenced Frame Number). */
  readonly frame?: number;
  /** 1 = label first; ranks increase strictly through `items`. */
  readonly rank: number;
  /** E.g. "high". */
  readonly priority: string;
  /** Why it was selected, e.g. "most uncertain". */
  readonly reason?: string;
}

/** What {@link buildKeyObjectSelection} writes. */
export interface KeyObjectSelectionSpec {
  /** Free-text title, first line of the description, e.g. "ScanSelect worklist: chest round 2". */
  readonly title: string;
  /** The study the document is placed in (an existing study of the patient, or a new UID). */
  readonly studyUid: string;
  /** Default: a new UID. */
  readonly seriesUid?: string;
  /** Default: a new UID. */
  readonly sopUid?: string;
  readonly patientId: string;
  readonly patientName: string;
  /** Default "ScanSelect worklist". */
  readonly seriesDescription?: string;
  /** Default 1. */
  readonly seriesNumber?: number;
  /** Default 1. */
  readonly instanceNumber?: number;
  /** The selection in rank order (at least one). May span several studies of the patient. */
  readonly items: readonly KeyObjectItem[];
  /** Content date and time; default now. */
  readonly createdAt?: Date;
}

function invalid(message: string): never {
  throw new DicomObjectError('invalid-spec', `key object selection: ${message}`);
}

function oneLine(s: string): string {
  return s.replace(/\s*[\r\n]+\s*/g, ' ').trim();
}

function validate(spec: KeyObjectSelectionSpec): void {
  for (const key of ['studyUid', 'seriesUid', 'sopUid'] as const) {
    const uid = spec[key];
    if (uid !== undefined && !isValidUid(uid)) invalid(`${key} "${uid}" is not a valid UID`);
  }
  if (spec.items.length === 0) invalid('no items (TID 2010 needs at least one referenced instance)');
  const seen = new Set<string>();
  let previousRank = 0;
  spec.items.forEach((item, i) => {
    for (const key of ['studyUid', 'seriesUid', 'sopUid', 'sopClassUid'] as const) {
      if (!isValidUid(item[key])) invalid(`item ${i}: ${key} "${item[key]}" is not a valid UID`);
    }
    if (item.frame !== undefined && !(Number.isInteger(item.frame) && item.frame >= 1)) invalid(`item ${i}: frame ${item.frame} is not a frame number (1, 2, …)`);
    const key = `${item.sopUid} ${item.frame ?? ''}`;
    if (seen.has(key)) invalid(`item ${i}: instance ${item.sopUid}${item.frame === undefined ? '' : ` frame ${item.frame}`} is listed twice`);
    seen.add(key);
    if (!Number.isInteger(item.rank) || item.rank <= previousRank) invalid(`item ${i}: rank ${item.rank} is not an integer above ${previousRank} (items must be in rank order)`);
    previousRank = item.rank;
  });
}

/** Study → series → instances (each once, whatever frames of it are selected), in order of first appearance (Hierarchical SOP Instance Reference Macro). */
function evidence(list: readonly KeyObjectItem[]): Dataset[] {
  const studies = new Map<string, Map<string, KeyObjectItem[]>>();
  for (const item of list) {
    const series = studies.get(item.studyUid) ?? new Map<string, KeyObjectItem[]>();
    studies.set(item.studyUid, series);
    const listed = series.get(item.seriesUid) ?? [];
    if (!listed.some((i) => i.sopUid === item.sopUid)) series.set(item.seriesUid, [...listed, item]);
  }
  return [...studies].map(([studyUid, series]) => ({
    StudyInstanceUID: studyUid,
    ReferencedSeriesSequence: [...series].map(([seriesUid, instances]) => ({
      SeriesInstanceUID: seriesUid,
      ReferencedSOPSequence: instances.map((i) => ({ ReferencedSOPClassUID: i.sopClassUid, ReferencedSOPInstanceUID: i.sopUid })),
    })),
  }));
}

/**
 * Builds a Key Object Selection document (Part 10, explicit VR little endian, Modality KO)
 * listing a worklist in rank order; see the module comment for the content tree.
 *
 * @throws DicomObjectError `invalid-spec` for invalid UIDs, no items, duplicates or items out of rank order.
 */
export function buildKeyObjectSelection(spec: KeyObjectSelectionSpec): Uint8Array {
  validate(spec);
  const sopUid = spec.sopUid ?? newUid();
  const { date, time } = dicomDateTime(spec.createdAt ?? new Date());
  const lines = [
    oneLine(spec.title),
    ...spec.items.map((item) => {
      const priority = oneLine(item.priority).replace(/·/g, ' ');
      const reason = item.reason !== undefined && item.reason.trim() !== '' ? ` · ${oneLine(item.reason)}` : '';
      return `rank ${item.rank} · priority ${priority}${reason}`;
    }),
  ];
  const content: Dataset[] = [
    { RelationshipType: 'CONTAINS', ValueType: 'TEXT', ConceptNameCodeSequence: codeItem(KEY_OBJECT_DESCRIPTION), TextValue: lines.join('\r\n') },
    ...spec.items.map((item) => ({
      RelationshipType: 'CONTAINS',
      ValueType: item.sopClassUid.startsWith(STRUCTURED_REPORT_PREFIX) ? 'COMPOSITE' : 'IMAGE',
      ReferencedSOPSequence: [{ ReferencedSOPClassUID: item.sopClassUid, ReferencedSOPInstanceUID: item.sopUid, ...(item.frame !== undefined && { ReferencedFrameNumber: item.frame }) }],
    })),
  ];
  const dataset: Dataset = {
    // Patient
    PatientName: spec.patientName,
    PatientID: fit(spec.patientId, 64),
    PatientBirthDate: '',
    PatientSex: '',
    // General Study (type 2 attributes empty: the document may join an existing study)
    StudyInstanceUID: spec.studyUid,
    StudyDate: '',
    StudyTime: '',
    ReferringPhysicianName: '',
    StudyID: '',
    AccessionNumber: '',
    // Key Object Document Series
    Modality: 'KO',
    SeriesInstanceUID: spec.seriesUid ?? newUid(),
    SeriesNumber: spec.seriesNumber ?? 1,
    SeriesDescription: fit(spec.seriesDescription ?? 'ScanSelect worklist', 64),
    ReferencedPerformedProcedureStepSequence: [],
    // General Equipment
    Manufacturer: 'ScanSelect',
    // Key Object Document
    InstanceNumber: spec.instanceNumber ?? 1,
    ContentDate: date,
    ContentTime: time,
    CurrentRequestedProcedureEvidenceSequence: evidence(spec.items),
    // SR Document Content (TID 2010)
    ValueType: 'CONTAINER',
    ConceptNameCodeSequence: codeItem(OF_INTEREST),
    ContinuityOfContent: 'SEPARATE',
    ContentTemplateSequence: [{ MappingResource: 'DCMR', TemplateIdentifier: '2010' }],
    ContentSequence: content,
  };
  return writePart10(KEY_OBJECT_SELECTION_SOP_CLASS, sopUid, dataset);
}

/** One referenced instance of a read Key Object Selection, in content order. */
export interface KeyObjectReference {
  readonly studyUid: string;
  readonly seriesUid: string;
  readonly sopUid: string;
  readonly sopClassUid: string;
  /** Referenced Frame Number, when the item names one frame. */
  readonly frame?: number;
  /** From the description's "rank … · priority …" lines, when there is one per instance. */
  readonly rank?: number;
  readonly priority?: string;
  readonly reason?: string;
}

/** A Key Object Selection document as read back. */
export interface KeyObjectSelection {
  readonly studyUid: string;
  readonly seriesUid: string;
  readonly sopUid: string;
  /** First line of the Key Object Description, else the document title's code meaning. */
  readonly title: string;
  /** The document title (CID 7010 code). */
  readonly documentTitle: Code | null;
  readonly items: readonly KeyObjectReference[];
}

function code(ds: Dataset | undefined): Code | null {
  const value = str(ds, 'CodeValue');
  return ds && value !== undefined ? { value, scheme: str(ds, 'CodingSchemeDesignator') ?? '', meaning: str(ds, 'CodeMeaning') ?? '' } : null;
}

/**
 * Reads a Key Object Selection document: its title and referenced instances in content order,
 * with study and series taken from the Current Requested Procedure Evidence Sequence.
 *
 * @throws DicomObjectError `not-dicom`, `parse-error`, `not-key-object-selection`,
 *   `missing-attribute`, or `no-reference` (an instance absent from the evidence).
 */
export function readKeyObjectSelection(bytes: Uint8Array): KeyObjectSelection {
  const label = 'key object selection';
  const { dataset: ds } = readPart10(bytes, label);
  const sopClassUid = str(ds, 'SOPClassUID');
  if (sopClassUid !== KEY_OBJECT_SELECTION_SOP_CLASS) {
    throw new DicomObjectError('not-key-object-selection', `${label}: SOP Class ${sopClassUid ?? '(none)'} is not Key Object Selection Document (${KEY_OBJECT_SELECTION_SOP_CLASS})`);
  }
  const required = (key: string): string => {
    const v = str(ds, key);
    if (!v) throw new DicomObjectError('missing-attribute', `${label} has no ${key}`);
    return v;
  };
  const where = new Map<string, { studyUid: string; seriesUid: string }>();
  for (const study of items(ds, 'CurrentRequestedProcedureEvidenceSequence')) {
    for (const series of items(study, 'ReferencedSeriesSequence')) {
      for (const sop of items(series, 'ReferencedSOPSequence')) {
        const uid = str(sop, 'ReferencedSOPInstanceUID');
        if (uid) where.set(uid, { studyUid: str(study, 'StudyInstanceUID') ?? '', seriesUid: str(series, 'SeriesInstanceUID') ?? '' });
      }
    }
  }
  const refs: Array<{ sopUid: string; sopClassUid: string; frame?: number }> = [];
  const rankLines: RegExpExecArray[] = [];
  let title: string | undefined;
  for (const item of items(ds, 'ContentSequence')) {
    const valueType = str(item, 'ValueType');
    if (valueType === 'TEXT' && code(items(item, 'ConceptNameCodeSequence')[0])?.value === KEY_OBJECT_DESCRIPTION.value) {
      for (const line of (str(item, 'TextValue') ?? '').split(/\r?\n/)) {
        const match = RANK_LINE.exec(line.trim());
        if (match) rankLines.push(match);
        else if (title === undefined && line.trim() !== '') title = line.trim();
      }
    } else if (valueType === 'IMAGE' || valueType === 'COMPOSITE' || valueType === 'WAVEFORM') {
      const sop = items(item, 'ReferencedSOPSequence')[0];
      const sopUid = str(sop, 'ReferencedSOPInstanceUID');
      if (!sopUid) throw new DicomObjectError('no-reference', `${label}: a ${valueType} content item has no Referenced SOP Instance UID`);
      const frame = Number(str(sop, 'ReferencedFrameNumber'));
      refs.push({ sopUid, sopClassUid: str(sop, 'ReferencedSOPClassUID') ?? '', ...(Number.isInteger(frame) && frame >= 1 && { frame }) });
    }
  }
  const documentTitle = code(items(ds, 'ConceptNameCodeSequence')[0]);
  const ranked = rankLines.length === refs.length;
  return {
    studyUid: required('StudyInstanceUID'),
    seriesUid: required('SeriesInstanceUID'),
    sopUid: required('SOPInstanceUID'),
    title: title ?? documentTitle?.meaning ?? '',
    documentTitle,
    items: refs.map((ref, i) => {
      const at = where.get(ref.sopUid);
      if (!at) throw new DicomObjectError('no-reference', `${label}: instance ${ref.sopUid} is not in the Current Requested Procedure Evidence Sequence`);
      const out: { -readonly [K in keyof KeyObjectReference]: KeyObjectReference[K] } = { ...at, ...ref };
      const line = ranked ? rankLines[i] : undefined;
      if (line) {
        out.rank = Number(line[1]);
        out.priority = line[2];
        if (line[3] !== undefined) out.reason = line[3];
      }
      return out;
    }),
  };
}
