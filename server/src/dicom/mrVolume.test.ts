/**
 * MR/CT volumes written as DICOM and read back by the engine (pixels, headers, per-frame geometry,
 * series order), and NIfTI volumes converted to their geometry: on synthetic volumes, and on
 * IBSR_01 from ../shared when present (else skipped, with the reason in the describe title).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { niftiSlices, readDicom, readDicomGeometry, readDicomHeader, readNifti, seriesGeometry, type SliceGeometry } from '@scanselect/plugin';
import { DicomObjectError } from './dicomObjectError';
import { CT_IMAGE_SOP_CLASS, ENHANCED_MR_IMAGE_SOP_CLASS, MR_IMAGE_SOP_CLASS, writeEnhancedMr, writeMrSeries, type VolumeSpec } from './mrVolume';
import { readNiftiAffine, volumeFromNifti } from './niftiVolume';
import { readPart10 } from './part10';

// An oblique orientation with exact numbers: row (0.8, 0.6, 0), column (−0.36, 0.48, −0.8), normal = row × column.
const ORIENTATION = [0.8, 0.6, 0, -0.36, 0.48, -0.8];
const NORMAL = [-0.48, 0.64, 0.6];
const [COLUMNS, ROWS, SLICES] = [8, 6, 5];
const ROOT = '1.2.826.0.1.3680043.10.1341.16';

function spec(overrides: Partial<VolumeSpec> = {}): VolumeSpec {
  return {
    studyUid: `${ROOT}.1`,
    seriesUid: `${ROOT}.1.1`,
    frameOfReferenceUid: `${ROOT}.1.9`,
    patientId: 'VOLUME-01',
    patientName: 'Volume^Synthetic',
    studyDate: '20260310',
    studyDescription: 'MR HEAD',
    seriesDescription: 'synthetic',
    columns: COLUMNS,
    rows: ROWS,
    slices: SLICES,
    voxels: Int16Array.from({ length: COLUMNS * ROWS * SLICES }, (_, i) => i * 37 - 900),
    orientation: ORIENTATION,
    origin: [-12.5, 40, 7.25],
    pixelSpacing: [0.9, 1.1],
    sliceSpacing: 2.5,
    createdAt: new Date(2026, 2, 10, 12, 0, 0),
    ...overrides,
  };
}

const sopUids = Array.from({ length: SLICES }, (_, k) => `${ROOT}.1.1.${k + 1}`);
const expectedPosition = (s: VolumeSpec, k: number): number[] => s.origin.map((o, d) => o + k * s.sliceSpacing * NORMAL[d]);
const sliceOf = (s: VolumeSpec, k: number): number[] => Array.from(s.voxels.subarray(k * s.rows * s.columns, (k + 1) * s.rows * s.columns));

function expectClose(actual: readonly number[] | null, expected: readonly number[], digits = 9): void {
  expect(actual).not.toBeNull();
  expect(actual).toHaveLength(expected.length);
  expected.forEach((e, i) => expect(actual![i]).toBeCloseTo(e, digits));
}

function codeOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    if (e instanceof DicomObjectError) return `${e.code}: ${e.message}`;
    throw e;
  }
  return 'written';
}

describe('writeMrSeries', () => {
  it('writes one MR instance per slice that the engine reads back: pixels, header, geometry, series order', async () => {
    const s = spec();
    const files = writeMrSeries(s, sopUids);
    expect(files).toHaveLength(SLICES);
    const slices: SliceGeometry[] = [];
    for (const [k, bytes] of files.entries()) {
      const [image] = await readDicom(bytes);
      expect([image.width, image.height]).toEqual([COLUMNS, ROWS]);
      expect(Array.from(image.data)).toEqual(sliceOf(s, k));
      expect(image.spacing).toEqual({ row: 0.9, column: 1.1, unit: 'mm' });
      expect(readDicomHeader(bytes)).toMatchObject({ sopClassUid: MR_IMAGE_SOP_CLASS, sopUid: sopUids[k], modality: 'MR', rows: ROWS, columns: COLUMNS, frames: 1 });
      const g = readDicomGeometry(bytes);
      expect([g.frameOfReference, g.pixelSpacing, g.sliceThickness]).toEqual([s.frameOfReferenceUid, [0.9, 1.1], 2.5]);
      expectClose(g.frames[0].position, expectedPosition(s, k), 6);
      expect(g.frames[0].orientation).toEqual(ORIENTATION);
      slices.push({ id: String(k), position: g.frames[0].position, orientation: g.frames[0].orientation, rows: ROWS, columns: COLUMNS, frameOfReference: g.frameOfReference });
    }
    const volume = seriesGeometry([slices[3], slices[0], slices[4], slices[2], slices[1]]);
    expect(volume).toMatchObject({ ok: true, order: ['0', '1', '2', '3', '4'], uniform: true });
    if (volume.ok) {
      expect(volume.spacingMm).toBeCloseTo(2.5, 6);
      expectClose(volume.normal, NORMAL, 12);
      expect(volume.tiltMm).toBeLessThan(1e-5);
    }
    const { dataset } = readPart10(files[2], 'slice 2');
    expect(dataset).toMatchObject({
      InstanceNumber: 3, PixelRepresentation: 1, BitsAllocated: 16, BitsStored: 16, PhotometricInterpretation: 'MONOCHROME2',
      ScanningSequence: 'RM', SequenceVariant: 'NONE', SpacingBetweenSlices: 2.5, SliceThickness: 2.5, SeriesDescription: 'synthetic',
    });
    expect(dataset.ImageType).toEqual(['DERIVED', 'SECONDARY']);
    expect(dataset.SliceLocation).toBeCloseTo(expectedPosition(s, 2).reduce((sum, p, d) => sum + p * NORMAL[d], 0), 5);
    expect(dataset.RescaleSlope).toBeUndefined();
  });

  it('writes unsigned voxels with Pixel Representation 0, and CT with its rescale', async () => {
    const unsigned = spec({ voxels: Uint16Array.from({ length: COLUMNS * ROWS * SLICES }, (_, i) => 65535 - i) });
    const [first] = writeMrSeries(unsigned, sopUids);
    expect(readPart10(first, 'u16').dataset.PixelRepresentation).toBe(0);
    expect(Array.from((await readDicom(first))[0].data)).toEqual(sliceOf(unsigned, 0));
    const ct = spec({ modality: 'CT', rescale: { slope: 2, intercept: -1024 } });
    const files = writeMrSeries(ct, sopUids);
    expect(readDicomHeader(files[1])).toMatchObject({ sopClassUid: CT_IMAGE_SOP_CLASS, modality: 'CT' });
    expect(readPart10(files[1], 'ct').dataset).toMatchObject({ RescaleSlope: 2, RescaleIntercept: -1024 });
    expect(Array.from((await readDicom(files[1]))[0].data)).toEqual(sliceOf(ct, 1).map((v) => 2 * v - 1024));
  });

  it('refuses invalid specifications', () => {
    const refused = (s: VolumeSpec, uids: readonly string[] = sopUids): string => codeOf(() => writeMrSeries(s, uids));
    expect(refused(spec({ seriesUid: 'series-1' }))).toMatch(/^invalid-spec: .*seriesUid "series-1" is not a valid UID/);
    expect(refused(spec({ frameOfReferenceUid: '1.02.3' }))).toMatch(/frameOfReferenceUid/);
    expect(refused(spec(), sopUids.slice(1))).toMatch(/4 SOP Instance UIDs for 5 slices/);
    expect(refused(spec(), [...sopUids.slice(1), sopUids[1]])).toMatch(/not all different/);
    expect(refused(spec({ slices: 4 }), sopUids.slice(1))).toMatch(/240 voxels for 4 slices of 8×6/);
    expect(refused(spec({ columns: 0 }))).toMatch(/invalid slice size 0×6/);
    expect(refused(spec({ orientation: [1, 0, 0, 0.1, 1, 0] }))).toMatch(/not two orthogonal unit vectors/);
    expect(refused(spec({ orientation: [2, 0, 0, 0, 1, 0] }))).toMatch(/not two orthogonal unit vectors/);
    expect(refused(spec({ orientation: [1, 0, 0, 0, 1] }))).toMatch(/6 finite numbers/);
    expect(refused(spec({ origin: [0, Number.NaN, 0] }))).toMatch(/origin/);
    expect(refused(spec({ pixelSpacing: [0, 1] }))).toMatch(/pixel spacing \[0, 1\] must be positive/);
    expect(refused(spec({ sliceSpacing: -2.5 }))).toMatch(/slice spacing -2.5 must be positive/);
    expect(refused(spec({ studyDate: '2026-03-10' }))).toMatch(/not YYYYMMDD/);
    expect(refused(spec({ rescale: { slope: 2, intercept: 0 } }))).toMatch(/rescale is for CT only/);
    expect(refused(spec({ voxels: new Float32Array(240) as unknown as Int16Array }))).toMatch(/Int16Array or a Uint16Array/);
    expect(codeOf(() => writeEnhancedMr(spec({ modality: 'CT' }), `${ROOT}.2`))).toMatch(/an Enhanced MR image is MR/);
    expect(codeOf(() => writeEnhancedMr(spec(), 'x'))).toMatch(/SOP Instance UID "x"/);
  });
});

describe('writeEnhancedMr', () => {
  it('writes one multi-frame instance whose frames lie where the series\' slices do', async () => {
    const s = spec({ anatomicRegion: { value: '12738006', scheme: 'SCT', meaning: 'Brain' }, bodyPart: 'BRAIN' });
    const bytes = writeEnhancedMr(s, `${ROOT}.2.1`);
    const frames = await readDicom(bytes);
    expect(frames).toHaveLength(SLICES);
    frames.forEach((f, k) => expect(Array.from(f.data)).toEqual(sliceOf(s, k)));
    expect(frames[0].spacing).toEqual({ row: 0.9, column: 1.1, unit: 'mm' });
    expect(readDicomHeader(bytes)).toMatchObject({ sopClassUid: ENHANCED_MR_IMAGE_SOP_CLASS, modality: 'MR', bodyPart: 'BRAIN', frames: SLICES });
    const g = readDicomGeometry(bytes);
    const series = writeMrSeries(s, sopUids).map((file) => readDicomGeometry(file).frames[0]);
    expect(g.frames.map((f) => f.position)).toEqual(series.map((f) => f.position));
    expect(g.frames.every((f) => f.orientation?.join() === ORIENTATION.join())).toBe(true);
    expect([g.frameOfReference, g.pixelSpacing, g.sliceThickness]).toEqual([s.frameOfReferenceUid, [0.9, 1.1], 2.5]);
    const volume = seriesGeometry(g.frames.map((f, k) => ({ id: `f${k}`, position: f.position, orientation: f.orientation, rows: ROWS, columns: COLUMNS })).reverse());
    expect(volume).toMatchObject({ ok: true, order: ['f0', 'f1', 'f2', 'f3', 'f4'] });
    const { dataset } = readPart10(bytes, 'enhanced');
    expect(dataset).toMatchObject({ NumberOfFrames: SLICES, DimensionOrganizationType: '3D', InstanceNumber: 1 });
    expect(dataset.DimensionIndexSequence).toMatchObject([
      { DimensionIndexPointer: 0x00209056, FunctionalGroupPointer: 0x00209111 },
      { DimensionIndexPointer: 0x00209057, FunctionalGroupPointer: 0x00209111 },
    ]);
    const perFrame = dataset.PerFrameFunctionalGroupsSequence as Array<{ FrameContentSequence: Array<Record<string, unknown>> }>;
    expect(perFrame[3].FrameContentSequence[0]).toMatchObject({ StackID: '1', InStackPositionNumber: 4, DimensionIndexValues: [1, 4] });
    const shared = (dataset.SharedFunctionalGroupsSequence as Array<Record<string, Array<Record<string, unknown>>>>)[0];
    expect(shared.FrameAnatomySequence[0]).toMatchObject({ FrameLaterality: 'U' });
    expect(shared.MRImageFrameTypeSequence[0]).toMatchObject({ FrameType: ['DERIVED', 'SECONDARY', 'VOLUME', 'NONE'] });
  });
});

/** A NIfTI-1 file of int16 (or float32) voxels, with an sform or a qform when given. */
function makeNifti(dims: [number, number, number], values: ArrayLike<number>, form: { sform?: number[][]; quatern?: number[]; qfac?: number; pixdim?: number[] } = {}, datatype = 4): Uint8Array {
  const bytesPer = datatype === 16 ? 4 : 2;
  const buf = new ArrayBuffer(352 + values.length * bytesPer);
  const v = new DataView(buf);
  v.setInt32(0, 348, true);
  [3, ...dims].forEach((d, i) => v.setInt16(40 + 2 * i, d, true));
  v.setInt16(70, datatype, true);
  v.setInt16(72, bytesPer * 8, true);
  [form.qfac ?? 1, ...(form.pixdim ?? [1, 1, 1])].forEach((p, i) => v.setFloat32(76 + 4 * i, p, true));
  v.setFloat32(108, 352, true);
  v.setUint8(123, 2); // mm
  if (form.quatern) {
    v.setInt16(252, 1, true);
    form.quatern.forEach((q, i) => v.setFloat32(256 + 4 * i, q, true)); // b, c, d, qoffset x, y, z
  }
  if (form.sform) {
    v.setInt16(254, 1, true);
    form.sform.flat().forEach((x, i) => v.setFloat32(280 + 4 * i, x, true));
  }
  new Uint8Array(buf).set([0x6e, 0x2b, 0x31, 0], 344);
  for (let i = 0; i < values.length; i++) {
    if (datatype === 16) v.setFloat32(352 + 4 * i, values[i], true);
    else v.setInt16(352 + 2 * i, values[i], true);
  }
  return new Uint8Array(buf);
}

describe('volumeFromNifti', () => {
  const dims: [number, number, number] = [4, 3, 5];
  const count = dims[0] * dims[1] * dims[2];
  const indexValues = Array.from({ length: count }, (_, i) => i); // each voxel holds its own index
  // A rotation about z by an angle with cos 0.6, sin 0.8; voxel sizes 0.5, 2, 1.5; an offset.
  const sform = [[0.3, -1.6, 0, 10], [0.4, 1.2, 0, -20], [0, 0, 1.5, 30]];

  /** Every DICOM voxel's LPS position, from the VolumeSpec geometry, equals its NIfTI voxel's (read off its value) through the sform. */
  function expectSameWorld(axis: 0 | 1 | 2, matrix: number[][]): void {
    const vol = volumeFromNifti(readNifti(makeNifti(dims, indexValues, { sform: matrix })), { sliceAxis: axis, affine: readNiftiAffine(makeNifti(dims, [], { sform: matrix })) });
    const row = vol.orientation.slice(0, 3);
    const column = vol.orientation.slice(3, 6);
    const n = [row[1] * column[2] - row[2] * column[1], row[2] * column[0] - row[0] * column[2], row[0] * column[1] - row[1] * column[0]];
    let o = 0;
    for (let k = 0; k < vol.slices; k++) {
      for (let r = 0; r < vol.rows; r++) {
        for (let c = 0; c < vol.columns; c++) {
          const index = vol.voxels[o++];
          const ijk = [index % dims[0], Math.floor(index / dims[0]) % dims[1], Math.floor(index / (dims[0] * dims[1]))];
          const ras = matrix.map((m) => m[0] * ijk[0] + m[1] * ijk[1] + m[2] * ijk[2] + m[3]);
          const dicom = [0, 1, 2].map((d) => vol.origin[d] + c * vol.pixelSpacing[1] * row[d] + r * vol.pixelSpacing[0] * column[d] + k * vol.sliceSpacing * n[d]);
          expectClose(dicom, [-ras[0], -ras[1], ras[2]], 5);
        }
      }
    }
  }

  it('maps every voxel to its NIfTI world position (RAS → LPS) for each slice axis, reversing slices that run against the normal', () => {
    for (const axis of [0, 1, 2] as const) expectSameWorld(axis, sform);
    const flipped = sform.map((m) => [m[0], m[1], -m[2], m[3]]); // k runs towards the feet
    expectSameWorld(2, flipped);
    const vol = volumeFromNifti(readNifti(makeNifti(dims, indexValues, { sform })), { affine: { matrix: sform, source: 'sform' } });
    expect([vol.columns, vol.rows, vol.slices, vol.sliceSpacing]).toEqual([4, 3, 5, 1.5]);
    expectClose(vol.pixelSpacing, [2, 0.5]);
    expect(vol.intensity).toEqual({ slope: 1, intercept: 0, scaled: false, nonFinite: 0 });
    const reversed = volumeFromNifti(readNifti(makeNifti(dims, indexValues, { sform: flipped })), { affine: { matrix: flipped, source: 'sform' } });
    expect(reversed.sliceIndices).toEqual([4, 3, 2, 1, 0]);
    // The pixels of a DICOM slice are the engine's slice of the same index.
    const nifti = readNifti(makeNifti(dims, indexValues));
    expect(Array.from(reversed.voxels.subarray(0, 12))).toEqual(Array.from(niftiSlices(nifti, 2, { indices: [4] })[0].data));
  });

  it('reads the qform (quaternion, qfac) and falls back to pixdim', () => {
    // 90° about z: a = d = √½ → x ← −y, y ← x; qfac −1 flips k.
    const h = Math.SQRT1_2;
    const qform = readNiftiAffine(zlib.gzipSync(makeNifti(dims, [], { quatern: [0, 0, h, 1, 2, 3], qfac: -1, pixdim: [0.5, 2, 1.5] })));
    expect(qform.source).toBe('qform');
    const expected = [[0, -2, 0, 1], [0.5, 0, 0, 2], [0, 0, -1.5, 3]];
    qform.matrix.forEach((row, r) => expectClose(row, expected[r], 6));
    expect(readNiftiAffine(makeNifti(dims, [], { pixdim: [0.5, 2, 1.5] }))).toEqual({ matrix: [[0.5, 0, 0, 0], [0, 2, 0, 0], [0, 0, 1.5, 0]], source: 'pixdim' });
    const both = readNiftiAffine(makeNifti(dims, [], { sform, quatern: [0, 0, h, 1, 2, 3] }));
    expect(both.source).toBe('sform'); // sform first, as nibabel
  });

  it('scales non-integer intensities into Int16, keeping zero, and stores NaN as the smallest value', () => {
    const values = Array.from({ length: count }, (_, i) => (i === 7 ? Number.NaN : (i - 20) * 0.37));
    const vol = volumeFromNifti(readNifti(makeNifti(dims, values, {}, 16)));
    expect(vol.intensity).toMatchObject({ scaled: true, intercept: 0, nonFinite: 1 });
    expect(vol.intensity.slope).toBeCloseTo((39 * 0.37) / 32767, 9);
    expect(Math.max(...vol.voxels)).toBe(32767);
    values.forEach((v, i) => {
      if (Number.isFinite(v)) expect(Math.abs(vol.voxels[i] * vol.intensity.slope - v)).toBeLessThanOrEqual(vol.intensity.slope / 2 + 1e-6);
    });
    expect(vol.voxels[7]).toBe(Math.round((-20 * 0.37) / vol.intensity.slope));
  });

  it('refuses sheared slices, non-orthogonal axes and a bad slice axis', () => {
    const nifti = readNifti(makeNifti(dims, indexValues));
    const refused = (matrix: number[][], sliceAxis: 0 | 1 | 2 = 2): string | undefined => {
      try {
        volumeFromNifti(nifti, { sliceAxis, affine: { matrix, source: 'sform' } });
      } catch (e) {
        return `${(e as { code?: string }).code}: ${(e as Error).message}`;
      }
      return undefined;
    };
    expect(refused([[1, 0, 0.5, 0], [0, 1, 0, 0], [0, 0, 1, 0]])).toMatch(/^unsupported-format: .*sheared/);
    expect(refused([[1, 0.5, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]])).toMatch(/^unsupported-format: .*axes 0 and 1 are not orthogonal/);
    expect(refused([[1, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]], 3 as 2)).toMatch(/^invalid-option/);
    expect(refused([[1, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]])).toMatch(/^invalid-option: .*3 rows of 4 finite numbers/);
    expect(() => readNiftiAffine(new Uint8Array(400))).toThrow(/not a NIfTI-1 file/);
  });

  it('converts a NIfTI volume end to end: written as an MR series, read back in order', () => {
    const vol = volumeFromNifti(readNifti(makeNifti(dims, indexValues, { sform })), { sliceAxis: 1, affine: { matrix: sform, source: 'sform' } });
    const files = writeMrSeries(spec({ ...vol }), Array.from({ length: vol.slices }, (_, k) => `${ROOT}.3.${k + 1}`));
    const slices = files.map((f, k) => ({ id: String(k), ...readDicomGeometry(f).frames[0], rows: vol.rows, columns: vol.columns })).reverse();
    const volume = seriesGeometry(slices);
    expect(volume).toMatchObject({ ok: true, order: ['0', '1', '2'] });
    if (volume.ok) expect(volume.spacingMm).toBeCloseTo(2, 5);
  });
});

const ibsr = path.join(__dirname, '../../../../shared/data/ibsr18/IBSR_01/IBSR_01.nii.gz');
const present = fs.existsSync(ibsr);
const maybe = present ? describe : describe.skip;
const why = present ? '' : ' (SKIPPED: ../shared/data/ibsr18/IBSR_01/IBSR_01.nii.gz not present on this clone)';

maybe(`IBSR_01 as DICOM MR${why}`, () => {
  it('slices the 1.5 mm axis (1): 128 coronal slices of 256 × 256 at 0.9375 mm, written as one Enhanced MR', async () => {
    const bytes = fs.readFileSync(ibsr);
    const nifti = readNifti(bytes, { path: ibsr });
    const affine = readNiftiAffine(bytes, { path: ibsr });
    expect(affine.source).toBe('sform');
    const vol = volumeFromNifti(nifti, { sliceAxis: 1, affine });
    expect([vol.columns, vol.rows, vol.slices, vol.sliceSpacing, ...vol.pixelSpacing]).toEqual([256, 256, 128, 1.5, 0.9375, 0.9375]);
    expect(vol.intensity.scaled).toBe(false); // int16 on disk
    expect(vol.orientation).toEqual([-1, 0, 0, 0, 0, 1]);
    expect(vol.sliceIndices[0]).toBe(127); // j runs anterior, against the normal (posterior)
    const [engineSlice] = niftiSlices(nifti, 1, { indices: [vol.sliceIndices[40]] });
    expect(Array.from(vol.voxels.subarray(40 * 256 * 256, 41 * 256 * 256))).toEqual(Array.from(engineSlice.data));
    const file = writeEnhancedMr(spec({ ...vol, studyDescription: 'IBSR_01', anatomicRegion: { value: '12738006', scheme: 'SCT', meaning: 'Brain' } }), `${ROOT}.4.1`);
    const g = readDicomGeometry(file);
    const volume = seriesGeometry(g.frames.map((f, k) => ({ id: String(k), position: f.position, orientation: f.orientation, rows: 256, columns: 256 })));
    expect(volume).toMatchObject({ ok: true, spacingMm: 1.5, uniform: true });
    const frames = await readDicom(file);
    expect(Array.from(frames[40].data)).toEqual(Array.from(engineSlice.data));
  }, 60000);
});
