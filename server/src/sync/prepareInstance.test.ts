/**
 * The cases the sync makes of an instance: one per frame of a multi-frame volume (an Enhanced MR),
 * each from its own frame with its own geometry; one for a single-frame image and one (its first
 * frame) for a multi-frame instance without per-frame positions.
 */
import { readDicom, resizeBilinear, toGrayscale } from '@scanselect/plugin';
import { makeInstance } from '../../../test/harness/dicomFixtures';
import { writeEnhancedMr } from '../dicom';
import { prepareInstance, type PreparedInstance } from './prepareInstance';

const ROOT = '1.2.826.0.1.3680043.10.1341.77';
const [COLUMNS, ROWS, SLICES] = [12, 10, 4];

function enhanced(): Uint8Array {
  return writeEnhancedMr({
    studyUid: `${ROOT}.1`, seriesUid: `${ROOT}.1.1`, frameOfReferenceUid: `${ROOT}.1.9`, patientId: 'P', patientName: 'P^Q', studyDate: '20260101', studyDescription: 'MR',
    columns: COLUMNS, rows: ROWS, slices: SLICES, voxels: Int16Array.from({ length: COLUMNS * ROWS * SLICES }, (_, i) => (i % 97) * 11 + Math.floor(i / (COLUMNS * ROWS)) * 300),
    orientation: [1, 0, 0, 0, 1, 0], origin: [0, 0, 0], pixelSpacing: [1, 1], sliceSpacing: 3,
  }, `${ROOT}.1.1.1`);
}

async function prepared(bytes: Uint8Array): Promise<PreparedInstance> {
  const result = await prepareInstance(bytes, 'test', 8);
  if (!('kind' in result)) throw new Error(result.error);
  return result;
}

describe('prepareInstance', () => {
  it('makes one case per frame of an Enhanced MR volume, each from its own frame, with that frame\'s position', async () => {
    const bytes = enhanced();
    const result = await prepared(bytes);
    expect(result.cases.map((c) => c.frame)).toEqual([1, 2, 3, 4]);
    const frames = await readDicom(bytes);
    for (const [k, c] of result.cases.entries()) {
      expect(Array.from(c.input.data)).toEqual(Array.from(resizeBilinear(toGrayscale(frames[k]!), { width: 8, height: 8 }).data));
      const geometry = JSON.parse(c.geometry!) as { frames: Array<{ position: number[] }> };
      expect(geometry.frames).toHaveLength(1);
      expect(geometry.frames[0]!.position[2]).toBeCloseTo(3 * k, 3);
    }
    expect(new Set(result.cases.map((c) => Buffer.from(c.thumbnail).toString('base64'))).size).toBe(SLICES);
  });

  it('makes one case of a single-frame image and of a multi-frame instance without per-frame positions (its first frame)', async () => {
    expect((await prepared(makeInstance({ studyUid: `${ROOT}.2`, seriesUid: `${ROOT}.2.1`, sopUid: `${ROOT}.2.1.1` }))).cases.map((c) => c.frame)).toEqual([null]);
    const legacy = makeInstance({ studyUid: `${ROOT}.3`, seriesUid: `${ROOT}.3.1`, sopUid: `${ROOT}.3.1.1`, frames: 3 });
    const result = await prepared(legacy);
    expect(result.cases.map((c) => c.frame)).toEqual([null]);
    const [first] = await readDicom(legacy);
    expect(Array.from(result.cases[0]!.input.data)).toEqual(Array.from(resizeBilinear(toGrayscale(first!), { width: 8, height: 8 }).data));
  });
});
