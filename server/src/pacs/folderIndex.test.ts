import { mkdirSync, mkdtempSync, promises as fsp, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FolderIndex } from './folderIndex';

/** Files hold "uid:<sop>"; anything else is not an instance. Counts how many files were parsed (read). */
function textIndex(root: string, now: () => number) {
  const parsed: string[] = [];
  const index = new FolderIndex(root, (bytes, location) => {
    parsed.push(location);
    const m = /^uid:(\S+)$/.exec(Buffer.from(bytes).toString('utf8'));
    return m ? { sopUid: m[1]! } : null;
  }, { minRescanMs: 5000, now });
  return { index, parsed };
}

describe('FolderIndex', () => {
  let root: string;
  let clock: number;
  beforeEach(() => {
    root = mkdtempSync(path.join(os.tmpdir(), 'scanselect-index-'));
    mkdirSync(path.join(root, 'sub'));
    writeFileSync(path.join(root, 'a.dcm'), 'uid:1');
    writeFileSync(path.join(root, 'sub', 'b.dcm'), 'uid:2');
    writeFileSync(path.join(root, 'sub', 'copy.dcm'), 'uid:1');
    writeFileSync(path.join(root, 'notes.txt'), 'hello');
    clock = 1_000_000;
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('indexes in walk order, leaves out duplicates and what is not an instance', async () => {
    const { index } = textIndex(root, () => clock);
    expect((await index.all()).map((e) => [e.location, e.value.sopUid])).toEqual([['a.dcm', '1'], [path.join('sub', 'b.dcm'), '2']]);
    expect((await index.find('2'))?.file).toBe(path.join(root, 'sub', 'b.dcm'));
  });

  it('re-scans on a miss at most once per interval, reading only new and changed files', async () => {
    const { index, parsed } = textIndex(root, () => clock);
    await index.all();
    expect(parsed).toHaveLength(4);
    for (let i = 0; i < 100; i++) expect(await index.find(`unknown.${i}`)).toBeNull();
    expect(parsed).toHaveLength(4);
    writeFileSync(path.join(root, 'c.dcm'), 'uid:3');
    expect(await index.find('3')).toBeNull(); // within the interval: no scan yet
    clock += 5000;
    expect((await index.find('3'))?.location).toBe('c.dcm');
    expect(parsed.slice(4)).toEqual(['c.dcm']);
    writeFileSync(path.join(root, 'notes.txt'), 'uid:4 changed'); // another size: read again
    clock += 5000;
    expect(await index.find('5')).toBeNull();
    expect(parsed.slice(5)).toEqual(['notes.txt']);
  });

  it('coalesces the re-scans of concurrent misses into one', async () => {
    const { index } = textIndex(root, () => clock);
    await index.all();
    clock += 5000;
    const readdir = jest.spyOn(fsp, 'readdir');
    try {
      expect(await Promise.all(Array.from({ length: 20 }, (_v, i) => index.find(`unknown.${i}`)))).toEqual(Array(20).fill(null));
      expect(readdir.mock.calls.map(([dir]) => path.relative(root, String(dir)))).toEqual(['', 'sub']); // one walk
    } finally {
      readdir.mockRestore();
    }
  });

  it('does not count a failed scan: the next lookup tries again', async () => {
    const missing = path.join(root, 'later');
    const { index } = textIndex(missing, () => clock);
    await expect(index.find('1')).rejects.toThrow(/ENOENT/);
    mkdirSync(missing);
    writeFileSync(path.join(missing, 'x.dcm'), 'uid:9');
    expect((await index.find('9'))?.location).toBe('x.dcm');
  });
});
