/**
 * The local-folder source: recursive, filtered, corrupt and duplicate files reported and left out;
 * retrieval by the stored location without listing first (as after a restart), only inside the
 * folder and only of the right instance, with a re-scan when files moved.
 */
import { mkdirSync, mkdtempSync, promises as fsp, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readDicom, readDicomHeader } from '@scanselect/plugin';
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
    expect(listed.map((i) => i.location)).toEqual([path.join('a', 'deep', 'copy.dcm'), path.join('a', 'one.dcm')]);
    const [image] = await readDicom(await source.retrieve(listed[0]!));
    expect(image!.width).toBe(32);
    await expect(source.retrieve({ studyUid: '1', seriesUid: '1', sopUid: '9.9' })).rejects.toThrow(/not in folder .*no location was stored/);
  });
});

describe('FolderSource after a restart (nothing listed in this process)', () => {
  const s = '1.2.826.0.1.3680043.10.1341.31';
  const ref = (n: number, location?: string) => ({ studyUid: `${s}.${n}`, seriesUid: `${s}.${n}.1`, sopUid: `${s}.${n}.1.1`, ...(location !== undefined && { location }) });
  let root: string;
  let outside: string;
  beforeEach(() => {
    outside = mkdtempSync(path.join(os.tmpdir(), 'scanselect-outside-'));
    root = path.join(outside, 'root');
    mkdirSync(path.join(root, 'x'), { recursive: true });
    for (const n of [1, 2, 3]) writeFileSync(path.join(root, 'x', `${n}.dcm`), makeInstance(ref(n)));
    writeFileSync(path.join(outside, 'secret.dcm'), makeInstance(ref(9)));
  });
  afterEach(() => rmSync(outside, { recursive: true, force: true }));

  async function readsDuring<T>(action: () => Promise<T>): Promise<{ result: T | Error; files: string[] }> {
    const spy = jest.spyOn(fsp, 'readFile');
    try {
      const result = await action().catch((error: Error) => error);
      return { result, files: spy.mock.calls.map(([file]) => path.relative(outside, String(file))) };
    } finally {
      spy.mockRestore();
    }
  }

  it('reads the stored location, and only that file', async () => {
    const { result, files } = await readsDuring(() => new FolderSource(root).retrieve(ref(2, path.join('x', '2.dcm'))));
    expect(readDicomHeader(result as Uint8Array).sopUid).toBe(ref(2).sopUid);
    expect(files).toEqual([path.join('root', 'x', '2.dcm')]);
  });

  it('finds a moved file by searching the folder, and never returns another instance', async () => {
    renameSync(path.join(root, 'x', '2.dcm'), path.join(root, 'moved.dcm'));
    renameSync(path.join(root, 'x', '3.dcm'), path.join(root, 'x', '2.dcm')); // the old location now holds another instance
    const source = new FolderSource(root);
    expect(readDicomHeader(await source.retrieve(ref(2, path.join('x', '2.dcm')))).sopUid).toBe(ref(2).sopUid);
    expect(readDicomHeader(await source.retrieve(ref(3, path.join('x', '3.dcm')))).sopUid).toBe(ref(3).sopUid);
    await expect(source.retrieve(ref(4, path.join('x', '4.dcm')))).rejects.toThrow(/instance .*\.4\.1\.1 is not in folder .*"x\/4\.dcm" is missing .*sync the project again/);
  });

  it('refuses locations outside the folder: "..", absolute paths and symbolic links out of it', async () => {
    symlinkSync(path.join(outside, 'secret.dcm'), path.join(root, 'link.dcm'));
    for (const location of [path.join('..', 'secret.dcm'), path.join(outside, 'secret.dcm'), 'link.dcm', path.join('x', '..', '..', 'secret.dcm')]) {
      const { result, files } = await readsDuring(() => new FolderSource(root, { minRescanMs: 0 }).retrieve(ref(9, location)));
      expect([location, (result as Error).message]).toEqual([location, expect.stringMatching(/is not in folder .*not a file inside the folder/)]);
      expect(files).not.toContain('secret.dcm');
    }
  });
});
