import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { chestPhantomSet, writeGrayPng } from '@scanselect/plugin';
import { writeSecondaryCapture } from '../dicom';

/** One written phantom: its DICOM file, its identifiers and its ground-truth label map. */
export interface PhantomCase {
  readonly id: string;
  readonly file: string;
  readonly truthFile: string;
  readonly studyUid: string;
  readonly seriesUid: string;
  readonly sopUid: string;
  readonly patientId: string;
  readonly group: string;
}

/** A UID in the 2.25 form, derived from a name (stable across runs). */
export function derivedUid(name: string): string {
  const digest = createHash('sha256').update(name).digest();
  return `2.25.${BigInt(`0x${digest.subarray(0, 16).toString('hex')}`).toString()}`;
}

/**
 * Writes `count` chest-radiograph phantoms as DICOM Secondary Capture files (12-bit MONOCHROME2,
 * one synthetic patient and study each, marked synthetic) under `<dir>/dicom`, and their lung
 * label maps (0 background, 1 right lung, 2 left lung) under `<dir>/truth` — the ground truth a
 * simulated annotator submits. The same seed gives the same files and UIDs; existing files are kept.
 */
export async function writePhantomDataset(dir: string, count: number, seed: number, size: number): Promise<PhantomCase[]> {
  await fs.mkdir(path.join(dir, 'dicom'), { recursive: true });
  await fs.mkdir(path.join(dir, 'truth'), { recursive: true });
  const cases: PhantomCase[] = [];
  for (const phantom of chestPhantomSet(count, seed, size)) {
    const name = `scanselect-phantom/${seed}/${size}/${phantom.id}`;
    const item: PhantomCase = {
      id: phantom.id,
      file: path.join(dir, 'dicom', `${phantom.id}.dcm`),
      truthFile: path.join(dir, 'truth', `${phantom.id}.png`),
      studyUid: derivedUid(`${name}/study`),
      seriesUid: derivedUid(`${name}/series`),
      sopUid: derivedUid(`${name}/instance`),
      patientId: `PHANTOM-${phantom.id.slice(-4)}`,
      group: phantom.meta.group,
    };
    const exists = await fs.stat(item.file).then(() => true, () => false);
    if (!exists) {
      await fs.writeFile(item.file, writeSecondaryCapture({
        studyUid: item.studyUid, seriesUid: item.seriesUid, sopUid: item.sopUid, patientId: item.patientId, patientName: 'Phantom^Chest',
        modality: 'DX', bodyPart: 'CHEST', studyDate: '20260101', studyDescription: 'Chest PA (synthetic phantom)', rows: size, columns: size,
        pixels: phantom.pixels, bitsStored: 12, createdAt: new Date(Date.UTC(2026, 0, 1)),
      }));
      await fs.writeFile(item.truthFile, writeGrayPng(phantom.mask, size, size));
    }
    cases.push(item);
  }
  return cases;
}
