/** The local-folder source: recursive, filtered, corrupt and duplicate files reported and left out. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readDicom } from '@scanselect/plugin';
import { FolderSource } from '../server/src/pacs/folderSource';
import type { SkippedInstance } from '../server/src/pacs/source';
import { makeInstance } from './harness/dicomFixtures';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'scanselect-folder-'));
  mkdirSync(path.join(dir, 'a', 'deep'), { recursive: true });
  const s = '1.2.826.0.1.3680043.10.1341.30';
  writeFileSync(path.join(dir, 'a', 'one.dcm'), makeInstance({ studyUid: `${s}.1`, seriesUid: `${s}.1.1`, sopUid: `${s}.1.1.1`, modality: 'CR', bodyPart: 'CHEST', studyDate: '20260105', studyDescription: 'Chest PA' }));
  writeFileSync(path.join(dir, 'a', 'deep', 'two'), makeInstance({ studyUid: `${s}.2`, seriesUid: `${s}.2.1`, sopUid: `${s}.2.1.1`, modality: 'MR', bodyPart: 'HEAD', studyDate: '20240105', pixel: (x) => 7 * x }));
  writeFileSync(path.join(dir, 'a', 'deep', 'copy.dcm'), makeInstance({ studyUid: `${s}.2`, seriesUid: `${s}.2.1`, sopUid: `${s}.2.1.1` }));
  writeFileSync(path.join(dir, 'notes.txt'), 'not DICOM');
  const truncated = makeInstance({ studyUid: `${s}.3`, seriesUid: `${s}.3.1`, sopUid: `${s}.3.1.1` });
  writeFileSync(path.join(dir, 'broken.dcm'), truncated.subarray(0, 200));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function collect(source: FolderSource, filters = {}): Promise<{ sops: string[]; skipped: SkippedInstance[] }> {
  const sops: string[] = [];
  const skipped: SkippedInstance[] = [];
  for await (const i of source.list(filters, (s) => skipped.push(s))) sops.push(i.sopUid.split('.').slice(-3).join('.'));
  return { sops, skipped };
}

describe('FolderSource', () => {
  it('lists DICOM files recursively and reports what it leaves out', async () => {
    const { sops, skipped } = await collect(new FolderSource(dir));
    expect(sops).toEqual(['2.1.1', '1.1.1']); // depth first in name order: a/deep/copy.dcm, a/deep/two, a/one.dcm
    expect(skipped.map((s) => s.location).sort()).toEqual(['a/deep/two', 'broken.dcm', 'notes.txt'].sort());
    expect(skipped.find((s) => s.location === 'notes.txt')!.reason).toMatch(/not a DICOM Part 10 file/);
    expect(skipped.find((s) => s.location === 'broken.dcm')!.reason).toMatch(/broken.dcm/);
    expect(skipped.find((s) => s.location === 'a/deep/two')!.reason).toMatch(/duplicate of instance/);
  });

  it('applies the project filters', async () => {
    const source = new FolderSource(dir);
    expect((await collect(source, { modality: 'cr' })).sops).toEqual(['1.1.1']);
    expect((await collect(source, { bodyPart: 'HEAD' })).sops).toEqual([]); // the HEAD file (two) is the duplicate left out
    expect((await collect(source, { dateFrom: '20260102' })).sops).toEqual(['1.1.1']);
    expect((await collect(source, { dateTo: '20260101' })).sops).toEqual(['2.1.1']);
    expect((await collect(source, { studyDescription: 'chest*' })).sops).toEqual(['1.1.1']);
  });

  it('retrieves a listed instance', async () => {
    const source = new FolderSource(dir);
    const listed = [];
    for await (const i of source.list({})) listed.push(i);
    const [image] = await readDicom(await source.retrieve(listed[0]!));
    expect(image!.width).toBe(32);
    await expect(source.retrieve({ studyUid: '1', seriesUid: '1', sopUid: '9.9' })).rejects.toThrow(/not in folder/);
  });
});
