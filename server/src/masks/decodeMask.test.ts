import { readPng, writeGrayPng } from '@scanselect/plugin';
import { deflatedPart10, deflatedZeros, greyPngWith } from '../../../test/harness/maskBombs';
import { AppError } from '../appError';
import { writeSegmentation } from '../dicom';
import { decodeMask, INFLATE_LIMIT_UPLOAD_MULTIPLE, maskInflateLimit, type MaskDecodeRequest, type MaskTarget } from './decodeMask';

const STUDY = '1.2.826.0.1.3680043.10.1341.32.1';
const TARGET: MaskTarget = { sopUid: `${STUDY}.1.1`, rows: 3, columns: 4 };
const CLASSES = ['right lung', 'left lung'];
const LABELS = [0, 1, 1, 0, 2, 2, 1, 0, 0, 0, 2, 1];

function seg(options: { rows?: number; columns?: number; sopUid?: string; labels?: string[]; labelMap?: number[] } = {}): Uint8Array {
  const rows = options.rows ?? TARGET.rows;
  const columns = options.columns ?? TARGET.columns;
  return writeSegmentation({
    source: { studyUid: STUDY, seriesUid: `${STUDY}.1`, sopUid: options.sopUid ?? TARGET.sopUid, sopClassUid: '1.2.840.10008.5.1.4.1.1.7', patientId: 'P-1', patientName: 'Phantom^Chest', rows, columns },
    segments: (options.labels ?? CLASSES).map((label, i) => ({ number: i + 1, label, value: i + 1 })),
    labelMap: Uint8Array.from(options.labelMap ?? LABELS),
    sopUid: '1.2.3.7',
  });
}

const request = (format: 'seg' | 'png', bytes: Uint8Array, maxInflatedBytes = 1 << 20): MaskDecodeRequest => ({ format, bytes, target: TARGET, classes: CLASSES, maxInflatedBytes });

/** Expects `fn` to throw an AppError with these properties. */
function expectRefusal(fn: () => unknown, expected: Record<string, unknown>): void {
  expect(fn).toThrow(AppError);
  expect(fn).toThrow(expect.objectContaining(expected));
}

describe('decodeMask', () => {
  it('turns a SEG or a label-map PNG of the case into its label map, that map as a PNG and the classes present', () => {
    const fromSeg = decodeMask(request('seg', seg()));
    expect(fromSeg).toMatchObject({ labels: Uint8Array.from(LABELS), classesPresent: [1, 2], segSopUid: '1.2.3.7' });
    expect(readPng(fromSeg.labelPng)).toMatchObject({ width: 4, height: 3, channels: 1, data: Float32Array.from(LABELS) });
    const onlyTwo = LABELS.map((v) => (v === 1 ? 0 : v));
    expect(decodeMask(request('png', writeGrayPng(Uint8Array.from(onlyTwo), 4, 3)))).toMatchObject({ labels: Uint8Array.from(onlyTwo), classesPresent: [2], segSopUid: null });
  });

  it('refuses a PNG of another size from its header, before inflating: 12000 × 12000 with data that is no zlib stream', () => {
    const declared = greyPngWith(12000, 12000, Buffer.from('never inflated'));
    expectRefusal(() => decodeMask(request('png', declared)), { status: 400, code: 'wrong-size', message: 'the mask is 12000 × 12000 pixels; the case is 4 × 3' });
  });

  it('refuses a PNG of the right size whose data inflates beyond it, stopping there', async () => {
    const bomb = greyPngWith(4, 3, await deflatedZeros(50_000_000));
    expect(bomb.length).toBeLessThan(100_000);
    expectRefusal(() => decodeMask(request('png', bomb)), { status: 400, code: 'invalid-png', message: expect.stringMatching(/inflates to more than the 15 bytes its header implies/) });
  });

  it('refuses a SEG of another size or with more frames than classes before reading its pixels', () => {
    const other = seg({ rows: 2, columns: 2, labelMap: [1, 0, 2, 1] });
    expectRefusal(() => decodeMask(request('seg', other)), { status: 400, code: 'wrong-size', message: 'the SEG is 2 × 2 pixels; the case is 4 × 3' });
    const three = seg({ labels: ['right lung', 'left lung', 'heart'], labelMap: [0, 1, 1, 0, 2, 2, 1, 0, 3, 0, 2, 1] });
    expectRefusal(() => decodeMask(request('seg', three)), { status: 400, code: 'too-many-frames', message: 'the SEG has 3 frames; a SEG of one image of this project has at most 2' });
  });

  it('refuses a deflated SEG inflating beyond the limit with 413 too-large, and reads one within it', async () => {
    const bomb = await deflatedPart10(seg(), 8_000_000);
    expectRefusal(() => decodeMask(request('seg', bomb, 1_000_000)), { status: 413, code: 'too-large', message: expect.stringMatching(/inflates to more than 1000000 bytes/) });
    expect(decodeMask(request('seg', await deflatedPart10(seg()), 1_000_000)).labels).toEqual(Uint8Array.from(LABELS));
  });

  it('keeps the codes of the other refusals', () => {
    expectRefusal(() => decodeMask(request('seg', seg({ sopUid: '1.2.3.99' }))), { code: 'wrong-reference' });
    expectRefusal(() => decodeMask(request('seg', seg({ labels: ['heart', 'left lung'] }))), { code: 'unknown-segment' });
    expectRefusal(() => decodeMask(request('seg', Buffer.from('not DICOM'))), { status: 400, code: 'invalid-seg' });
    expectRefusal(() => decodeMask(request('png', writeGrayPng(new Uint8Array(12).fill(7), 4, 3))), { code: 'unknown-label-value' });
    expectRefusal(() => decodeMask(request('png', Buffer.from('not a PNG'))), { status: 400, code: 'invalid-png' });
  });
});

describe('decodeMask: a SEG of several slices of a volume (as a 3-D tool writes one)', () => {
  const slice = (k: number): string => `${STUDY}.1.${k + 1}`; // slice 0 is TARGET
  const volumeSeg = (slices: number[], labelMaps: (k: number) => number[] = (k) => LABELS.map((v) => (v === 0 ? 0 : ((v + k - 1) % 2) + 1))): Uint8Array => writeSegmentation({
    source: { studyUid: STUDY, seriesUid: `${STUDY}.1`, sopUid: slice(slices[0]!), sopClassUid: '1.2.840.10008.5.1.4.1.1.4', rows: 3, columns: 4 },
    segments: CLASSES.map((label, i) => ({ number: i + 1, label, value: i + 1 })),
    labelMap: Uint8Array.from(labelMaps(slices[0]!)),
    moreSlices: slices.slice(1).map((k) => ({ sopUid: slice(k), labelMap: Uint8Array.from(labelMaps(k)) })),
  });
  const inVolume: MaskTarget = { ...TARGET, sopUid: slice(2), volumeSlices: [0, 1, 2, 3].map(slice) };
  const decode = (bytes: Uint8Array, target: MaskTarget = inVolume) => decodeMask({ format: 'seg', bytes, target, classes: CLASSES, maxInflatedBytes: 1 << 20 });

  it('reads only the frames on the case\'s slice', () => {
    const expected = LABELS.map((v) => (v === 0 ? 0 : ((v + 1) % 2) + 1)); // slice 2's labels: 1 and 2 swapped
    expect(decode(volumeSeg([3, 1, 2, 0])).labels).toEqual(Uint8Array.from(expected));
  });

  it('refuses it for a case that is not a slice of a volume, and one on another series\' instance or without the case\'s slice', () => {
    expectRefusal(() => decode(volumeSeg([0, 1]), TARGET), { status: 400, code: 'too-many-frames' });
    expectRefusal(() => decode(volumeSeg([2, 9])), { status: 400, code: 'wrong-reference', message: expect.stringMatching(/references instance .*\.10, not the case .* or another slice of its volume/) });
    expectRefusal(() => decode(volumeSeg([0, 1, 3])), { status: 400, code: 'wrong-reference', message: expect.stringMatching(/covers 3 other slice\(s\) of the volume but not the case's slice/) });
  });

  it('allows a volume\'s frames and inflated bytes, slice by slice', () => {
    expect(maskInflateLimit(inVolume, 2, 50 * 2 ** 20)).toBe(4 * 3 * 2 * 4 + 4 * 2 ** 20);
  });
});

describe('decodeMask: a multi-frame case (its first frame)', () => {
  const onFrame = (frame: number): Uint8Array => writeSegmentation({
    source: { studyUid: STUDY, seriesUid: `${STUDY}.1`, sopUid: TARGET.sopUid, sopClassUid: '1.2.840.10008.5.1.4.1.1.4.1', rows: 3, columns: 4, frame },
    segments: CLASSES.map((label, i) => ({ number: i + 1, label, value: i + 1 })), labelMap: Uint8Array.from(LABELS),
  });
  const multiFrame: MaskTarget = { ...TARGET, frames: 5 };
  const decode = (bytes: Uint8Array) => decodeMask({ format: 'seg', bytes, target: multiFrame, classes: CLASSES, maxInflatedBytes: 1 << 20 });

  it('reads a SEG on frame 1 and refuses one on another frame, naming it', () => {
    expect(decode(onFrame(1)).labels).toEqual(Uint8Array.from(LABELS));
    expectRefusal(() => decode(onFrame(3)), { status: 400, code: 'wrong-reference', message: 'the SEG covers frame(s) 3 of the multi-frame instance, not frame 1, which is the case' });
  });

  it('reads a SEG naming no frame (the whole instance) as the case\'s', () => {
    expect(decode(seg()).labels).toEqual(Uint8Array.from(LABELS));
  });
});

describe('maskInflateLimit', () => {
  it('allows what a SEG of the case can hold plus 4 MiB of attributes, at most 4 × the upload limit', () => {
    const mammogram = { sopUid: '1', rows: 5000, columns: 4000 };
    expect(maskInflateLimit(mammogram, 3, 50 * 2 ** 20)).toBe(5000 * 4000 * 3 + 4 * 2 ** 20); // 64 MB
    expect(maskInflateLimit(mammogram, 1, 50 * 2 ** 20)).toBe(5000 * 4000 * 2 + 4 * 2 ** 20); // a 16-bit LABELMAP
    expect(maskInflateLimit(mammogram, 20, 50 * 2 ** 20)).toBe(INFLATE_LIMIT_UPLOAD_MULTIPLE * 50 * 2 ** 20);
  });
});
