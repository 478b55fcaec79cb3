import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { FileArtifactStore } from './fileArtifactStore';

/** What the file store does on disk (the behaviour every store shares is artifactStore.contract.test.ts). */
let root: string;
beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'scanselect-file-store-'));
});
afterEach(async () => {
  jest.restoreAllMocks();
  await fs.rm(root, { recursive: true, force: true });
});

type Handle = Awaited<ReturnType<typeof fs.open>>;

describe('FileArtifactStore', () => {
  it('keeps a key at that relative path under the data directory, as releases before the store did', async () => {
    await fs.mkdir(path.join(root, 'masks', '1'), { recursive: true });
    await fs.writeFile(path.join(root, 'masks', '1', '1.2.3.old.png'), 'written by an older release');
    const store = new FileArtifactStore(root);
    expect((await store.get('masks/1/1.2.3.old.png')).toString()).toBe('written by an older release');
    await store.put('rounds/1/2/model/model.json', new TextEncoder().encode('{}'));
    expect(await fs.readFile(path.join(root, 'rounds', '1', '2', 'model', 'model.json'), 'utf8')).toBe('{}');
  });

  it('flushes the file before renaming it into place, then the directories whose entries changed', async () => {
    await fs.mkdir(path.join(root, 'rounds'));
    const events: string[] = [];
    const opened = new Map<Handle, string>();
    const open = fs.open.bind(fs);
    jest.spyOn(fs, 'open').mockImplementation(async (file, flags) => {
      const handle = await open(file, flags);
      opened.set(handle, path.relative(root, String(file)) || '.');
      return handle;
    });
    const probe = await open(path.join(root, 'rounds'), 'r');
    const prototype = Object.getPrototypeOf(probe) as { sync(): Promise<void> };
    await probe.close();
    const sync = prototype.sync;
    jest.spyOn(prototype, 'sync').mockImplementation(async function (this: Handle) {
      events.push(`sync ${(opened.get(this) ?? '?').replace(/~.*\.tmp$/, '~temp')}`);
      return sync.call(this);
    });
    const rename = fs.rename.bind(fs);
    jest.spyOn(fs, 'rename').mockImplementation(async (from, to) => {
      events.push(`rename ${path.basename(String(from)).replace(/~.*\.tmp$/, '~temp')} → ${path.relative(root, String(to))}`);
      return rename(from, to);
    });

    await new FileArtifactStore(root).put('rounds/1/2/entropy/1.2.3.f32', new Uint8Array(64));
    // rounds/1 and rounds/1/2 and …/entropy were created: the entries naming them are flushed too.
    expect(events).toEqual([
      'sync rounds/1/2/entropy/~temp',
      'rename ~temp → rounds/1/2/entropy/1.2.3.f32',
      'sync rounds/1/2/entropy',
      'sync rounds/1/2',
      'sync rounds/1',
      'sync rounds',
    ]);
  });

  it('leaves no temporary file behind when a put fails, and never lists one a crash left', async () => {
    const store = new FileArtifactStore(root);
    await store.put('masks/1/a.png', new Uint8Array([1]));
    jest.spyOn(fs, 'rename').mockRejectedValueOnce(Object.assign(new Error('ENOSPC'), { code: 'ENOSPC' }));
    await expect(store.put('masks/1/b.png', new Uint8Array(1000))).rejects.toThrow('ENOSPC');
    expect(await fs.readdir(path.join(root, 'masks', '1'))).toEqual(['a.png']);

    await fs.writeFile(path.join(root, 'masks', '1', '~0d9f.tmp'), 'half of a put a power cut stopped');
    expect(await store.list('masks')).toEqual(['masks/1/a.png']);
  });
});
