/**
 * Incremental sync from a local folder source into the database (SQLite; PostgreSQL under
 * SCANSELECT_TEST_DATABASE=postgres): only unseen instances are processed, a corrupt instance is
 * recorded once with its reason, and a sync stopped half-way loses and duplicates nothing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createEncoderRegistry, type Encoder } from '@scanselect/plugin';
import type { SqlClient } from '../server/src/db/sqlClient';
import { FolderSource } from '../server/src/pacs/folderSource';
import { syncProject } from '../server/src/sync/syncProject';
import { makeInstance } from './harness/dicomFixtures';
import { openTestSqlClient } from './harness/testDatabase';

const uid = '1.2.826.0.1.3680043.10.1341.40';
let dir: string;
let sql: SqlClient;
let closeDatabase: () => Promise<void>;
let encoder: Encoder;

const write = (i: number): void => writeFileSync(path.join(dir, `i${i}.dcm`), makeInstance({
  studyUid: `${uid}.${i}`, seriesUid: `${uid}.${i}.1`, sopUid: `${uid}.${i}.1.1`, modality: 'CR', pixel: (x, y) => (i * 97 + x * (i + 1) + y * y) % 4096,
}));

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'scanselect-sync-'));
  for (let i = 0; i < 3; i++) write(i);
  // A DICOM file whose header is fine but whose pixel data is cut short.
  const bad = makeInstance({ studyUid: `${uid}.9`, seriesUid: `${uid}.9.1`, sopUid: `${uid}.9.1.1` });
  writeFileSync(path.join(dir, 'z-bad.dcm'), bad.subarray(0, bad.length - 1000));
  ({ sql, dispose: closeDatabase } = await openTestSqlClient());
  await sql.run("INSERT INTO projects (id, name, config, created_at) VALUES (1, 'lungs', '{}', 'now')");
  encoder = await createEncoderRegistry().get('intensity-texture').create({});
});
afterAll(async () => {
  encoder?.dispose();
  await closeDatabase?.();
  rmSync(dir, { recursive: true, force: true });
});

const sync = (signal?: AbortSignal) => syncProject({
  sql, projectId: 1, source: new FolderSource(dir), filters: { modality: 'CR' }, encoder, encoderId: 'intensity-texture', inputSize: 32,
  ...(signal && { signal }),
});
const rows = (): Promise<Array<{ sop_uid: string; status: string; error: string | null; n: number }>> =>
  sql.all('SELECT sop_uid, status, error, length(embedding) AS n FROM instances ORDER BY sop_uid');

describe('syncProject', () => {
  it('embeds new instances, records a bad one once, and fetches only what it has not seen', async () => {
    const first = await sync();
    expect(first).toMatchObject({ listed: 3, fresh: 3, embedded: 3, failed: 0, aborted: false }); // z-bad.dcm is OT: filtered out
    write(3);
    const controller = new AbortController();
    controller.abort();
    expect(await sync(controller.signal)).toMatchObject({ fresh: 0, aborted: true }); // stops before the first new one
    expect(await rows()).toHaveLength(3);

    const second = await sync();
    expect(second).toMatchObject({ listed: 4, fresh: 1, embedded: 1, aborted: false });
    const stored = await rows();
    expect(stored.map((r) => r.status)).toEqual(['embedded', 'embedded', 'embedded', 'embedded']);
    expect(new Set(stored.map((r) => r.n))).toEqual(new Set([4 * encoder.dimensions()]));
    expect(await sync()).toMatchObject({ listed: 4, fresh: 0, embedded: 0 });
  });

  it('records an instance that cannot be decoded, with the reason, and does not retry it', async () => {
    const all = () => syncProject({ sql, projectId: 1, source: new FolderSource(dir), filters: {}, encoder, encoderId: 'intensity-texture', inputSize: 32 });
    expect(await all()).toMatchObject({ listed: 5, fresh: 1, embedded: 0, failed: 1 });
    const bad = (await rows()).find((r) => r.sop_uid === `${uid}.9.1.1`)!;
    expect(bad.status).toBe('failed');
    expect(bad.error).toMatch(/instance 1\.2\.826.*\.9\.1\.1/);
    expect(await all()).toMatchObject({ listed: 5, fresh: 0, failed: 0 });
  });
});
