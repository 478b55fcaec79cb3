/**
 * CT/MR volumes for the tests, as DICOM series the server's writers make: a run of slices of an
 * IBSR18 brain volume (../shared/data/ibsr18, NIfTI → DICOM MR by volumeFromNifti, with its label
 * map per slice), or — where the shared data are absent — a synthetic head of nested ellipsoids
 * with the same kind of labels, so that the tests run everywhere and use real data where present.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { labelMapsFromNifti, readNifti } from '@scanselect/plugin';
import { derivedUid } from '../../server/src/demo/phantomDataset';
import { readNiftiAffine, volumeFromNifti, type VolumeSpec } from '../../server/src/dicom';

export const IBSR_DIR = path.join(__dirname, '..', '..', '..', 'shared', 'data', 'ibsr18');

/** A volume to store, the SOP Instance UID of each slice (in order along the normal) and each slice's label map. */
export interface VolumeFixture {
  readonly spec: VolumeSpec;
  readonly sopUids: readonly string[];
  readonly labels: readonly Uint8Array[];
  /** Where the pixels came from, for messages. */
  readonly origin: string;
}

/** `count` consecutive slices from the middle of IBSR subject `subject` (along its 1.5 mm axis), or a synthetic head. */
export function brainVolume(name: string, subject: string, count: number): VolumeFixture {
  const file = path.join(IBSR_DIR, subject, `${subject}.nii.gz`);
  const ids = identifiers(name);
  if (!existsSync(file)) return syntheticHead(name, ids, count);
  const bytes = new Uint8Array(readFileSync(file));
  const volume = volumeFromNifti(readNifti(bytes, { path: subject }), { sliceAxis: 1, affine: readNiftiAffine(bytes, { path: subject }) });
  const seg = labelMapsFromNifti(readNifti(new Uint8Array(readFileSync(path.join(IBSR_DIR, subject, `${subject}_seg.nii.gz`))), { path: `${subject}_seg` }), 1);
  const first = Math.floor((volume.slices - count) / 2);
  const plane = volume.rows * volume.columns;
  const normal = cross(volume.orientation);
  const origin = [0, 1, 2].map((a) => volume.origin[a]! + first * volume.sliceSpacing * normal[a]!) as [number, number, number];
  const spec: VolumeSpec = {
    ...ids.spec, columns: volume.columns, rows: volume.rows, slices: count, voxels: volume.voxels.slice(first * plane, (first + count) * plane),
    orientation: volume.orientation, origin, pixelSpacing: volume.pixelSpacing, sliceSpacing: volume.sliceSpacing,
  };
  const labels = Array.from({ length: count }, (_, k) => seg[volume.sliceIndices[first + k]!]!.labels);
  return { spec, sopUids: sopUidsOf(name, count), labels, origin: `${subject} slices ${first}–${first + count - 1} of ${volume.slices}` };
}

function identifiers(name: string): { spec: Omit<VolumeSpec, 'columns' | 'rows' | 'slices' | 'voxels' | 'orientation' | 'origin' | 'pixelSpacing' | 'sliceSpacing'> } {
  return {
    spec: {
      studyUid: derivedUid(`${name}/study`), seriesUid: derivedUid(`${name}/series`), frameOfReferenceUid: derivedUid(`${name}/frame-of-reference`),
      patientId: `VOLUME-${name}`, patientName: `Volume^${name}`, studyDate: '20260101', studyDescription: 'Brain MR', modality: 'MR', bodyPart: 'BRAIN',
    },
  };
}

/** Hashed UIDs: their order says nothing about the slice order (as in a real PACS). */
function sopUidsOf(name: string, count: number): string[] {
  return Array.from({ length: count }, (_, k) => derivedUid(`${name}/slice/${k}`));
}

/** 64 × 64 axial slices 3 mm apart of nested ellipsoids: CSF 1, grey 2, white 3, in a slightly oblique plane. */
function syntheticHead(name: string, ids: ReturnType<typeof identifiers>, count: number): VolumeFixture {
  const size = 64;
  const voxels = new Int16Array(count * size * size);
  const labels: Uint8Array[] = [];
  for (let k = 0; k < count; k++) {
    const label = new Uint8Array(size * size);
    const z = (k - count / 2) / count;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const r = Math.hypot((x - 32) / 26, (y - 32) / 22, z);
        const v = r < 0.55 ? 3 : r < 0.8 ? 2 : r < 0.95 ? 1 : 0;
        label[y * size + x] = v;
        voxels[(k * size + y) * size + x] = [40, 300, 600, 900][v]! + ((x * 7 + y * 3 + k) % 23);
      }
    }
    labels.push(label);
  }
  const c = Math.cos(0.1);
  const s = Math.sin(0.1);
  const spec: VolumeSpec = {
    ...ids.spec, columns: size, rows: size, slices: count, voxels, orientation: [1, 0, 0, 0, c, -s],
    origin: [-94, -90, 20], pixelSpacing: [1.5, 1.5], sliceSpacing: 3,
  };
  return { spec, sopUids: sopUidsOf(name, count), labels, origin: 'a synthetic head (../shared/data/ibsr18 is absent)' };
}

function cross(o: readonly number[]): [number, number, number] {
  return [o[1]! * o[5]! - o[2]! * o[4]!, o[2]! * o[3]! - o[0]! * o[5]!, o[0]! * o[4]! - o[1]! * o[3]!];
}
