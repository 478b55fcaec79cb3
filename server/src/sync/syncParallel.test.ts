/**
 * A sync decoding and embedding in worker threads stores exactly what the single-thread sync
 * stores — embeddings and thumbnails bit for bit, the same failures with the same reasons — for
 * 16-bit, MONOCHROME1, RGB, multi-frame, non-square and (with dcmtk) RLE, JPEG-LS and JPEG
 * lossless instances; a stop half-way loses and duplicates nothing; an encoder the workers cannot
 * build, or that computes differently there, runs on the main thread.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  buildAttentionUnet, createEncoderRegistry, initCompute, modelToFiles, resolveAttentionUnetConfig, type Encoder, type EncoderOptions,
} from '@scanselect/plugin';
import { makeInstance, withDoubledRows, type InstanceSpec } from '../../../test/harness/dicomFixtures';
import { openDatabase, type Db } from '../db/database';
import { SqliteClient } from '../db/sqliteClient';
import { MIGRATIONS } from '../db/schema';
import { FolderSource } from '../pacs/folderSource';
import { syncProject, type SyncOptions, type SyncReport } from './syncProject';

jest.setTimeout(180_000);

const uid = '1.2.826.0.1.3680043.10.1341.77';
const spec = (i: number, more: Partial<InstanceSpec> = {}): InstanceSpec => ({
  studyUid: `${uid}.${i}`, seriesUid: `${uid}.${i}.1`, sopUid: `${uid}.${i}.1.1`, modality: 'CR', rows: 64, columns: 64,
  pixel: (x, y) => (i * 131 + x * (i + 3) + ((y * y) >> 2)) % 4096, ...more,
});
/** dcmtk's RLE, JPEG-LS and JPEG-lossless encoders, where installed. */
const DCMTK = { rle: '/usr/bin/dcmcrle', jpegLs: '/usr/bin/dcmcjpls', jpegLossless: '/usr/bin/dcmcjpeg' } as const;

let dir: string;
let folder: string;
let encoder: Encoder;
const dbs: Db[] = [];

function encode(tool: string, args: string[], bytes: Uint8Array): Uint8Array {
  writeFileSync(path.join(dir, 'in.dcm'), bytes);
  execFileSync(tool, [...args, path.join(dir, 'in.dcm'), path.join(dir, 'out.dcm')], { stdio: 'pipe' });
  return readFileSync(path.join(dir, 'out.dcm'));
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'scanselect-sync-parallel-'));
  folder = path.join(dir, 'source');
  const files: Record<string, Uint8Array> = {
    'mono2.dcm': makeInstance(spec(0)),
    'wide.dcm': makeInstance(spec(1, { rows: 48, columns: 80 })),
    'mono1.dcm': makeInstance(spec(2, { photometric: 'MONOCHROME1' })),
    'rgb.dcm': makeInstance(spec(3, { photometric: 'RGB', pixel: (x, y) => (x * 3 + y * 5) % 256 })),
    'frames.dcm': makeInstance(spec(4, { frames: 3 })),
    'large.dcm': makeInstance(spec(5, { rows: 300, columns: 260 })),
    'doubled-rows.dcm': withDoubledRows(makeInstance(spec(6))),
  };
  for (let i = 7; i < 15; i++) files[`more${i}.dcm`] = makeInstance(spec(i));
  const cut = makeInstance(spec(15));
  files['truncated.dcm'] = cut.subarray(0, cut.length - 1000);
  if (existsSync(DCMTK.rle)) files['rle.dcm'] = encode(DCMTK.rle, [], makeInstance(spec(16)));
  if (existsSync(DCMTK.jpegLs)) files['jpeg-ls.dcm'] = encode(DCMTK.jpegLs, ['+el'], makeInstance(spec(17)));
  if (existsSync(DCMTK.jpegLossless)) files['jpeg-lossless.dcm'] = encode(DCMTK.jpegLossless, ['+e1'], makeInstance(spec(18)));
  else console.warn('syncParallel.test: dcmtk is not installed; the RLE, JPEG-LS and JPEG-lossless instances are left out');
  execFileSync('mkdir', ['-p', folder]);
  for (const [name, bytes] of Object.entries(files)) writeFileSync(path.join(folder, name), bytes);
  encoder = await createEncoderRegistry().get('intensity-texture').create({});
});
afterAll(() => {
  for (const db of dbs) db.close();
  rmSync(dir, { recursive: true, force: true });
});

function newDb(): Db {
  const db = openDatabase(path.join(dir, `db${dbs.length}.sqlite`), MIGRATIONS);
  db.prepare("INSERT INTO projects (id, name, config, created_at) VALUES (1, 'lungs', '{}', 'now')").run();
  dbs.push(db);
  return db;
}

const sync = (db: Db, more: Partial<SyncOptions>): Promise<SyncReport> => syncProject({
  sql: new SqliteClient(db), projectId: 1, source: new FolderSource(folder), filters: {}, encoder, encoderId: encoder.id, inputSize: 48, ...more,
});

/** Every stored column but the time of the sync, in a fixed order. */
const stored = (db: Db): unknown[] => db.prepare(`SELECT sop_uid, study_uid, series_uid, modality, status, error, encoder, embedding, sop_class_uid,
  rows, columns, frames, thumbnail, location FROM instances ORDER BY sop_uid`).all();

describe('syncProject in worker threads', () => {
  let serial: unknown[];
  let instances: number;
  beforeAll(async () => {
    const db = newDb();
    const report = await sync(db, { workers: 0 });
    expect(report.threads).toEqual({ workers: 0, embeddedIn: 'main thread' });
    serial = stored(db);
    instances = serial.length;
  });

  it('stores what the single-thread sync stores, bit for bit, failures and reasons included', async () => {
    const db = newDb();
    const report = await sync(db, { workers: 2 });
    expect(report).toMatchObject({ listed: instances, fresh: instances, failed: 2, aborted: false, threads: { workers: 2, embeddedIn: 'workers' } });
    expect(report.threads.note).toBeUndefined();
    expect(report.embedded).toBe(instances - 2);
    expect(stored(db)).toEqual(serial);
    const failed = db.prepare("SELECT sop_uid, error FROM instances WHERE status = 'failed' ORDER BY sop_uid").all() as Array<{ sop_uid: string; error: string }>;
    expect(failed.map((f) => f.sop_uid)).toEqual([`${uid}.15.1.1`, `${uid}.6.1.1`]);
    for (const f of failed) expect(f.error).toContain(`instance ${f.sop_uid}`);
    const embedding = db.prepare('SELECT embedding FROM instances WHERE sop_uid = ?').get(`${uid}.0.1.1`) as { embedding: Buffer };
    expect(embedding.embedding.length).toBe(4 * encoder.dimensions());

    // Nothing is processed again, failures included.
    expect(await sync(db, { workers: 2 })).toMatchObject({ listed: instances, fresh: 0, embedded: 0, failed: 0, threads: { workers: 0 } });
  });

  it('loses and duplicates nothing when stopped half-way', async () => {
    const db = newDb();
    const stop = new AbortController();
    const first = await sync(db, {
      workers: 2, prefetch: 0, signal: stop.signal,
      onInstance: ({ listed }) => {
        if (listed === 9) stop.abort();
      },
    });
    expect(first.aborted).toBe(true);
    const partial = db.prepare('SELECT COUNT(*) AS n FROM instances').get() as { n: number };
    expect(partial.n).toBeGreaterThan(0);
    expect(first.fresh).toBe(partial.n); // retrieved but not stored is not counted: the next sync does it
    expect(first.embedded + first.failed).toBe(partial.n);

    const second = await sync(db, { workers: 2 });
    expect(second).toMatchObject({ fresh: instances - partial.n, aborted: false });
    expect(first.embedded + second.embedded + first.failed + second.failed).toBe(instances);
    expect(stored(db)).toEqual(serial);
  });

  it('embeds on the main thread, as the single-thread sync does, with an encoder the workers cannot build', async () => {
    const custom: Encoder = { ...wrap(encoder), id: 'main-thread-only' };
    const single = newDb();
    await sync(single, { workers: 0, encoder: custom, encoderId: custom.id });
    const db = newDb();
    const report = await sync(db, { workers: 2, encoder: custom, encoderId: custom.id });
    expect(report.threads).toEqual({ workers: 2, embeddedIn: 'main thread', note: 'the main-thread-only encoder could not be built in a worker thread' });
    expect(stored(db)).toEqual(stored(single));
  });

  it('embeds on the main thread when the workers\' encoder has another version or embeds differently', async () => {
    const otherVersion = await sync(newDb(), { workers: 2, encoder: { ...wrap(encoder), version: 'not-1' } });
    expect(otherVersion.threads).toMatchObject({ embeddedIn: 'main thread', note: 'the intensity-texture encoder of the worker threads has another version' });

    const shifted: Encoder = { ...wrap(encoder), embed: async (images) => (await encoder.embed(images)).map((v) => v + 1e-6) };
    const single = newDb();
    await sync(single, { workers: 0, encoder: shifted });
    const db = newDb();
    const report = await sync(db, { workers: 2, encoder: shifted });
    expect(report.threads).toMatchObject({ embeddedIn: 'main thread', note: 'the intensity-texture encoder of the worker threads embeds differently' });
    expect(stored(db)).toEqual(stored(single));
    expect(stored(db)).not.toEqual(serial);
  });

  it('builds a tfjs-model encoder in the workers from its options and stores the same embeddings', async () => {
    await initCompute();
    const config = resolveAttentionUnetConfig({ inputSize: 16, depth: 2, baseChannels: 2, classes: 2, seed: 7 });
    const model = buildAttentionUnet(config);
    const files = await modelToFiles({
      model, config, epochs: 0, batchSize: 1, learningRate: 0, lossHistory: [], finalLoss: NaN, ids: [], backend: 'test', seconds: 0, dispose: () => model.dispose(),
    });
    model.dispose();
    const modelDir = path.join(dir, 'model');
    execFileSync('mkdir', ['-p', modelDir]);
    for (const name of ['model.json', 'weights.bin'] as const) writeFileSync(path.join(modelDir, name), files[name]);
    const options: EncoderOptions = { model: modelDir, inputSize: 48 };
    const tfjs = await createEncoderRegistry().get('tfjs-model').create(options);
    try {
      const single = newDb();
      await sync(single, { workers: 0, encoder: tfjs, encoderId: 'tfjs-model', encoderOptions: options });
      const db = newDb();
      const report = await sync(db, { workers: 2, encoder: tfjs, encoderId: 'tfjs-model', encoderOptions: options });
      expect(report.threads).toEqual({ workers: 2, embeddedIn: 'workers' });
      expect(stored(db)).toEqual(stored(single));

      // Without its options the workers cannot build it (no model): embedded here instead.
      const fallback = await sync(newDb(), { workers: 2, encoder: tfjs, encoderId: 'tfjs-model' });
      expect(fallback.threads).toMatchObject({ embeddedIn: 'main thread', note: 'the tfjs-model encoder could not be built in a worker thread' });
    } finally {
      tfjs.dispose();
    }
  });
});

/** An encoder that embeds as `inner` does, as a plain object (so that tests can override members). */
function wrap(inner: Encoder): Encoder {
  return {
    id: inner.id, description: inner.description, version: inner.version,
    dimensions: () => inner.dimensions(), embed: (images, onProgress) => inner.embed(images, onProgress), dispose: () => undefined,
  };
}
