/**
 * DICOM reader: Part 10 file → one {@link Image2D} per frame. dcmjs parses the dataset (and
 * inflates Deflated Explicit VR, once we have checked that it inflates within a bound); the pixel
 * data is decoded here per transfer syntax, after the declared size is checked against limits.
 */
import * as fs from 'fs';
import * as zlib from 'zlib';
import * as dcmjs from 'dcmjs';
import { InvalidInputError } from '../core/errors';
import { CodecFrame, decodeJpegLossless, decodeWithWasm } from './dicomCodecs';
import { PixelModule, StoredFrame, storedToReal } from './dicomPixels';
import { MAX_IMAGE_PIXELS } from './png';
import { decodeRleFrame } from './rleDecode';
import { listTransferSyntaxes, PixelDecoderKind, transferSyntaxInfo } from './transferSyntaxes';
import { Image2D, PixelSpacing } from './types';

/** Options of {@link readDicom}. */
export interface ReadDicomOptions {
  /** Recorded in `source.path` (and used in error messages). */
  path?: string;
  /** Apply Rescale Slope/Intercept (default true: values in modality units such as HU). */
  applyRescale?: boolean;
  /** Invert MONOCHROME1 so that higher = brighter, as MONOCHROME2 (default true). */
  invertMonochrome1?: boolean;
  /** Refuse frames of more pixels (Rows × Columns) than this (default {@link MAX_IMAGE_PIXELS}). */
  maxPixels?: number;
  /** Refuse a deflated data set that inflates to more bytes than this (default {@link MAX_INFLATED_DICOM_BYTES}). */
  maxInflatedBytes?: number;
}

/**
 * The most a Deflated Explicit VR data set may inflate to: 512 MiB, what {@link MAX_DECODED_SAMPLES}
 * samples take at 16 bits. dcmjs would inflate without any bound (a 300 kB file can hold 300 MB).
 */
export const MAX_INFLATED_DICOM_BYTES = 2 ** 29;
/** The most samples (frames × rows × columns × samples per pixel) one file may decode to: 2^28, 1 GiB as float32. */
export const MAX_DECODED_SAMPLES = 2 ** 28;
const DEFLATED_EXPLICIT_LITTLE_ENDIAN = '1.2.840.10008.1.2.1.99';

type Dataset = Record<string, unknown>;

const PIXEL_DATA = '7FE00010';

function num(ds: Dataset, key: string, fallback?: number): number {
  const raw = ds[key];
  const v = Array.isArray(raw) ? raw[0] : raw;
  const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  if (Number.isFinite(n)) return n;
  if (fallback !== undefined) return fallback;
  throw new InvalidInputError('parse-error', `required DICOM attribute ${key} is missing or not a number`);
}

function str(ds: Dataset, key: string): string | undefined {
  const raw = ds[key];
  const v = Array.isArray(raw) ? raw[0] : raw;
  return typeof v === 'string' ? v.trim() : undefined;
}

/** Pixel Spacing, else Imager Pixel Spacing, else the enhanced-object shared Pixel Measures; zeros mean unknown. */
function spacingOf(ds: Dataset): PixelSpacing | null {
  const candidates: unknown[] = [ds.PixelSpacing, ds.ImagerPixelSpacing];
  const shared = firstItem(ds.SharedFunctionalGroupsSequence);
  const measures = shared ? firstItem(shared.PixelMeasuresSequence) : undefined;
  if (measures) candidates.push(measures.PixelSpacing);
  for (const c of candidates) {
    if (!Array.isArray(c) || c.length < 2) continue;
    const row = Number(c[0]);
    const column = Number(c[1]);
    if (row > 0 && column > 0 && Number.isFinite(row) && Number.isFinite(column)) return { row, column, unit: 'mm' };
  }
  return null;
}

function firstItem(v: unknown): Dataset | undefined {
  const item = Array.isArray(v) ? v[0] : v;
  return item !== null && typeof item === 'object' ? (item as Dataset) : undefined;
}

function toArrayBuffer(bytes: Uint8Array | ArrayBuffer): ArrayBuffer {
  if (bytes instanceof ArrayBuffer) return bytes;
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy.buffer;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((s, p) => s + p.byteLength, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.byteLength;
  }
  return out;
}

/**
 * Groups encapsulated fragments into frames. dcmjs already merges them when a Basic Offset
 * Table is present; without one we rely on each frame starting with its codec's marker
 * (JPEG SOI FFD8, JPEG 2000 SOC FF4F or a JP2 signature box).
 */
function framesFromFragments(fragments: Uint8Array[], frames: number, kind: PixelDecoderKind, label: string): Uint8Array[] {
  if (fragments.length === frames) return fragments;
  if (frames === 1) return [concat(fragments)];
  if (kind !== 'rle') {
    const starts = (f: Uint8Array): boolean =>
      (f[0] === 0xff && (f[1] === 0xd8 || f[1] === 0x4f)) || (f[4] === 0x6a && f[5] === 0x50 && f[6] === 0x20 && f[7] === 0x20);
    const groups: Uint8Array[][] = [];
    for (const f of fragments) {
      if (groups.length === 0 || starts(f)) groups.push([f]);
      else groups[groups.length - 1].push(f);
    }
    if (groups.length === frames) return groups.map(concat);
  }
  throw new InvalidInputError(
    'corrupt-file',
    `${label}: ${fragments.length} pixel-data fragments cannot be matched to ${frames} frames`,
  );
}

/** Swaps each sample's bytes (big-endian → little-endian). */
function swapBytes(src: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(src.byteLength);
  for (let i = 0; i + size <= src.byteLength; i += size) {
    for (let k = 0; k < size; k++) out[i + k] = src[i + size - 1 - k];
  }
  return out;
}

/**
 * For a Deflated Explicit VR file, inflates the data set with a bound before dcmjs inflates it
 * again without one. Needs the File Meta Information Group Length (0002,0000) as the first meta
 * element (PS3.10 7.1; dcmjs refuses files without it) and finds the Transfer Syntax UID
 * (0002,0010, VR UI) as the first occurrence of its tag: the elements before it hold only a
 * version and UIDs, which cannot contain those bytes.
 */
function checkDeflatedSize(buffer: ArrayBuffer, label: string, maxBytes: number): void {
  const bytes = new Uint8Array(buffer);
  const view = new DataView(buffer);
  if (bytes.byteLength < 144 || view.getUint32(132, true) !== 0x0002 || view.getUint16(136, true) !== 0x4c55) return; // "UL"
  const metaEnd = Math.min(bytes.byteLength, 144 + view.getUint32(140, true));
  const meta = Buffer.from(buffer, 144, metaEnd - 144);
  const at = meta.indexOf(Buffer.from([0x02, 0x00, 0x10, 0x00, 0x55, 0x49]));
  if (at < 0 || at + 8 > meta.length) return;
  const uid = meta.toString('latin1', at + 8, Math.min(meta.length, at + 8 + meta.readUInt16LE(at + 6))).replace(/[\0 ]+$/, '');
  if (uid !== DEFLATED_EXPLICIT_LITTLE_ENDIAN) return;
  try {
    zlib.inflateRawSync(bytes.subarray(metaEnd), { maxOutputLength: maxBytes });
  } catch (e) {
    if ((e as { code?: string }).code !== 'ERR_BUFFER_TOO_LARGE') throw new InvalidInputError('corrupt-file', `${label}: the deflated data set cannot be inflated: ${(e as Error).message}`);
    throw new InvalidInputError('unsupported-format', `${label}: the deflated data set inflates to more than the limit of ${maxBytes} bytes (refused there)`);
  }
}

/** Refuses before any pixel is decoded a frame size or a frame count beyond the limits. */
function checkDeclaredSize(pm: PixelModule, frames: number, maxPixels: number, label: string): void {
  const pixels = pm.rows * pm.columns;
  if (pixels > maxPixels) throw new InvalidInputError('unsupported-format', `${label} declares ${pm.columns} × ${pm.rows} pixels, more than the limit of ${maxPixels}`);
  if (frames * pixels * pm.samplesPerPixel > MAX_DECODED_SAMPLES) {
    throw new InvalidInputError('unsupported-format', `${label} declares ${frames} frame(s) of ${pm.columns} × ${pm.rows} × ${pm.samplesPerPixel}: more than the limit of ${MAX_DECODED_SAMPLES} samples`);
  }
}

export function parse(buffer: ArrayBuffer, label: string, maxInflatedBytes: number | undefined, untilPixelData = false): ReturnType<typeof dcmjs.data.DicomMessage.readFile> {
  const head = new Uint8Array(buffer, 0, Math.min(buffer.byteLength, 132));
  if (head.byteLength < 132 || String.fromCharCode(head[128], head[129], head[130], head[131]) !== 'DICM') {
    throw new InvalidInputError('parse-error', `${label} is not a DICOM Part 10 file (no "DICM" marker at byte 128)`);
  }
  checkDeflatedSize(buffer, label, maxInflatedBytes ?? MAX_INFLATED_DICOM_BYTES);
  // dcmjs logs what it tolerates (unknown VRs, short values) to the console; every problem that
  // matters is turned into an InvalidInputError below or by the pixel checks, so keep it quiet.
  dcmjs.log.setLevel('silent');
  for (const name of ['validation.dcmjs', 'AsyncDicomReader']) dcmjs.log.getLogger(name).setLevel('silent');
  try {
    return untilPixelData
      ? dcmjs.data.DicomMessage.readFile(buffer, { untilTag: PIXEL_DATA, includeUntilTagValue: false })
      : dcmjs.data.DicomMessage.readFile(buffer);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new InvalidInputError('corrupt-file', `${label} could not be parsed as DICOM (truncated or corrupt?): ${why}`);
  }
}

/**
 * Reads every frame of a DICOM Part 10 file as an {@link Image2D}.
 *
 * Grey values are real numbers in modality units (Rescale Slope/Intercept applied) and
 * MONOCHROME1 is inverted; colour (RGB, YBR_FULL, and YBR decoded by a JPEG codec) becomes
 * 3-channel RGB. Async because compressed syntaxes are decoded by lazily initialised wasm codecs.
 *
 * Declared sizes are checked before decoding: Rows × Columns against `maxPixels`, all frames
 * against {@link MAX_DECODED_SAMPLES}, native Pixel Data against its declared length.
 *
 * @throws InvalidInputError `parse-error` (not DICOM, missing attributes), `corrupt-file`
 *   (truncated/corrupt), `unsupported-transfer-syntax`, `unsupported-format` (e.g. PALETTE COLOR,
 *   an image or a deflated data set beyond the limits).
 */
export async function readDicom(bytes: Uint8Array | ArrayBuffer, options: ReadDicomOptions = {}): Promise<Image2D[]> {
  const label = options.path ?? 'DICOM input';
  const dicom = parse(toArrayBuffer(bytes), label, options.maxInflatedBytes);
  const tsRaw = dicom.meta['00020010']?.Value?.[0];
  const tsUid = typeof tsRaw === 'string' ? tsRaw.replace(/\0/g, '').trim() : '';
  if (!tsUid) throw new InvalidInputError('parse-error', `${label} has no Transfer Syntax UID (0002,0010)`);
  const ts = transferSyntaxInfo(tsUid);
  if (ts.decoder === 'unsupported') {
    const supported = listTransferSyntaxes().filter((t) => t.decoder !== 'unsupported').map((t) => t.uid);
    throw new InvalidInputError(
      'unsupported-transfer-syntax',
      `${label}: transfer syntax ${tsUid} (${ts.name}) is not supported; supported: ${supported.join(', ')}`,
    );
  }
  const pixelElement = dicom.dict[PIXEL_DATA];
  if (!pixelElement || !Array.isArray(pixelElement.Value) || pixelElement.Value.length === 0) {
    const floaty = dicom.dict['7FE00008'] || dicom.dict['7FE00009'];
    throw new InvalidInputError(
      floaty ? 'unsupported-format' : 'parse-error',
      floaty ? `${label}: Float/Double Float Pixel Data is not supported` : `${label} has no Pixel Data (7FE0,0010)`,
    );
  }
  const fragments = pixelElement.Value.map((v) => {
    if (v instanceof ArrayBuffer) return new Uint8Array(v);
    if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
    throw new InvalidInputError('corrupt-file', `${label}: Pixel Data has an unexpected value type`);
  });
  const ds = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dicom.dict);
  const pm: PixelModule = {
    rows: num(ds, 'Rows'),
    columns: num(ds, 'Columns'),
    samplesPerPixel: num(ds, 'SamplesPerPixel', 1),
    bitsAllocated: num(ds, 'BitsAllocated'),
    bitsStored: 0,
    highBit: 0,
    pixelRepresentation: num(ds, 'PixelRepresentation', 0),
    photometric: str(ds, 'PhotometricInterpretation') ?? 'MONOCHROME2',
    planarConfiguration: num(ds, 'PlanarConfiguration', 0),
    rescaleSlope: num(ds, 'RescaleSlope', 1),
    rescaleIntercept: num(ds, 'RescaleIntercept', 0),
  };
  pm.bitsStored = num(ds, 'BitsStored', pm.bitsAllocated);
  pm.highBit = num(ds, 'HighBit', pm.bitsStored - 1);
  if (![8, 16, 32].includes(pm.bitsAllocated)) {
    throw new InvalidInputError('unsupported-format', `${label}: Bits Allocated ${pm.bitsAllocated} is not supported (8, 16 or 32)`);
  }
  if (!(pm.rows > 0 && pm.columns > 0)) throw new InvalidInputError('parse-error', `${label}: invalid size ${pm.columns}×${pm.rows}`);
  if (pm.rescaleSlope === 0) pm.rescaleSlope = 1; // a zero slope is a writer bug, not a request to blank the image
  const frames = Math.max(1, Math.round(num(ds, 'NumberOfFrames', 1)));
  checkDeclaredSize(pm, frames, options.maxPixels ?? MAX_IMAGE_PIXELS, label);
  const spacing = spacingOf(ds);
  const sop = str(ds, 'SOPInstanceUID');
  const stored = await decodeFrames(fragments, frames, pm, ts.decoder, ts.bigEndian === true, pixelElement.vr, label);
  const opts = { applyRescale: options.applyRescale ?? true, invertMonochrome1: options.invertMonochrome1 ?? true };
  return stored.map((frame, i) => {
    const real = storedToReal(pm, frame, opts);
    const image: Image2D = {
      width: pm.columns,
      height: pm.rows,
      channels: real.channels,
      data: real.data,
      spacing,
      photometric: real.photometric,
      source: { format: 'dicom', frame: i },
    };
    if (options.path !== undefined) image.source.path = options.path;
    if (sop !== undefined) image.source.sopInstanceUid = sop;
    return image;
  });
}

async function decodeFrames(
  fragments: Uint8Array[],
  frames: number,
  pm: PixelModule,
  kind: PixelDecoderKind,
  bigEndian: boolean,
  vr: string,
  label: string,
): Promise<StoredFrame[]> {
  const bytesPerSample = pm.bitsAllocated / 8;
  const frameBytes = pm.rows * pm.columns * pm.samplesPerPixel * bytesPerSample;
  if (kind === 'native') {
    let all = concat(fragments);
    if (all.byteLength < frames * frameBytes) {
      throw new InvalidInputError(
        'corrupt-file',
        `${label}: Pixel Data has ${all.byteLength} bytes, expected ${frames * frameBytes} for ${frames} frame(s) of ` +
          `${pm.columns}×${pm.rows}×${pm.samplesPerPixel} at ${pm.bitsAllocated} bits: the file is truncated`,
      );
    }
    // Big endian OW data is swapped per 16-bit word even when samples are 8-bit.
    if (bigEndian) all = swapBytes(all, bytesPerSample === 1 ? (vr === 'OW' ? 2 : 1) : bytesPerSample);
    const planar = pm.samplesPerPixel > 1 && pm.planarConfiguration === 1;
    return Array.from({ length: frames }, (_, i) => ({
      bytes: all.subarray(i * frameBytes, (i + 1) * frameBytes),
      bytesPerSample,
      planar,
    }));
  }
  const encoded = framesFromFragments(fragments, frames, kind, label);
  const out: StoredFrame[] = [];
  for (let i = 0; i < encoded.length; i++) {
    const frameLabel = `${label} frame ${i}`;
    if (kind === 'rle') {
      out.push({ bytes: decodeRleFrame(encoded[i], pm), bytesPerSample, planar: false });
      continue;
    }
    if (kind === 'unsupported') throw new InvalidInputError('unsupported-transfer-syntax', `${label}: no decoder`);
    const decoded: CodecFrame =
      kind === 'jpeg-lossless' ? decodeJpegLossless(encoded[i], frameLabel) : await decodeWithWasm(kind, encoded[i], frameLabel);
    if (decoded.width !== pm.columns || decoded.height !== pm.rows || decoded.components !== pm.samplesPerPixel) {
      throw new InvalidInputError(
        'corrupt-file',
        `${frameLabel}: codec produced ${decoded.width}×${decoded.height}×${decoded.components}, ` +
          `header says ${pm.columns}×${pm.rows}×${pm.samplesPerPixel}`,
      );
    }
    const colourConverted = pm.samplesPerPixel === 3 && (kind === 'jpeg-2000' || kind === 'jpeg-baseline') && pm.photometric.startsWith('YBR');
    const frame: StoredFrame = { bytes: decoded.bytes, bytesPerSample: decoded.bytesPerSample, planar: decoded.planar };
    const photometric = decoded.photometric ?? (colourConverted ? 'RGB' : undefined);
    if (photometric !== undefined) frame.photometric = photometric;
    out.push(frame);
  }
  return out;
}

/** Reads a DICOM file from disk; see {@link readDicom}. */
export async function readDicomFile(filePath: string, options: Omit<ReadDicomOptions, 'path'> = {}): Promise<Image2D[]> {
  return readDicom(fs.readFileSync(filePath), { ...options, path: filePath });
}

/** The identifiers and descriptive attributes of a DICOM file, read without its pixels. */
export interface DicomHeader {
  readonly studyUid: string;
  readonly seriesUid: string;
  readonly sopUid: string;
  readonly sopClassUid: string;
  readonly transferSyntaxUid: string;
  readonly modality: string | null;
  readonly bodyPart: string | null;
  /** YYYYMMDD. */
  readonly studyDate: string | null;
  readonly studyDescription: string | null;
  readonly rows: number | null;
  readonly columns: number | null;
  readonly frames: number;
}

/**
 * Reads a DICOM file's header up to the Pixel Data (fast, for indexing folders and archives).
 * Throws `InvalidInputError` (parse-error / corrupt-file) naming the file when it is not DICOM
 * or lacks the study, series or instance UID.
 */
export function readDicomHeader(bytes: Uint8Array | ArrayBuffer, options: { path?: string; maxInflatedBytes?: number } = {}): DicomHeader {
  const label = options.path ?? 'DICOM input';
  const dicom = parse(toArrayBuffer(bytes), label, options.maxInflatedBytes, true);
  const ds = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dicom.dict);
  const meta = dcmjs.data.DicomMetaDictionary.naturalizeDataset(dicom.meta);
  const required = (key: string, from: Dataset = ds): string => {
    const v = str(from, key);
    if (!v) throw new InvalidInputError('parse-error', `${label} has no ${key}`);
    return v.replace(/\0/g, '');
  };
  const optionalNumber = (key: string): number | null => {
    const n = num(ds, key, NaN);
    return Number.isFinite(n) ? n : null;
  };
  return {
    studyUid: required('StudyInstanceUID'),
    seriesUid: required('SeriesInstanceUID'),
    sopUid: required('SOPInstanceUID'),
    sopClassUid: required('SOPClassUID'),
    transferSyntaxUid: required('TransferSyntaxUID', meta),
    modality: str(ds, 'Modality') || null,
    bodyPart: str(ds, 'BodyPartExamined') || null,
    studyDate: str(ds, 'StudyDate') || null,
    studyDescription: str(ds, 'StudyDescription') || null,
    rows: optionalNumber('Rows'),
    columns: optionalNumber('Columns'),
    frames: optionalNumber('NumberOfFrames') ?? 1,
  };
}
