/**
 * Reading and writing DICOM Part 10 files with dcmjs, and typed access to dcmjs's "naturalized"
 * data sets (keyword → value; sequences are arrays of data sets, numbers are numbers).
 *
 * dcmjs ships no type declarations. The engine declares the part it uses ambiently in its own
 * sources (plugin/src/imaging/vendorModules.d.ts), but that declaration is not part of the
 * engine's build output, so the server's build cannot see it, and a second ambient declaration
 * of the same module would clash with it where both are compiled together (the test
 * typecheck). The module is therefore loaded through `createRequire` and typed here, locally.
 */
import { createRequire } from 'node:module';
import * as zlib from 'node:zlib';
import { transferSyntaxInfo } from '@scanselect/plugin';
import { DicomObjectError } from './dicomObjectError';

/** A naturalized dcmjs data set. */
export type Dataset = Record<string, unknown>;

interface DcmjsElement {
  vr: string;
  Value?: unknown[];
  /** The values as read, before dcmjs's formatting (e.g. the original Specific Character Set). */
  _rawValue?: unknown[];
}
interface DcmjsDicomDict {
  meta: Record<string, DcmjsElement>;
  dict: Record<string, DcmjsElement>;
  write(options?: Record<string, unknown>): ArrayBuffer;
}
interface DcmjsLogger {
  setLevel(level: string): void;
}
interface DcmjsApi {
  data: {
    DicomMessage: { readFile(buffer: ArrayBuffer, options?: Record<string, unknown>): DcmjsDicomDict };
    DicomMetaDictionary: {
      naturalizeDataset(dict: Record<string, DcmjsElement>): Dataset;
      denaturalizeDataset(dataset: Dataset): Record<string, DcmjsElement>;
    };
    DicomDict: new (meta: Record<string, DcmjsElement>) => DcmjsDicomDict;
  };
  log: DcmjsLogger & { getLogger(name: string): DcmjsLogger };
}

const dcmjs = createRequire(__filename)('dcmjs') as DcmjsApi;

export const IMPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2';
export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
export const DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1.99';
export const RLE_LOSSLESS = '1.2.840.10008.1.2.5';
/** Transfer syntaxes whose Pixel Data is native little-endian (the deflated one is inflated by {@link readPart10}). */
export const NATIVE_LITTLE_ENDIAN_SYNTAXES: readonly string[] = [
  IMPLICIT_VR_LITTLE_ENDIAN,
  EXPLICIT_VR_LITTLE_ENDIAN,
  DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN,
];

/** Identifies the writer in the file meta group (a fixed UID under the 2.25 root). */
const IMPLEMENTATION_CLASS_UID = '2.25.318474451603579271708596857328476140934';
const IMPLEMENTATION_VERSION_NAME = 'SCANSELECT_0_1';
const PIXEL_DATA = '7FE00010';
const SPECIFIC_CHARACTER_SET = '00080005';
/** VRs with a 4-byte length (after 2 reserved bytes) in explicit VR encoding. */
const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'SV', 'UC', 'UN', 'UR', 'UT', 'UV']);

function quietDcmjs(): void {
  // dcmjs logs what it tolerates; every problem that matters is turned into a DicomObjectError.
  dcmjs.log.setLevel('silent');
  for (const name of ['validation.dcmjs', 'AsyncDicomReader']) dcmjs.log.getLogger(name).setLevel('silent');
}

/**
 * The most a deflated data set may inflate to by default: 512 MiB (2^28 16-bit samples, the
 * engine's limit). dcmjs inflates without any bound (300 kB → 300 MB), so readPart10 does it first.
 */
export const MAX_INFLATED_DICOM_BYTES = 2 ** 29;

/** A deflated data set inflates to more than the limit (a decompression bomb, or simply too large). */
export class InflateLimitError extends DicomObjectError {
  constructor(label: string, readonly limitBytes: number) {
    super('parse-error', `${label}: the deflated data set inflates to more than the limit of ${limitBytes} bytes (refused there)`);
  }
}

/** The file meta group: the transfer syntax, where its element (0002,0010) and the group length value are, where the data set starts. */
interface FileMeta {
  readonly transferSyntaxUid: string;
  readonly syntaxElement: readonly [number, number];
  readonly groupLengthAt: number | null;
  readonly datasetStart: number;
}

function readFileMeta(bytes: Uint8Array, label: string): FileMeta {
  if (bytes.byteLength < 132 || String.fromCharCode(bytes[128], bytes[129], bytes[130], bytes[131]) !== 'DICM') {
    throw new DicomObjectError('not-dicom', `${label} is not a DICOM Part 10 file (no "DICM" marker at byte 128)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 132;
  let syntax: { uid: string; element: readonly [number, number] } | null = null;
  let groupLengthAt: number | null = null;
  while (offset + 8 <= bytes.byteLength && view.getUint16(offset, true) === 0x0002) {
    const element = view.getUint16(offset + 2, true);
    const vr = String.fromCharCode(bytes[offset + 4], bytes[offset + 5]);
    let length: number;
    let valueStart: number;
    if (LONG_VRS.has(vr)) {
      if (offset + 12 > bytes.byteLength) break;
      length = view.getUint32(offset + 8, true);
      valueStart = offset + 12;
    } else {
      length = view.getUint16(offset + 6, true);
      valueStart = offset + 8;
    }
    if (valueStart + length > bytes.byteLength) break;
    if (element === 0x0000 && vr === 'UL' && length === 4) groupLengthAt = valueStart;
    if (element === 0x0010) {
      const uid = Buffer.from(bytes.subarray(valueStart, valueStart + length)).toString('latin1').replace(/[\0 ]+$/, '');
      syntax = { uid, element: [offset, valueStart + length] };
    }
    offset = valueStart + length;
  }
  if (!syntax) throw new DicomObjectError('not-dicom', `${label} has no Transfer Syntax UID (0002,0010) in its file meta group`);
  return { transferSyntaxUid: syntax.uid, syntaxElement: syntax.element, groupLengthAt, datasetStart: offset };
}

/**
 * The Transfer Syntax UID of a Part 10 file, read from its file meta group (always explicit VR
 * little endian) without parsing the data set.
 *
 * @throws DicomObjectError `not-dicom` without the "DICM" marker or a transfer syntax.
 */
export function readTransferSyntax(bytes: Uint8Array, label = 'DICOM input'): string {
  return readFileMeta(bytes, label).transferSyntaxUid;
}

/**
 * A deflated Part 10 file as the same file in explicit VR little endian: its data set inflated
 * here with Node's zlib, stopping at `maxBytes`, and the meta group's transfer syntax (and group
 * length) rewritten, so that dcmjs never inflates anything.
 */
function inflateDataset(bytes: Uint8Array, meta: FileMeta, maxBytes: number, label: string): ArrayBuffer {
  let inflated: Buffer;
  try {
    inflated = zlib.inflateRawSync(bytes.subarray(meta.datasetStart), { maxOutputLength: maxBytes });
  } catch (e) {
    if ((e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw new InflateLimitError(label, maxBytes);
    throw new DicomObjectError('parse-error', `${label}: the deflated data set cannot be inflated: ${(e as Error).message}`);
  }
  const [syntaxStart, syntaxEnd] = meta.syntaxElement;
  const uid = Buffer.from(`${EXPLICIT_VR_LITTLE_ENDIAN}\0`, 'latin1'); // UI values have an even length
  const metaTail = bytes.subarray(syntaxEnd, meta.datasetStart);
  const out = new Uint8Array(syntaxStart + 8 + uid.length + metaTail.length + inflated.length);
  out.set(bytes.subarray(0, syntaxStart));
  out.set([0x02, 0x00, 0x10, 0x00, 0x55, 0x49, uid.length, 0], syntaxStart); // (0002,0010) UI
  out.set(uid, syntaxStart + 8);
  out.set(metaTail, syntaxStart + 8 + uid.length);
  out.set(inflated, syntaxStart + 8 + uid.length + metaTail.length);
  if (meta.groupLengthAt !== null) {
    const view = new DataView(out.buffer);
    view.setUint32(meta.groupLengthAt, view.getUint32(meta.groupLengthAt, true) + 8 + uid.length - (syntaxEnd - syntaxStart), true);
  }
  return out.buffer;
}

/** A parsed Part 10 file. */
export interface Part10 {
  readonly transferSyntaxUid: string;
  readonly dataset: Dataset;
  /**
   * The Pixel Data value, or null when the element is absent: native data as one or more
   * pieces to be joined, encapsulated data as its fragments (Basic Offset Table left out).
   */
  readonly pixelFragments: Uint8Array[] | null;
}

/** Options of {@link readPart10}: the most a deflated data set may inflate to (default {@link MAX_INFLATED_DICOM_BYTES}). */
export interface ReadPart10Options {
  readonly maxInflatedBytes?: number;
}

/**
 * Parses a Part 10 file with dcmjs. A deflated data set is inflated here first, within
 * `maxInflatedBytes` (the transfer syntax reported stays the file's).
 *
 * @param accepted the transfer syntaxes to accept; any other is refused before parsing (the
 *   error names it). `true` means {@link NATIVE_LITTLE_ENDIAN_SYNTAXES}, `false` any syntax.
 * @throws DicomObjectError `not-dicom`, `unsupported-transfer-syntax`, `parse-error`, `bad-pixel-data`;
 *   {@link InflateLimitError} (a DicomObjectError) when the data set inflates beyond the limit.
 */
export function readPart10(bytes: Uint8Array, label: string, accepted: boolean | readonly string[] = false, options: ReadPart10Options = {}): Part10 {
  const meta = readFileMeta(bytes, label);
  const { transferSyntaxUid } = meta;
  const acceptedSyntaxes = accepted === true ? NATIVE_LITTLE_ENDIAN_SYNTAXES : accepted === false ? null : accepted;
  if (acceptedSyntaxes && !acceptedSyntaxes.includes(transferSyntaxUid)) {
    const named = (uid: string): string => `${uid} (${transferSyntaxInfo(uid).name})`;
    throw new DicomObjectError(
      'unsupported-transfer-syntax',
      `${label}: transfer syntax ${named(transferSyntaxUid)} is not supported; supported: ${acceptedSyntaxes.map(named).join(', ')}`,
    );
  }
  quietDcmjs();
  let buffer: ArrayBuffer;
  if (transferSyntaxUid === DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN) {
    buffer = inflateDataset(bytes, meta, options.maxInflatedBytes ?? MAX_INFLATED_DICOM_BYTES, label);
  } else {
    const copy = new Uint8Array(bytes.byteLength);
    copy.set(bytes);
    buffer = copy.buffer;
  }
  let parsed: DcmjsDicomDict;
  try {
    parsed = dcmjs.data.DicomMessage.readFile(buffer);
  } catch (e) {
    throw new DicomObjectError('parse-error', `${label} could not be parsed as DICOM (truncated or corrupt?): ${(e as Error).message}`);
  }
  const element = parsed.dict[PIXEL_DATA];
  let pixelFragments: Uint8Array[] | null = null;
  if (element && Array.isArray(element.Value)) {
    pixelFragments = element.Value.map((v) => {
      if (v instanceof ArrayBuffer) return new Uint8Array(v);
      if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      throw new DicomObjectError('bad-pixel-data', `${label}: Pixel Data has an unexpected value type`);
    });
  }
  delete parsed.dict[PIXEL_DATA]; // not naturalized: it was just taken out
  const charset = parsed.dict[SPECIFIC_CHARACTER_SET]?._rawValue?.[0] ?? parsed.dict[SPECIFIC_CHARACTER_SET]?.Value?.[0];
  const dataset = dcmjs.data.DicomMetaDictionary.naturalizeDataset(parsed.dict);
  if (typeof charset === 'string' && charset.trim() === 'ISO_IR 192') repairNestedText(dataset, false);
  return { transferSyntaxUid, dataset, pixelFragments };
}

/** Bytes 0x80–0x9F as WHATWG "latin1" (windows-1252) decodes them; Node decodes them as themselves. */
const WINDOWS_1252_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008DŽ\u008F\u0090‘’“”•–—˜™š›œ\u009DžŸ';
const WINDOWS_1252_BYTE = new Map([...WINDOWS_1252_HIGH].map((c, i) => [c, 0x80 + i]));

/** A UTF-8 string that was decoded as latin-1 / windows-1252, decoded again properly (else unchanged). */
function redecodeUtf8(s: string): string {
  if (!/[\u0080-\uffff]/.test(s)) return s;
  const bytes = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const b = c <= 0xff ? c : WINDOWS_1252_BYTE.get(s[i]);
    if (b === undefined) return s;
    bytes[i] = b;
  }
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return s;
  }
}

/**
 * dcmjs 0.52 applies Specific Character Set only at the top level: the items of sequences are
 * read with a fresh stream that decodes text as "latin1", so UTF-8 text inside sequences
 * (segment labels, SR text values) comes out garbled ("Â·" for "·"). This decodes those
 * strings again; top-level strings (`nested` false) were decoded correctly.
 */
function repairNestedText(ds: Dataset, nested: boolean): void {
  const fix = (v: unknown): unknown => {
    if (typeof v === 'string') return nested ? redecodeUtf8(v) : v;
    if (v !== null && typeof v === 'object' && !ArrayBuffer.isView(v) && !(v instanceof ArrayBuffer)) {
      // A sequence item carries dcmjs's `_vrMap`; anything else (a person name) is a value.
      repairNestedText(v as Dataset, nested || '_vrMap' in v);
    }
    return v;
  };
  for (const key of Object.keys(ds)) {
    if (key === '_vrMap' || key === '_meta') continue;
    const value = ds[key];
    ds[key] = Array.isArray(value) ? value.map(fix) : fix(value);
  }
}

/** Pieces of a value joined into one array. */
export function joinBytes(pieces: readonly Uint8Array[]): Uint8Array {
  return pieces.length === 1 ? pieces[0] : new Uint8Array(Buffer.concat(pieces));
}

/**
 * Writes a naturalized data set as a Part 10 file in explicit VR little endian. SOP Class and
 * Instance UIDs are set in both the meta group and the data set, and the character set is
 * UTF-8 (ISO_IR 192), which is what dcmjs encodes strings in.
 *
 * @throws DicomObjectError `invalid-spec` when dcmjs refuses a value (e.g. too long for its VR).
 */
export function writePart10(sopClassUid: string, sopUid: string, dataset: Dataset): Uint8Array {
  quietDcmjs();
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: sopClassUid,
    MediaStorageSOPInstanceUID: sopUid,
    TransferSyntaxUID: EXPLICIT_VR_LITTLE_ENDIAN,
    ImplementationClassUID: IMPLEMENTATION_CLASS_UID,
    ImplementationVersionName: IMPLEMENTATION_VERSION_NAME,
  };
  try {
    const dict = new dcmjs.data.DicomDict(dcmjs.data.DicomMetaDictionary.denaturalizeDataset(meta));
    dict.dict = dcmjs.data.DicomMetaDictionary.denaturalizeDataset({
      SpecificCharacterSet: 'ISO_IR 192',
      SOPClassUID: sopClassUid,
      SOPInstanceUID: sopUid,
      ...dataset,
    });
    return new Uint8Array(dict.write());
  } catch (e) {
    throw new DicomObjectError('invalid-spec', `dcmjs could not write the object: ${(e as Error).message}`);
  }
}

/** The first value of an attribute as a trimmed string (PN values give their alphabetic form). */
export function str(ds: Dataset | undefined, key: string): string | undefined {
  const raw = ds?.[key];
  const v = Array.isArray(raw) ? raw[0] : raw;
  if (typeof v === 'string') return v.replace(/\0/g, '').trim();
  if (typeof v === 'number') return String(v);
  if (v !== null && typeof v === 'object' && typeof (v as { Alphabetic?: unknown }).Alphabetic === 'string') {
    return (v as { Alphabetic: string }).Alphabetic.trim();
  }
  return undefined;
}

/** The first value of an attribute as a finite number, or undefined. */
export function num(ds: Dataset | undefined, key: string): number | undefined {
  const raw = ds?.[key];
  const v = Array.isArray(raw) ? raw[0] : raw;
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
}

/** The items of a sequence attribute (a lone item object counts as a one-item sequence). */
export function items(ds: Dataset | undefined, key: string): Dataset[] {
  const raw = ds?.[key];
  const list = Array.isArray(raw) ? raw : raw === undefined || raw === null ? [] : [raw];
  return list.filter((v): v is Dataset => v !== null && typeof v === 'object' && !ArrayBuffer.isView(v) && !(v instanceof ArrayBuffer));
}

/** The first item of a sequence attribute. */
export function firstItem(ds: Dataset | undefined, key: string): Dataset | undefined {
  return items(ds, key)[0];
}

/** DICOM DA (YYYYMMDD) and TM (HHMMSS) of a moment, in local time. */
export function dicomDateTime(at: Date): { date: string; time: string } {
  const two = (n: number): string => String(n).padStart(2, '0');
  return {
    date: `${at.getFullYear()}${two(at.getMonth() + 1)}${two(at.getDate())}`,
    time: `${two(at.getHours())}${two(at.getMinutes())}${two(at.getSeconds())}`,
  };
}

/** A string cut to a VR's maximum length in characters (e.g. 64 for LO, 16 for CS and SH). */
export function fit(s: string, maxLength: number): string {
  return s.length <= maxLength ? s : s.slice(0, maxLength);
}

/** A coded concept (Code Sequence item). */
export interface Code {
  readonly value: string;
  readonly scheme: string;
  readonly meaning: string;
}

/** A one-item code sequence value. */
export function codeItem(code: Code): Dataset[] {
  return [{ CodeValue: code.value, CodingSchemeDesignator: code.scheme, CodeMeaning: code.meaning }];
}

/** One DICOM JSON attribute (PS3.18 F.2): values, or base64 bytes, or a bulk-data URI. */
export interface DicomJsonAttribute {
  vr: string;
  Value?: unknown[];
  InlineBinary?: string;
  BulkDataURI?: string;
}

const BINARY_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'UN']);
/** VRs whose DICOM JSON values are numbers (IS and DS included, PS3.18 F.2.3). */
const NUMBER_VRS = new Set(['US', 'SS', 'UL', 'SL', 'UV', 'SV', 'FL', 'FD', 'IS', 'DS']);
const asNumber = (v: unknown): unknown => (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v)) ? Number(v) : v);

/**
 * A naturalized data set as DICOM JSON (tag → { vr, Value }): dcmjs's own denaturalized form,
 * with binary values as base64 `InlineBinary` and sequences converted item by item.
 */
export function toDicomJson(dataset: Dataset): Record<string, DicomJsonAttribute> {
  const convert = (dict: Record<string, DcmjsElement>): Record<string, DicomJsonAttribute> => {
    const out: Record<string, DicomJsonAttribute> = {};
    for (const [tag, element] of Object.entries(dict)) {
      if (tag.startsWith('0002')) continue; // the file meta group is not part of the data set
      const values = element.Value ?? [];
      if (element.vr === 'SQ') out[tag] = { vr: 'SQ', Value: values.map((item) => convert(item as Record<string, DcmjsElement>)) };
      else if (BINARY_VRS.has(element.vr)) {
        const bytes = values[0] instanceof ArrayBuffer ? Buffer.from(values[0]) : ArrayBuffer.isView(values[0]) ? Buffer.from(values[0].buffer, values[0].byteOffset, values[0].byteLength) : null;
        out[tag] = bytes ? { vr: element.vr, InlineBinary: bytes.toString('base64') } : { vr: element.vr };
      } else if (values.length === 0) out[tag] = { vr: element.vr };
      else out[tag] = { vr: element.vr, Value: NUMBER_VRS.has(element.vr) ? values.map(asNumber) : values };
    }
    return out;
  };
  return convert(dcmjs.data.DicomMetaDictionary.denaturalizeDataset(dataset));
}
