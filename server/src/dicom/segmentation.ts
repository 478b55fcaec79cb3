/**
 * DICOM Segmentation objects: reading uploads (e.g. BINARY SEGs written by OHIF through the
 * dcmjs adapters) into per-frame 0/1 masks, turning them into class label maps, and writing a
 * BINARY SEG of one source image from a label map (the simulated annotator, tests).
 */
import { decodeRleFrame } from '@scanselect/plugin';
import { packedLength, unpackBits } from './bitPacking';
import { DicomObjectError } from './dicomObjectError';
import { Dataset, firstItem, items, joinBytes, NATIVE_LITTLE_ENDIAN_SYNTAXES, num, readPart10, RLE_LOSSLESS, str } from './part10';

/** The largest frame (Rows × Columns) read: 2^26 pixels, as the engine's image readers. */
export const MAX_SEGMENTATION_FRAME_PIXELS = 2 ** 26;
/** The most mask pixels (frames × Rows × Columns) read: 2^28, one byte each once unpacked. */
export const MAX_SEGMENTATION_PIXELS = 2 ** 28;

/** Segmentation Storage. */
export const SEGMENTATION_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.66.4';
/** Label Map Segmentation Storage (Segmentation Type LABELMAP). */
export const LABEL_MAP_SEGMENTATION_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.66.7';

/** How a SEG encodes its masks. */
export type SegmentationType = 'BINARY' | 'FRACTIONAL' | 'LABELMAP';

/** One segment of the Segment Sequence. */
export interface SegmentInfo {
  readonly number: number;
  readonly label: string;
}

/** The mask of one segment on one referenced image (frame). */
export interface SegmentationFrame {
  readonly segmentNumber: number;
  readonly referencedSopUid: string;
  /** Frame of a multi-frame source image, when the SEG names one. */
  readonly referencedFrame?: number;
  /** rows × columns values, 0 or 1, row by row. */
  readonly pixels: Uint8Array;
}

/** A Segmentation as read by {@link readSegmentation}. */
export interface Segmentation {
  readonly sopUid: string;
  readonly seriesUid: string;
  readonly studyUid: string;
  readonly segmentationType: SegmentationType;
  readonly rows: number;
  readonly columns: number;
  readonly segments: readonly SegmentInfo[];
  /**
   * BINARY and FRACTIONAL: one entry per frame, in frame order. LABELMAP: per frame, one entry
   * for each segment whose number occurs in it, by segment number.
   */
  readonly frames: readonly SegmentationFrame[];
}

const LABEL = 'segmentation';

/** What a SEG declares about its pixels, known before any of them is read. */
export interface SegmentationHeader {
  readonly segmentationType: SegmentationType;
  readonly rows: number;
  readonly columns: number;
  readonly frames: number;
  readonly bitsAllocated: number;
  readonly segmentCount: number;
}

/** Options of {@link readSegmentation}. */
export interface ReadSegmentationOptions {
  /** The most a deflated data set may inflate to (default: readPart10's). */
  readonly maxInflatedBytes?: number;
  /** Called before any pixel is decoded or unpacked; what it throws propagates unchanged. */
  readonly checkHeader?: (header: SegmentationHeader) => void;
}

function fail(code: 'missing-attribute' | 'no-reference' | 'bad-pixel-data', message: string): never {
  throw new DicomObjectError(code, `${LABEL}: ${message}`);
}

interface Reference {
  sopUid: string;
  frame?: number;
}

/** The source image named by a functional group's Derivation Image Sequence, if any. */
function derivationSource(group: Dataset | undefined): Reference | undefined {
  const source = firstItem(firstItem(group, 'DerivationImageSequence'), 'SourceImageSequence');
  const sopUid = str(source, 'ReferencedSOPInstanceUID');
  if (!sopUid) return undefined;
  const frame = num(source, 'ReferencedFrameNumber');
  return frame === undefined ? { sopUid } : { sopUid, frame };
}

/** The one instance of the Referenced Series Sequence, when there is exactly one. */
function soleReferencedInstance(ds: Dataset): Reference | undefined {
  const uids = new Set<string>();
  for (const series of items(ds, 'ReferencedSeriesSequence')) {
    for (const instance of items(series, 'ReferencedInstanceSequence')) {
      const uid = str(instance, 'ReferencedSOPInstanceUID');
      if (uid) uids.add(uid);
    }
  }
  return uids.size === 1 ? { sopUid: [...uids][0] } : undefined;
}

/** RLE Lossless frames (8 or 16 bits: FRACTIONAL or LABELMAP) decoded into native little-endian bytes. */
function decodeRle(fragments: Uint8Array[], frameCount: number, rows: number, columns: number, bitsAllocated: number): Uint8Array {
  if (bitsAllocated === 1) fail('bad-pixel-data', 'RLE Lossless cannot encode 1-bit (BINARY) pixel data');
  const frames = fragments.length === frameCount ? fragments : frameCount === 1 ? [joinBytes(fragments)] : fail('bad-pixel-data', `${fragments.length} RLE fragments for ${frameCount} frames`);
  try {
    return joinBytes(frames.map((f) => decodeRleFrame(f, { rows, columns, samplesPerPixel: 1, bitsAllocated })));
  } catch (e) {
    return fail('bad-pixel-data', `RLE Lossless Pixel Data could not be decoded: ${(e as Error).message}`);
  }
}

/**
 * The smallest FRACTIONAL value that counts as inside: half the maximum, except for data that
 * holds only 0 and 1 under a larger maximum, which is binary in disguise — the dcmjs Cornerstone
 * adapter writes that when it RLE-encodes (occupied value 1, Maximum Fractional Value 255).
 */
function fractionalThreshold(maximum: number, values: Uint8Array): number {
  if (!(maximum > 0)) fail('missing-attribute', `invalid Maximum Fractional Value ${maximum}`);
  return maximum > 1 && values.every((v) => v <= 1) ? 1 : maximum / 2;
}

function frameOf(ref: Reference, segmentNumber: number, pixels: Uint8Array): SegmentationFrame {
  return ref.frame === undefined
    ? { segmentNumber, referencedSopUid: ref.sopUid, pixels }
    : { segmentNumber, referencedSopUid: ref.sopUid, referencedFrame: ref.frame, pixels };
}

/**
 * Reads a DICOM Segmentation (BINARY, FRACTIONAL or LABELMAP) into 0/1 masks with the image
 * each one refers to. Transfer syntaxes: uncompressed little endian (implicit, explicit,
 * deflated), and RLE Lossless for 8/16-bit segmentations — what the dcmjs Cornerstone adapter
 * writes by default (FRACTIONAL, RLE).
 *
 * BINARY frames are unpacked as the standard lays them out: LSB first, frames contiguous
 * across byte boundaries. FRACTIONAL values count as 1 from half the Maximum Fractional Value
 * up (but see {@link fractionalThreshold} for dcmjs's 0/1 variant). The referenced image of a
 * frame comes from its Derivation Image Sequence, else from the shared one, else from the
 * Referenced Series Sequence when it names a single instance.
 *
 * Before any pixel work, `checkHeader` sees the declared size, then the frame and total pixel
 * counts are held to {@link MAX_SEGMENTATION_FRAME_PIXELS} and {@link MAX_SEGMENTATION_PIXELS}.
 *
 * @throws DicomObjectError `not-dicom`, `parse-error`, `unsupported-transfer-syntax` (naming
 *   it), `not-segmentation`, `missing-attribute`, `no-reference`, `bad-pixel-data` (also beyond
 *   the limits); InflateLimitError when a deflated data set inflates beyond its limit.
 */
export function readSegmentation(bytes: Uint8Array, options: ReadSegmentationOptions = {}): Segmentation {
  const accepted = [...NATIVE_LITTLE_ENDIAN_SYNTAXES, RLE_LOSSLESS];
  const { dataset: ds, pixelFragments, transferSyntaxUid } = readPart10(bytes, LABEL, accepted, { maxInflatedBytes: options.maxInflatedBytes });
  const sopClassUid = str(ds, 'SOPClassUID');
  if (sopClassUid !== SEGMENTATION_SOP_CLASS && sopClassUid !== LABEL_MAP_SEGMENTATION_SOP_CLASS) {
    throw new DicomObjectError('not-segmentation', `${LABEL}: SOP Class ${sopClassUid ?? '(none)'} is not Segmentation Storage (${SEGMENTATION_SOP_CLASS})`);
  }
  const requiredString = (key: string): string => str(ds, key) || fail('missing-attribute', `no ${key}`);
  const requiredNumber = (key: string, from: Dataset = ds): number => num(from, key) ?? fail('missing-attribute', `no ${key}`);
  const type = requiredString('SegmentationType');
  if (type !== 'BINARY' && type !== 'FRACTIONAL' && type !== 'LABELMAP') fail('missing-attribute', `Segmentation Type "${type}" is not BINARY, FRACTIONAL or LABELMAP`);
  const rows = requiredNumber('Rows');
  const columns = requiredNumber('Columns');
  if (!(Number.isInteger(rows) && rows > 0 && Number.isInteger(columns) && columns > 0)) fail('missing-attribute', `invalid size ${columns}×${rows}`);
  const frameCount = num(ds, 'NumberOfFrames') ?? 1;
  if (!(Number.isInteger(frameCount) && frameCount >= 0)) fail('missing-attribute', `invalid Number of Frames ${frameCount}`);
  const bitsAllocated = requiredNumber('BitsAllocated');
  const expectedBits = type === 'BINARY' ? [1] : type === 'FRACTIONAL' ? [8] : [8, 16];
  if (!expectedBits.includes(bitsAllocated)) fail('bad-pixel-data', `Bits Allocated ${bitsAllocated} for a ${type} segmentation (expected ${expectedBits.join(' or ')})`);
  const segments = items(ds, 'SegmentSequence').map((s) => ({ number: requiredNumber('SegmentNumber', s), label: str(s, 'SegmentLabel') ?? '' }));
  if (segments.length === 0) fail('missing-attribute', 'empty Segment Sequence');
  const known = new Set(segments.map((s) => s.number));
  options.checkHeader?.({ segmentationType: type, rows, columns, frames: frameCount, bitsAllocated, segmentCount: segments.length });
  if (rows * columns > MAX_SEGMENTATION_FRAME_PIXELS) fail('bad-pixel-data', `${columns}×${rows} pixels per frame, more than the limit of ${MAX_SEGMENTATION_FRAME_PIXELS}`);
  if (frameCount * rows * columns > MAX_SEGMENTATION_PIXELS) fail('bad-pixel-data', `${frameCount} frame(s) of ${columns}×${rows}, more than the limit of ${MAX_SEGMENTATION_PIXELS} pixels`);

  const pixelsPerFrame = rows * columns;
  const needed = type === 'BINARY' ? packedLength(frameCount * pixelsPerFrame) : frameCount * pixelsPerFrame * (bitsAllocated / 8);
  if (!pixelFragments) fail('bad-pixel-data', 'no Pixel Data');
  const pixelData = transferSyntaxUid === RLE_LOSSLESS
    ? decodeRle(pixelFragments, frameCount, rows, columns, bitsAllocated)
    : joinBytes(pixelFragments);
  if (pixelData.byteLength < needed) {
    fail('bad-pixel-data', `Pixel Data has ${pixelData.byteLength} bytes, ${needed} are needed for ${frameCount} frame(s) of ${columns}×${rows} at ${bitsAllocated} bit(s): truncated`);
  }

  const perFrame = items(ds, 'PerFrameFunctionalGroupsSequence');
  const shared = firstItem(ds, 'SharedFunctionalGroupsSequence');
  const fallback = derivationSource(shared) ?? soleReferencedInstance(ds);
  const threshold = type === 'FRACTIONAL' ? fractionalThreshold(requiredNumber('MaximumFractionalValue'), pixelData.subarray(0, needed)) : 0;
  const frames: SegmentationFrame[] = [];
  for (let i = 0; i < frameCount; i++) {
    const group = perFrame[i];
    const ref = derivationSource(group) ?? fallback ?? fail('no-reference', `frame ${i + 1} names no source image, and the Referenced Series Sequence does not name exactly one`);
    if (type === 'LABELMAP') {
      const values = bitsAllocated === 8
        ? pixelData.subarray(i * pixelsPerFrame, (i + 1) * pixelsPerFrame)
        : new Uint16Array(Uint8Array.from(pixelData.subarray(2 * i * pixelsPerFrame, 2 * (i + 1) * pixelsPerFrame)).buffer);
      const present = new Set<number>(values);
      for (const segment of segments) {
        if (!present.has(segment.number)) continue;
        const mask = new Uint8Array(pixelsPerFrame);
        for (let p = 0; p < pixelsPerFrame; p++) if (values[p] === segment.number) mask[p] = 1;
        frames.push(frameOf(ref, segment.number, mask));
      }
      continue;
    }
    const segmentNumber =
      num(firstItem(group, 'SegmentIdentificationSequence'), 'ReferencedSegmentNumber') ??
      num(firstItem(shared, 'SegmentIdentificationSequence'), 'ReferencedSegmentNumber') ??
      (segments.length === 1 ? segments[0].number : fail('missing-attribute', `frame ${i + 1} has no Referenced Segment Number`));
    if (!known.has(segmentNumber)) fail('missing-attribute', `frame ${i + 1} refers to segment ${segmentNumber}, which the Segment Sequence does not define`);
    let mask: Uint8Array;
    if (type === 'BINARY') {
      mask = unpackBits(pixelData, i * pixelsPerFrame, pixelsPerFrame);
    } else {
      mask = new Uint8Array(pixelsPerFrame);
      const values = pixelData.subarray(i * pixelsPerFrame, (i + 1) * pixelsPerFrame);
      for (let p = 0; p < pixelsPerFrame; p++) mask[p] = values[p] >= threshold ? 1 : 0;
    }
    frames.push(frameOf(ref, segmentNumber, mask));
  }
  return {
    sopUid: requiredString('SOPInstanceUID'),
    seriesUid: requiredString('SeriesInstanceUID'),
    studyUid: requiredString('StudyInstanceUID'),
    segmentationType: type,
    rows,
    columns,
    segments,
    frames,
  };
}

/**
 * The class label map of one referenced image: every frame of the segmentation that refers to
 * it (and to `referencedFrame`, when given and the frame names one) paints its segment's class;
 * frames are applied by increasing segment number, so later segments overwrite earlier ones.
 * Segments absent from `segmentToClass` are left out; pixels no segment covers are 0. An image
 * that no frame refers to gives all zeros (check `seg.frames` to tell "not annotated" apart).
 *
 * @throws DicomObjectError `invalid-spec` when a class is not an integer in 0…255.
 */
export function segmentationToLabelMap(
  seg: Segmentation,
  referencedSopUid: string,
  segmentToClass: ReadonlyMap<number, number>,
  referencedFrame?: number,
): Uint8Array {
  for (const [segment, cls] of segmentToClass) {
    if (!(Number.isInteger(cls) && cls >= 0 && cls <= 255)) throw new DicomObjectError('invalid-spec', `segment ${segment} maps to class ${cls}, not an integer in 0…255`);
  }
  const out = new Uint8Array(seg.rows * seg.columns);
  const frames = seg.frames
    .filter((f) => f.referencedSopUid === referencedSopUid && (referencedFrame === undefined || f.referencedFrame === undefined || f.referencedFrame === referencedFrame))
    .sort((a, b) => a.segmentNumber - b.segmentNumber); // stable: frame order within a segment
  for (const frame of frames) {
    const cls = segmentToClass.get(frame.segmentNumber);
    if (cls === undefined) continue;
    for (let p = 0; p < out.length; p++) if (frame.pixels[p] !== 0) out[p] = cls;
  }
  return out;
}
