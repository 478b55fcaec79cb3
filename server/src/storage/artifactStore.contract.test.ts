import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PostgresProcess, postgresUnavailable } from '../../../test/harness/postgres';
import { migrateSql } from '../db/migrateSql';
import { PostgresClient } from '../db/postgresClient';
import { MIGRATIONS } from '../db/schema';
import { ArtifactNotFoundError, InvalidArtifactKeyError, type ArtifactStore } from './artifactStore';
import { FileArtifactStore } from './fileArtifactStore';
import { PostgresArtifactStore } from './postgresArtifactStore';

/**
 * A fresh, empty place an implementation keeps its artefacts in (a temporary directory, a new
 * database or bucket prefix), and what the contract needs to do to it.
 */
export interface ArtifactStoreBacking {
  /** A new store on this backing, as another process or replica would open it. */
  open(): ArtifactStore;
  /** Makes the next put fail after part of its bytes went out, as an I/O error or a crash would. */
  failNextPut(): void;
  tearDown(): Promise<void>;
}

/** A temporary data directory; a put fails when flushing its file (the bytes are written, not yet renamed). */
async function fileBacking(): Promise<ArtifactStoreBacking> {
  const root = await fs.mkdtemp(path.join(os.tmpdir(), 'scanselect-artifacts-'));
  const probe = await fs.open(path.join(root, 'probe'), 'w');
  const fileHandle = Object.getPrototypeOf(probe) as { sync(): Promise<void> };
  await probe.close();
  await fs.rm(path.join(root, 'probe'));
  const spies: jest.SpyInstance[] = [];
  return {
    open: () => new FileArtifactStore(root),
    failNextPut: () => {
      spies.push(jest.spyOn(fileHandle, 'sync').mockRejectedValueOnce(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' })));
    },
    tearDown: async () => {
      spies.forEach((s) => s.mockRestore());
      await fs.rm(root, { recursive: true, force: true });
    },
  };
}

/** One PostgreSQL cluster for the whole file, started by the first backing that needs it. */
let cluster: Promise<PostgresProcess> | null = null;
afterAll(async () => {
  if (cluster) await (await cluster).dispose();
});
let databases = 0;

/**
 * A new database of that cluster, migrated. A put fails after the statement that carries its bytes
 * has written them, before the commit (as a connection or server lost at that moment would): that
 * statement runs in a transaction which is then rolled back.
 */
async function postgresBacking(): Promise<ArtifactStoreBacking> {
  const pg = await (cluster ??= PostgresProcess.start());
  const name = `artifacts_${process.pid}_${++databases}`;
  const url = new URL(pg.url);
  url.pathname = `/${name}`;
  const admin = new PostgresClient({ connectionString: pg.url, max: 1 });
  // A linguistic collation where the server has one (PostgreSQL ≥ 15 with ICU), as production
  // databases often do: listing must still sort by code point.
  await admin.exec(`CREATE DATABASE ${name} TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE 'en-US'`).catch(() => admin.exec(`CREATE DATABASE ${name}`));
  const clients = [new PostgresClient({ connectionString: url.href })];
  await migrateSql(clients[0]!, MIGRATIONS);
  let failures = 0;
  const run = PostgresClient.prototype.run;
  const spy = jest.spyOn(PostgresClient.prototype, 'run').mockImplementation(function (this: PostgresClient, sql, params = {}) {
    if (failures === 0 || !Object.values(params).some((v) => v instanceof Uint8Array)) return run.call(this, sql, params);
    failures--;
    return this.transaction(async (tx) => {
      await tx.run(sql, params);
      throw new Error('simulated: connection lost before COMMIT');
    });
  });
  return {
    open: () => {
      const client = new PostgresClient({ connectionString: url.href });
      clients.push(client);
      return new PostgresArtifactStore(client);
    },
    failNextPut: () => void failures++,
    tearDown: async () => {
      spy.mockRestore();
      await Promise.all(clients.map((c) => c.close()));
      await admin.exec(`DROP DATABASE ${name}`);
      await admin.close();
    },
  };
}

/**
 * Every implementation of {@link ArtifactStore}, and why it cannot run here (null when it can): a
 * new one is added here by one line.
 */
const IMPLEMENTATIONS: ReadonlyArray<[string, () => Promise<ArtifactStoreBacking>, string | null]> = [
  ['FileArtifactStore', fileBacking, null],
  ['PostgresArtifactStore', postgresBacking, postgresUnavailable()],
];

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const BAD_KEYS = ['', '/etc/passwd', '../outside', 'masks/../../outside', 'masks/./1', 'masks\\1\\a.png', 'masks//a.png', 'masks/', 'a b.png', 'maske/ü.png', 'masks/~1.tmp', '..', '.'];

for (const [name, setUp, why] of IMPLEMENTATIONS) {
  if (why) process.stderr.write(`skipping the ArtifactStore contract on ${name}: ${why}\n`);
  (why ? describe.skip : describe)(`ArtifactStore contract: ${name}`, () => contract(setUp));
}

function contract(setUp: () => Promise<ArtifactStoreBacking>): void {
  let backing: ArtifactStoreBacking;
  let store: ArtifactStore;
  beforeEach(async () => {
    backing = await setUp();
    store = backing.open();
  }, 120_000); // the first PostgreSQL backing starts its cluster
  afterEach(async () => backing.tearDown());

  it('gives back what was put, byte for byte, also to a store opened afterwards on the same backing', async () => {
    const binary = randomBytes(70_000);
    await store.put('rounds/1/2/model/weights.bin', binary);
    await store.put('masks/1/1.2.3.a.png', text('mask'));
    await store.put('masks/1/empty.png', new Uint8Array(0));
    const other = backing.open();
    expect(Buffer.compare(await other.get('rounds/1/2/model/weights.bin'), binary)).toBe(0);
    expect((await other.get('masks/1/1.2.3.a.png')).toString()).toBe('mask');
    expect((await other.get('masks/1/empty.png')).byteLength).toBe(0);
    expect(Buffer.isBuffer(await other.get('masks/1/empty.png'))).toBe(true);
  });

  it('replaces a value, says what exists, deletes, and names the key it does not have', async () => {
    await store.put('masks/1/a.png', text('first'));
    await store.put('masks/1/a.png', text('second'));
    expect((await store.get('masks/1/a.png')).toString()).toBe('second');
    expect(await store.exists('masks/1/a.png')).toBe(true);
    expect(await store.exists('masks/1/b.png')).toBe(false);
    expect(await store.exists('masks/1')).toBe(false); // a folder is not a key
    await store.delete('masks/1/a.png');
    await store.delete('masks/1/a.png'); // already gone: no error
    expect(await store.exists('masks/1/a.png')).toBe(false);
    const missing = await store.get('masks/1/a.png').catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ArtifactNotFoundError);
    expect(missing).toMatchObject({ key: 'masks/1/a.png' });
    await expect(store.get('rounds/9/9/entropy/1.f32')).rejects.toBeInstanceOf(ArtifactNotFoundError);
  });

  it('lists the keys below a folder, sorted, and nothing beside it', async () => {
    for (const key of ['masks/1/b.png', 'masks/1/a.png', 'masks/1/C.png', 'masks/1/x/deep.png', 'masks/10/c.png', 'masks/1.png', 'masks/1_2/a.png', 'masks/1x2/a.png']) await store.put(key, text(key));
    // By code point, as Array.prototype.sort: upper case before lower, "." before "/" before digits before "_".
    expect(await store.list('masks/1')).toEqual(['masks/1/C.png', 'masks/1/a.png', 'masks/1/b.png', 'masks/1/x/deep.png']);
    expect(await store.list('masks')).toEqual(['masks/1.png', 'masks/1/C.png', 'masks/1/a.png', 'masks/1/b.png', 'masks/1/x/deep.png', 'masks/10/c.png', 'masks/1_2/a.png', 'masks/1x2/a.png']);
    expect(await store.list('masks/1_2')).toEqual(['masks/1_2/a.png']); // "_" is no wildcard
    expect(await store.list('rounds/1')).toEqual([]);
    expect(await store.list('masks/1/a.png')).toEqual([]); // a key is not a folder
  });

  it('leaves nothing of a failed put: a new key stays absent, an existing one keeps its value', async () => {
    await store.put('masks/1/kept.png', text('accepted'));
    backing.failNextPut();
    await expect(store.put('masks/1/kept.png', randomBytes(100_000))).rejects.toThrow();
    backing.failNextPut();
    await expect(store.put('masks/2/new.png', randomBytes(100_000))).rejects.toThrow();
    const other = backing.open();
    expect((await other.get('masks/1/kept.png')).toString()).toBe('accepted');
    expect(await other.exists('masks/2/new.png')).toBe(false);
    expect(await other.list('masks')).toEqual(['masks/1/kept.png']);
    await other.put('masks/2/new.png', text('again')); // the failure left nothing in the way
    expect((await store.get('masks/2/new.png')).toString()).toBe('again');
  });

  it('keeps every one of many concurrent puts of different keys, and one whole value of a key put concurrently', async () => {
    const keys = Array.from({ length: 40 }, (_, i) => `rounds/3/${i % 4}/entropy/1.2.${i}.f32`);
    const values = keys.map(() => randomBytes(4096));
    await Promise.all(keys.map((key, i) => store.put(key, values[i]!)));
    expect(await backing.open().list('rounds/3')).toEqual([...keys].sort());
    for (const [i, key] of keys.entries()) expect(Buffer.compare(await store.get(key), values[i]!)).toBe(0);

    const candidates = Array.from({ length: 8 }, () => randomBytes(50_000));
    await Promise.all(candidates.map((bytes) => store.put('masks/1/contested.png', bytes)));
    const final = await store.get('masks/1/contested.png');
    expect(candidates.some((c) => Buffer.compare(c, final) === 0)).toBe(true);
    expect(await store.list('masks/1')).toEqual(['masks/1/contested.png']);
  });

  it.each(BAD_KEYS)('refuses the key %j in every operation and stores nothing', async (key) => {
    await expect(store.put(key, text('x'))).rejects.toBeInstanceOf(InvalidArtifactKeyError);
    await expect(store.get(key)).rejects.toBeInstanceOf(InvalidArtifactKeyError);
    await expect(store.exists(key)).rejects.toBeInstanceOf(InvalidArtifactKeyError);
    await expect(store.delete(key)).rejects.toBeInstanceOf(InvalidArtifactKeyError);
    await expect(store.list(key)).rejects.toBeInstanceOf(InvalidArtifactKeyError);
    await store.put('masks/probe.png', text('probe'));
    expect(await store.list('masks')).toEqual(['masks/probe.png']);
  });
}
