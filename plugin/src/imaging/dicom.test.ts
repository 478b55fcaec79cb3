import * as zlib from 'zlib';
import * as dcmjs from 'dcmjs';
import * as jpegJs from 'jpeg-js';
import { InvalidInputError } from '../core/errors';
import { MAX_DECODED_SAMPLES, MAX_INFLATED_DICOM_BYTES, readDicom, readDicomHeader } from './dicom';
import { MAX_IMAGE_PIXELS } from './png';

/** Builds a DICOM Part 10 file with dcmjs from a naturalized dataset. */
function makeDicom(tsUid: string, dataset: Record<string, unknown>): Uint8Array {
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: '1.2.840.10008.5.1.4.1.1.7',
    MediaStorageSOPInstanceUID: '1.2.3.4.5',
    TransferSyntaxUID: tsUid,
    ImplementationClassUID: '1.2.3.4',
  };
  const dict = new dcmjs.data.DicomDict(dcmjs.data.DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = dcmjs.data.DicomMetaDictionary.denaturalizeDataset({
    SOPClassUID: '1.2.840.10008.5.1.4.1.1.7',
    SOPInstanceUID: '1.2.3.4.5',
    ...dataset,
    _vrMap: { PixelData: dataset.BitsAllocated === 8 ? 'OB' : 'OW' },
  });
  return new Uint8Array(dict.write());
}

const EXPLICIT_LE = '1.2.840.10008.1.2.1';

function gray16(values: number[], rows: number, cols: number, extra: Record<string, unknown> = {}, ts = EXPLICIT_LE): Uint8Array {
  const px = new Int16Array(values);
  return makeDicom(ts, {
    Rows: rows,
    Columns: cols,
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    BitsAllocated: 16,
    BitsStored: 16,
    HighBit: 15,
    PixelRepresentation: 1,
    PixelData: px.buffer,
    ...extra,
  });
}

const DEFLATED = '1.2.840.10008.1.2.1.99';

/** dcmjs writes the data set uncompressed: deflate everything after the file meta group (with `padding` zeros appended). */
function deflated(plain: Uint8Array, padding = 0): Uint8Array {
  const metaLength = new DataView(plain.buffer, plain.byteOffset).getUint32(132 + 8, true);
  const datasetStart = 132 + 12 + metaLength;
  const stream = zlib.deflateRawSync(Buffer.concat([plain.subarray(datasetStart), Buffer.alloc(padding)]));
  const file = new Uint8Array(datasetStart + stream.length);
  file.set(plain.subarray(0, datasetStart));
  file.set(stream, datasetStart);
  return file;
}

async function expectInvalid(p: Promise<unknown>, code: string, re?: RegExp): Promise<void> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InvalidInputError);
  expect((err as InvalidInputError).code).toBe(code);
  if (re) expect((err as InvalidInputError).message).toMatch(re);
}

/** PackBits with literal runs only (valid, if not compact). */
function packBits(bytes: Uint8Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < bytes.length; i += 128) {
    const chunk = bytes.subarray(i, Math.min(i + 128, bytes.length));
    out.push(chunk.length - 1, ...chunk);
  }
  if (out.length % 2) out.push(0x80); // pad segments to even length with a no-op
  return out;
}

/** DICOM RLE encoding of one frame of `samples` samples per pixel and `bytesPerSample` bytes (LE input). */
function rleEncode(le: Uint8Array, pixels: number, samples: number, bytesPerSample: number): ArrayBuffer {
  const segments: number[][] = [];
  for (let s = 0; s < samples; s++) {
    for (let b = bytesPerSample - 1; b >= 0; b--) {
      const plane = new Uint8Array(pixels);
      for (let p = 0; p < pixels; p++) plane[p] = le[(p * samples + s) * bytesPerSample + b];
      segments.push(packBits(plane));
    }
  }
  const header = new Uint32Array(16);
  header[0] = segments.length;
  let offset = 64;
  segments.forEach((seg, i) => {
    header[i + 1] = offset;
    offset += seg.length;
  });
  const out = new Uint8Array(offset);
  out.set(new Uint8Array(header.buffer), 0);
  let o = 64;
  for (const seg of segments) {
    out.set(seg, o);
    o += seg.length;
  }
  return out.buffer;
}

describe('readDicom on generated fixtures', () => {
  it('reads 16-bit signed MONOCHROME2 with rescale, spacing and SOP UID', async () => {
    const bytes = gray16([-1000, 0, 1000, 32767, -32768, 5], 2, 3, { RescaleSlope: 2, RescaleIntercept: -1024, PixelSpacing: [0.5, 0.25] });
    const [img] = await readDicom(bytes, { path: 'x.dcm' });
    expect([img.width, img.height, img.channels]).toEqual([3, 2, 1]);
    expect(Array.from(img.data)).toEqual([-3024, -1024, 976, 64510, -66560, -1014]);
    expect(img.spacing).toEqual({ row: 0.5, column: 0.25, unit: 'mm' });
    expect(img.source).toEqual({ format: 'dicom', frame: 0, path: 'x.dcm', sopInstanceUid: '1.2.3.4.5' });
    const [raw] = await readDicom(bytes, { applyRescale: false });
    expect(raw.data[0]).toBe(-1000);
  });

  it('masks to Bits Stored and uses Imager Pixel Spacing when Pixel Spacing is absent', async () => {
    // 12 bits stored, unsigned: the top 4 bits hold garbage (e.g. overlay bits) and must be ignored.
    const px = new Uint16Array([0xf000 | 4095, 0x1000 | 1, 7, 0]);
    const bytes = makeDicom(EXPLICIT_LE, {
      Rows: 2, Columns: 2, SamplesPerPixel: 1, PhotometricInterpretation: 'MONOCHROME2',
      BitsAllocated: 16, BitsStored: 12, HighBit: 11, PixelRepresentation: 0, ImagerPixelSpacing: [0.143, 0.143], PixelData: px.buffer,
    });
    const [img] = await readDicom(bytes);
    expect(Array.from(img.data)).toEqual([4095, 1, 7, 0]);
    expect(img.spacing).toEqual({ row: 0.143, column: 0.143, unit: 'mm' });
  });

  it('inverts MONOCHROME1 within the stored range so that higher = brighter', async () => {
    const bytes = makeDicom(EXPLICIT_LE, {
      Rows: 1, Columns: 3, SamplesPerPixel: 1, PhotometricInterpretation: 'MONOCHROME1',
      BitsAllocated: 8, BitsStored: 8, HighBit: 7, PixelRepresentation: 0, PixelData: new Uint8Array([0, 55, 255, 0]).buffer,
    });
    const [img] = await readDicom(bytes);
    expect(Array.from(img.data)).toEqual([255, 200, 0]);
    expect(img.photometric).toBe('MONOCHROME2');
  });

  it.each([0, 1])('reads 8-bit RGB with Planar Configuration %i', async (planar) => {
    const rgb = [10, 20, 30, 40, 50, 60]; // two pixels, interleaved
    const stored = planar ? [10, 40, 20, 50, 30, 60] : rgb;
    const bytes = makeDicom(EXPLICIT_LE, {
      Rows: 1, Columns: 2, SamplesPerPixel: 3, PhotometricInterpretation: 'RGB', PlanarConfiguration: planar,
      BitsAllocated: 8, BitsStored: 8, HighBit: 7, PixelRepresentation: 0, PixelData: new Uint8Array(stored).buffer,
    });
    const [img] = await readDicom(bytes);
    expect(img.channels).toBe(3);
    expect(Array.from(img.data)).toEqual(rgb);
  });

  it('converts YBR_FULL to RGB', async () => {
    const bytes = makeDicom(EXPLICIT_LE, {
      Rows: 1, Columns: 2, SamplesPerPixel: 3, PhotometricInterpretation: 'YBR_FULL', PlanarConfiguration: 0,
      BitsAllocated: 8, BitsStored: 8, HighBit: 7, PixelRepresentation: 0, PixelData: new Uint8Array([100, 128, 128, 76, 85, 255]).buffer,
    });
    const [img] = await readDicom(bytes);
    expect(Array.from(img.data.subarray(0, 3))).toEqual([100, 100, 100]);
    // (76, 85, 255) is pure red in BT.601 full range.
    expect(img.data[3]).toBeCloseTo(254, 0);
    expect(Math.abs(img.data[4])).toBeLessThan(1.5);
    expect(Math.abs(img.data[5])).toBeLessThan(1.5);
  });

  it('splits multi-frame data into one image per frame', async () => {
    const values = Array.from({ length: 3 * 4 }, (_, i) => i * 10 - 50);
    const [f0, f1, f2, ...rest] = await readDicom(gray16(values, 2, 2, { NumberOfFrames: 3 }));
    expect(rest).toHaveLength(0);
    expect(Array.from(f0.data)).toEqual([-50, -40, -30, -20]);
    expect(Array.from(f2.data)).toEqual([30, 40, 50, 60]);
    expect([f1.source.frame, f2.source.frame]).toEqual([1, 2]);
  });

  it('reads implicit VR little endian', async () => {
    const [img] = await readDicom(gray16([1, -2, 3, -4], 2, 2, {}, '1.2.840.10008.1.2'));
    expect(Array.from(img.data)).toEqual([1, -2, 3, -4]);
  });

  it('reads explicit VR big endian (pixel bytes swapped)', async () => {
    const values = [1, -2, 300, -4000];
    const be = new Uint8Array(8);
    values.forEach((v, i) => new DataView(be.buffer).setInt16(i * 2, v, false));
    const bytes = makeDicom('1.2.840.10008.1.2.2', {
      Rows: 2, Columns: 2, SamplesPerPixel: 1, PhotometricInterpretation: 'MONOCHROME2',
      BitsAllocated: 16, BitsStored: 16, HighBit: 15, PixelRepresentation: 1, PixelData: be.buffer,
    });
    const [img] = await readDicom(bytes);
    expect([img.width, img.height]).toEqual([2, 2]);
    expect(Array.from(img.data)).toEqual(values);
  });

  it('reads deflated explicit VR little endian', async () => {
    const [img] = await readDicom(deflated(gray16([7, 8, 9, 10], 2, 2, {}, DEFLATED)));
    expect(Array.from(img.data)).toEqual([7, 8, 9, 10]);
  });

  it('decodes RLE Lossless (16-bit grey, 2 frames, and 8-bit RGB) to the same pixels as uncompressed', async () => {
    const values = [-5, 1000, -32768, 32767, 0, 1, 2, 3];
    const le = new Uint8Array(new Int16Array(values).buffer);
    const bytes = makeDicom('1.2.840.10008.1.2.5', {
      Rows: 2, Columns: 2, NumberOfFrames: 2, SamplesPerPixel: 1, PhotometricInterpretation: 'MONOCHROME2',
      BitsAllocated: 16, BitsStored: 16, HighBit: 15, PixelRepresentation: 1,
      PixelData: [rleEncode(le.subarray(0, 8), 4, 1, 2), rleEncode(le.subarray(8), 4, 1, 2)],
    });
    const frames = await readDicom(bytes);
    expect(frames.map((f) => Array.from(f.data))).toEqual([values.slice(0, 4), values.slice(4)]);

    const rgb = new Uint8Array([1, 2, 3, 250, 251, 252]);
    const colour = makeDicom('1.2.840.10008.1.2.5', {
      Rows: 1, Columns: 2, SamplesPerPixel: 3, PhotometricInterpretation: 'RGB', PlanarConfiguration: 0,
      BitsAllocated: 8, BitsStored: 8, HighBit: 7, PixelRepresentation: 0, PixelData: [rleEncode(rgb, 2, 3, 1)],
    });
    const [c] = await readDicom(colour);
    expect(Array.from(c.data)).toEqual(Array.from(rgb));
  });

  it('decodes JPEG baseline through libjpeg-turbo (YBR_FULL_422 → RGB)', async () => {
    const width = 16;
    const height = 8;
    const rgba = new Uint8Array(width * height * 4);
    for (let i = 0; i < width * height; i++) rgba.set([(i * 7) % 256, 128, 255 - ((i * 3) % 256), 255], i * 4);
    const jpeg = jpegJs.encode({ width, height, data: rgba }, 95).data;
    const reference = jpegJs.decode(jpeg, { useTArray: true });
    const bytes = makeDicom('1.2.840.10008.1.2.4.50', {
      Rows: height, Columns: width, SamplesPerPixel: 3, PhotometricInterpretation: 'YBR_FULL_422', PlanarConfiguration: 0,
      BitsAllocated: 8, BitsStored: 8, HighBit: 7, PixelRepresentation: 0, PixelData: [new Uint8Array(jpeg).buffer],
    });
    const [img] = await readDicom(bytes);
    expect([img.width, img.height, img.channels, img.photometric]).toEqual([width, height, 3, 'RGB']);
    let maxDiff = 0;
    for (let i = 0; i < width * height; i++) {
      for (let k = 0; k < 3; k++) maxDiff = Math.max(maxDiff, Math.abs(img.data[i * 3 + k] - reference.data[i * 4 + k]));
    }
    expect(maxDiff).toBeLessThanOrEqual(3); // two IDCT implementations, same bitstream
  });

  it('rejects an unsupported transfer syntax naming its UID and name', async () => {
    const bytes = makeDicom('1.2.840.10008.1.2.4.51', {
      Rows: 1, Columns: 1, SamplesPerPixel: 1, PhotometricInterpretation: 'MONOCHROME2',
      BitsAllocated: 8, BitsStored: 8, HighBit: 7, PixelRepresentation: 0, PixelData: [new Uint8Array([0xff, 0xd8, 0xff, 0xd9]).buffer],
    });
    await expectInvalid(readDicom(bytes), 'unsupported-transfer-syntax', /1\.2\.840\.10008\.1\.2\.4\.51 \(JPEG Extended/);
  });

  it('rejects truncated files with corrupt-file and non-DICOM bytes with parse-error', async () => {
    const good = gray16(Array.from({ length: 64 }, (_, i) => i), 8, 8);
    await expectInvalid(readDicom(good.subarray(0, good.length - 10)), 'corrupt-file', /truncated/);
    const cutInHeader = await readDicom(good.subarray(0, 200)).then(() => undefined, (e: unknown) => e);
    expect(cutInHeader).toBeInstanceOf(InvalidInputError);
    await expectInvalid(readDicom(new TextEncoder().encode('hello, not a DICOM file')), 'parse-error', /DICM/);
    await expectInvalid(readDicom(new Uint8Array(0)), 'parse-error');
  });

  it('rejects corrupt RLE and corrupt JPEG data without crashing', async () => {
    const bad = makeDicom('1.2.840.10008.1.2.5', {
      Rows: 2, Columns: 2, SamplesPerPixel: 1, PhotometricInterpretation: 'MONOCHROME2',
      BitsAllocated: 8, BitsStored: 8, HighBit: 7, PixelRepresentation: 0, PixelData: [new Uint8Array(70).buffer],
    });
    await expectInvalid(readDicom(bad), 'corrupt-file', /RLE/);
    const badJpeg = makeDicom('1.2.840.10008.1.2.4.50', {
      Rows: 8, Columns: 8, SamplesPerPixel: 1, PhotometricInterpretation: 'MONOCHROME2',
      BitsAllocated: 8, BitsStored: 8, HighBit: 7, PixelRepresentation: 0, PixelData: [new Uint8Array([0xff, 0xd8, 1, 2, 3, 4]).buffer],
    });
    await expectInvalid(readDicom(badJpeg), 'corrupt-file');
  });
});

describe('readDicom bounds', () => {
  it('inflates a deflated data set only up to the limit (dcmjs alone inflates without one)', async () => {
    const plain = gray16([7, 8, 9, 10], 2, 2, {}, DEFLATED);
    const bomb = deflated(plain, 4_000_000); // 4 MB of zeros after the data set
    expect(bomb.byteLength).toBeLessThan(plain.byteLength + 10_000);
    await expectInvalid(readDicom(bomb, { maxInflatedBytes: 1_000_000 }), 'unsupported-format', /inflates to more than the limit of 1000000 bytes/);
    expect(() => readDicomHeader(bomb, { maxInflatedBytes: 1_000_000 })).toThrow(/more than the limit of 1000000 bytes/);
    const datasetBytes = plain.byteLength - (144 + new DataView(plain.buffer, plain.byteOffset).getUint32(140, true));
    const [img] = await readDicom(deflated(plain), { maxInflatedBytes: datasetBytes }); // exactly at the limit
    expect(Array.from(img.data)).toEqual([7, 8, 9, 10]);
    expect(MAX_INFLATED_DICOM_BYTES).toBe(2 ** 29);
  });

  it('refuses a frame size beyond the pixel limit before looking at the pixel data', async () => {
    const huge = gray16([1, 2, 3, 4], 9000, 9000); // 81 M pixels declared, 8 bytes present
    await expectInvalid(readDicom(huge), 'unsupported-format', new RegExp(`9000 × 9000 pixels, more than the limit of ${MAX_IMAGE_PIXELS}`));
    await expectInvalid(readDicom(gray16([1, 2, 3, 4, 5, 6], 2, 3), { maxPixels: 5 }), 'unsupported-format', /limit of 5$/);
  });

  it('refuses more frames than the decoded-sample limit before decoding any (an RLE frame can expand 64-fold)', async () => {
    const frames = Math.floor(MAX_DECODED_SAMPLES / (256 * 256)) + 1;
    const bytes = makeDicom('1.2.840.10008.1.2.5', {
      Rows: 256, Columns: 256, NumberOfFrames: frames, SamplesPerPixel: 1, PhotometricInterpretation: 'MONOCHROME2',
      BitsAllocated: 16, BitsStored: 16, HighBit: 15, PixelRepresentation: 0, PixelData: [rleEncode(new Uint8Array(256 * 256 * 2), 256 * 256, 1, 2)],
    });
    await expectInvalid(readDicom(bytes), 'unsupported-format', new RegExp(`${frames} frame\\(s\\) of 256 × 256 × 1: more than the limit of ${MAX_DECODED_SAMPLES} samples`));
  });
});
