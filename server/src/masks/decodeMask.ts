/**
 * An uploaded mask (a DICOM SEG or a label-map PNG) → the case's label map. Pure and synchronous:
 * the mask decode workers run it off the event loop ({@link MaskDecodePool}), and tests call it
 * directly. Sizes are checked before anything is inflated: a PNG's IHDR and a SEG's Rows, Columns
 * and Number of Frames must fit the case, and a deflated SEG inflates only up to a bound.
 */
import { InvalidInputError, readPng, writeGrayPng } from '@scanselect/plugin';
import { AppError } from '../appError';
import { DicomObjectError } from '../dicom/dicomObjectError';
import { InflateLimitError } from '../dicom/part10';
import { readSegmentation, segmentationToLabelMap, type Segmentation } from '../dicom/segmentation';

/** The case a mask is for: its instance and size. */
export interface MaskTarget {
  readonly sopUid: string;
  readonly rows: number;
  readonly columns: number;
  /**
   * When the case is a slice of a volume: the SOP Instance UIDs of every slice of that volume. A
   * SEG another tool made of the whole volume (or part of it) is then accepted, and only its
   * frames on the case's slice are read.
   */
  readonly volumeSlices?: readonly string[];
  /**
   * Frames of a multi-frame case instance: a SEG's frames on its other frames are accepted and
   * left out.
   */
  readonly frames?: number;
  /**
   * With `frames`, the frame (1-based) the case is: its own for a frame of a multi-frame volume,
   * else the first (as the sync embedded it). Default 1.
   */
  readonly frame?: number;
}

/** One upload to decode, with everything it is checked against (plain data: it crosses to a worker). */
export interface MaskDecodeRequest {
  readonly format: 'seg' | 'png';
  readonly bytes: Uint8Array;
  readonly target: MaskTarget;
  /** The project's classes in label order (class i has value i + 1). */
  readonly classes: readonly string[];
  /** The most a deflated SEG may inflate to ({@link maskInflateLimit}). */
  readonly maxInflatedBytes: number;
}

/**
 * The label map of the case (rows × columns, value = class index), what is derived from it for
 * storage — it as a grey PNG, the classes present — and the uploaded SEG's UID. Encoding and
 * counting a large label map take long too, so they are done where it is decoded.
 */
export interface DecodedMask {
  readonly labels: Uint8Array;
  readonly labelPng: Uint8Array;
  readonly classesPresent: number[];
  readonly segSopUid: string | null;
}

/** A deflated SEG may inflate to at most this many times the upload limit (and see {@link maskInflateLimit}). */
export const INFLATE_LIMIT_UPLOAD_MULTIPLE = 4;
/** Room for the SEG's attributes (functional groups, sequences) beside its pixel data. */
const SEG_HEADER_ALLOWANCE = 4 * 2 ** 20;

/**
 * The most a deflated SEG for `target` may inflate to: what its pixel data can legitimately take
 * (rows × columns bytes per class — FRACTIONAL — or 2 bytes — a 16-bit LABELMAP) plus 4 MiB of
 * attributes, and never more than {@link INFLATE_LIMIT_UPLOAD_MULTIPLE} times the upload limit.
 */
export function maskInflateLimit(target: MaskTarget, classCount: number, uploadLimitBytes: number): number {
  const pixelData = target.rows * target.columns * Math.max(2, classCount) * Math.max(1, target.volumeSlices?.length ?? 1, target.frames ?? 1);
  return Math.min(pixelData + SEG_HEADER_ALLOWANCE, INFLATE_LIMIT_UPLOAD_MULTIPLE * uploadLimitBytes);
}

/**
 * Decodes and validates an upload against its case.
 *
 * @throws AppError 400 `wrong-size`, `too-many-frames`, `invalid-png`, `invalid-seg`,
 *   `wrong-reference` (a frame on an instance other than the case, or another slice of its volume;
 *   or, for a volume, no frame on the case), `unknown-segment`, `unknown-label-value`; 413 `too-large` when a deflated
 *   SEG inflates beyond `maxInflatedBytes`.
 */
export function decodeMask(request: MaskDecodeRequest): DecodedMask {
  const { labels, segSopUid } = request.format === 'seg' ? labelsFromSeg(request) : { labels: labelsFromPng(request), segSopUid: null };
  const present = new Uint8Array(256);
  for (let i = 0; i < labels.length; i++) present[labels[i]!] = 1;
  const classesPresent = [...present.keys()].filter((v) => v > 0 && present[v] === 1);
  // A copy in an ArrayBuffer of its own: a small Buffer may share Node's pool, which cannot be transferred.
  const labelPng = new Uint8Array(writeGrayPng(labels, request.target.columns, request.target.rows));
  return { labels, labelPng, classesPresent, segSopUid };
}

function wrongSize(what: string, columns: number, rows: number, target: MaskTarget): AppError {
  return new AppError(400, 'wrong-size', `${what} is ${columns} × ${rows} pixels; the case is ${target.columns} × ${target.rows}`);
}

/** The SEG's label map for the case, and the SEG's own instance UID. */
function labelsFromSeg({ bytes, target, classes, maxInflatedBytes }: MaskDecodeRequest): { labels: Uint8Array; segSopUid: string } {
  let seg: Segmentation;
  try {
    seg = readSegmentation(bytes, {
      maxInflatedBytes,
      checkHeader: (header) => {
        if (header.rows !== target.rows || header.columns !== target.columns) throw wrongSize('the SEG', header.columns, header.rows, target);
        // One frame per segment of one single-frame image (BINARY, FRACTIONAL), or one in all (LABELMAP); so many per slice of a volume.
        const slices = Math.max(1, target.volumeSlices?.length ?? 1, target.frames ?? 1);
        const most = Math.max(1, classes.length) * slices;
        if (header.frames > most) throw new AppError(400, 'too-many-frames', `the SEG has ${header.frames} frames; a SEG of ${slices > 1 ? `the ${slices} slices of this volume` : 'one image'} of this project has at most ${most}`);
      },
    });
  } catch (error) {
    if (error instanceof InflateLimitError) throw new AppError(413, 'too-large', `the SEG's deflated data set inflates to more than ${error.limitBytes} bytes, more than a mask of this case can need`);
    if (error instanceof DicomObjectError) throw new AppError(400, 'invalid-seg', `the upload is not a usable DICOM SEG: ${error.message}`);
    throw error;
  }
  const allowed = new Set([target.sopUid, ...(target.volumeSlices ?? [])]);
  const foreign = seg.frames.filter((f) => !allowed.has(f.referencedSopUid));
  if (foreign.length > 0) {
    const what = allowed.size > 1 ? `the case ${target.sopUid} or another slice of its volume` : `the case ${target.sopUid}`;
    throw new AppError(400, 'wrong-reference', `the SEG references instance ${foreign[0]!.referencedSopUid}, not ${what}`);
  }
  if (allowed.size > 1 && !seg.frames.some((f) => f.referencedSopUid === target.sopUid)) {
    const covered = new Set(seg.frames.map((f) => f.referencedSopUid)).size;
    throw new AppError(400, 'wrong-reference', `the SEG covers ${covered} other slice(s) of the volume but not the case's slice ${target.sopUid}`);
  }
  const lowerCase = classes.map((c) => c.toLowerCase());
  const segmentToClass = new Map<number, number>();
  for (const segment of seg.segments) {
    const byName = lowerCase.indexOf(segment.label.trim().toLowerCase());
    if (byName < 0) throw new AppError(400, 'unknown-segment', `segment ${segment.number} "${segment.label}" is not a class of the project (${classes.join(', ')})`);
    segmentToClass.set(segment.number, byName + 1);
  }
  // A multi-frame case is one frame: frames the SEG has on the instance's other frames are left out.
  const frame = (target.frames ?? 1) > 1 ? (target.frame ?? 1) : undefined;
  if (frame !== undefined) {
    const own = seg.frames.filter((f) => f.referencedSopUid === target.sopUid);
    if (own.length > 0 && !own.some((f) => f.referencedFrame === undefined || f.referencedFrame === frame)) {
      const named = [...new Set(own.map((f) => f.referencedFrame))].sort((x, y) => x! - y!).join(', ');
      throw new AppError(400, 'wrong-reference', `the SEG covers frame(s) ${named} of the multi-frame instance, not frame ${frame}, which is the case`);
    }
  }
  return { labels: segmentationToLabelMap(seg, target.sopUid, segmentToClass, frame), segSopUid: seg.sopUid };
}

function labelsFromPng({ bytes, target, classes }: MaskDecodeRequest): Uint8Array {
  let image;
  try {
    image = readPng(bytes, {
      path: 'the uploaded mask',
      checkHeader: (header) => {
        if (header.width !== target.columns || header.height !== target.rows) throw wrongSize('the mask', header.width, header.height, target);
      },
    });
  } catch (error) {
    if (error instanceof InvalidInputError) throw new AppError(400, 'invalid-png', error.message);
    throw error;
  }
  if (image.channels !== 1) throw new AppError(400, 'invalid-png', 'the mask must be a grey PNG whose values are class indices');
  const max = classes.length;
  const labels = new Uint8Array(image.data.length);
  for (let i = 0; i < labels.length; i++) {
    const v = image.data[i]!;
    if (!Number.isInteger(v) || v < 0 || v > max) {
      throw new AppError(400, 'unknown-label-value', `pixel (row ${Math.floor(i / image.width)}, column ${i % image.width}) has value ${v}; classes are 0 (background) … ${max}`);
    }
    labels[i] = v;
  }
  return labels;
}
