import { deflatedPart10 } from '../../../test/harness/maskBombs';
import { DicomObjectError } from './dicomObjectError';
import { DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN, InflateLimitError, readPart10, readTransferSyntax, str } from './part10';
import { readSegmentation } from './segmentation';
import { writeSegmentation } from './writeSegmentation';

const STUDY = '1.2.826.0.1.3680043.10.1341.31.1';
const SOURCE = `${STUDY}.1.1`;

/** A 3 × 4 BINARY SEG of two segments, as writeSegmentation writes it (explicit VR little endian). */
function plainSeg(): Uint8Array {
  return writeSegmentation({
    source: { studyUid: STUDY, seriesUid: `${STUDY}.1`, sopUid: SOURCE, sopClassUid: '1.2.840.10008.5.1.4.1.1.7', patientId: 'P-1', patientName: 'Phantom^Chest', rows: 3, columns: 4 },
    segments: [{ number: 1, label: 'left lung', value: 1 }, { number: 2, label: 'heart', value: 2 }],
    labelMap: Uint8Array.from([0, 1, 1, 0, 2, 2, 1, 0, 0, 0, 2, 1]),
    sopUid: '1.2.3.7',
  });
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected an error');
}

describe('readPart10 of Deflated Explicit VR Little Endian', () => {
  it('inflates the data set itself: the same data set and pixel data as the explicit file', async () => {
    const plain = plainSeg();
    const file = await deflatedPart10(plain);
    expect(readTransferSyntax(file)).toBe(DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN);
    const read = readPart10(file, 'deflated');
    const reference = readPart10(plain, 'explicit');
    expect(read.transferSyntaxUid).toBe(DEFLATED_EXPLICIT_VR_LITTLE_ENDIAN); // the file's, as before
    expect(str(read.dataset, 'SOPInstanceUID')).toBe('1.2.3.7');
    expect(read.dataset.SegmentSequence).toEqual(reference.dataset.SegmentSequence);
    expect(read.pixelFragments!.map((f) => Array.from(f))).toEqual(reference.pixelFragments!.map((f) => Array.from(f)));
    expect(readSegmentation(file).frames.map((f) => Array.from(f.pixels))).toEqual(readSegmentation(plain).frames.map((f) => Array.from(f.pixels)));
  });

  it('stops inflating at the limit: a file of a few kB that would inflate to 8 MB', async () => {
    const bomb = await deflatedPart10(plainSeg(), 8_000_000);
    expect(bomb.byteLength).toBeLessThan(20_000);
    const error = thrown(() => readPart10(bomb, 'upload', false, { maxInflatedBytes: 1_000_000 }));
    expect(error).toBeInstanceOf(InflateLimitError);
    expect(error).toBeInstanceOf(DicomObjectError); // callers that handle DicomObjectError keep working
    expect(error).toMatchObject({ limitBytes: 1_000_000, message: 'upload: the deflated data set inflates to more than the limit of 1000000 bytes (refused there)' });
    expect(thrown(() => readSegmentation(bomb, { maxInflatedBytes: 1_000_000 }))).toBeInstanceOf(InflateLimitError);
    expect(readSegmentation(await deflatedPart10(plainSeg()), { maxInflatedBytes: 1_000_000 }).sopUid).toBe('1.2.3.7');
  });

  it('refuses a data set that is not a deflate stream as a parse error', async () => {
    const plain = Buffer.from(await deflatedPart10(plainSeg()));
    const broken = Buffer.concat([plain.subarray(0, 144 + plain.readUInt32LE(140)), Buffer.from([0xff, 0xff, 0xff, 0xff])]);
    expect(thrown(() => readPart10(broken, 'upload'))).toMatchObject({ code: 'parse-error', message: expect.stringMatching(/^upload: the deflated data set cannot be inflated/) });
  });
});
