/**
 * The admin console's operations APIs over HTTP (SQLite; PostgreSQL under
 * SCANSELECT_TEST_DATABASE=postgres): the audit log's filters, paging and facets; the outbox's
 * failed deliveries and "retry now" against a PACS that is down (a port nobody listens on); and
 * sync health — a folder with a corrupt, an oversized and a non-DICOM file next to good instances.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { makeInstance, withDoubledRows } from './harness/dicomFixtures';
import { freePort } from './harness/orthanc';
import { startTestServer, type TestServer } from './harness/serverHarness';

jest.setTimeout(120_000);

const uid = '1.2.826.0.1.3680043.10.1341.77';
let t: TestServer;
let pacsPort: number;

/** A copy with Rows and Columns both 65535: far over the decoder's pixel limit, header intact. */
function oversized(bytes: Uint8Array): Uint8Array {
  const copy = Uint8Array.from(bytes);
  for (const element of [0x10, 0x11]) { // (0028,0010) Rows, (0028,0011) Columns: US, length 2, explicit VR LE
    const tag = [0x28, 0x00, element, 0x00, 0x55, 0x53, 0x02, 0x00];
    const at = copy.findIndex((_, i) => tag.every((b, k) => copy[i + k] === b));
    if (at < 0) throw new Error('no Rows/Columns attribute found');
    new DataView(copy.buffer, at + tag.length, 2).setUint16(0, 0xffff, true);
  }
  return copy;
}

async function until<T>(what: string, read: () => Promise<T | null | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  pacsPort = await freePort(); // nobody listens there: the PACS is down
  t = await startTestServer({
    sources: { images: { kind: 'folder', path: 'images' }, pacs: { kind: 'dicomweb', url: `http://127.0.0.1:${pacsPort}/dicom-web`, timeoutMs: 2000 } },
    projects: [
      { name: 'chest', source: 'images', classes: ['lung'], budget: { coldStart: 2, perRound: 1, total: 4 }, encoder: { id: 'intensity-texture', inputSize: 32 } },
      { name: 'other', source: 'images', classes: ['lung'], budget: { coldStart: 2, perRound: 1, total: 4 } },
    ],
  });
  const images = path.join(t.dir, 'images');
  mkdirSync(images, { recursive: true });
  const instance = (i: number): Uint8Array => makeInstance({ studyUid: `${uid}.${i}`, seriesUid: `${uid}.${i}.1`, sopUid: `${uid}.${i}.1.1`, modality: 'CR', pixel: (x, y) => (i * 131 + x * 7 + y * y) % 4096 });
  writeFileSync(path.join(images, 'good1.dcm'), instance(1));
  writeFileSync(path.join(images, 'good2.dcm'), instance(2));
  const cut = instance(3);
  writeFileSync(path.join(images, 'truncated.dcm'), cut.subarray(0, cut.length - 1000));
  writeFileSync(path.join(images, 'doubled-rows.dcm'), withDoubledRows(instance(4)));
  writeFileSync(path.join(images, 'huge.dcm'), oversized(instance(5)));
  writeFileSync(path.join(images, 'notes.txt'), 'not DICOM');
});
afterAll(async () => {
  await t?.dispose();
});

describe('audit log filters, paging and facets', () => {
  beforeAll(async () => {
    // What the other tests of this file record comes on top of these.
    const audit = t.server.ctx.audit;
    await audit.record('dr.alice', 'case.claim', 1, { n: 1 });
    await audit.record('dr.bob', 'case.claim', 1, { n: 2 });
    await audit.record('dr.alice', 'case.release', 1, { n: 3 });
    await audit.record('dr.alice', 'case.claim', 2, { n: 4 });
    await audit.record('dr.alice', 'mask.submit', 1, { n: 5 });
  });

  const ns = (json: Array<{ details: { n?: number } | null }>): Array<number | undefined> => json.map((e) => e.details?.n);

  it('filters by project, actor and action (exact or a prefix), newest first, with the total in X-Total-Count', async () => {
    const claims = await t.call('GET', '/api/audit?actor=dr.alice&action=case.claim', { role: 'admin' });
    expect(claims.status).toBe(200);
    expect(ns(claims.json)).toEqual([4, 1]);
    expect(claims.headers.get('x-total-count')).toBe('2');
    const cases = await t.call('GET', '/api/audit?project=1&action=case.*', { role: 'admin' });
    expect(ns(cases.json)).toEqual([3, 2, 1]);
    const page = await t.call('GET', '/api/audit?project=1&action=case.*&limit=2&offset=1', { role: 'admin' });
    expect([ns(page.json), page.headers.get('x-total-count')]).toEqual([[2, 1], '3']);
    expect((await t.call('GET', '/api/audit?action=case', { role: 'admin' })).json).toEqual([]); // exact: no action is just "case"
    expect((await t.call('GET', '/api/audit?actor=', { role: 'admin' })).headers.get('x-total-count')).toBe((await t.call('GET', '/api/audit', { role: 'admin' })).headers.get('x-total-count'));
  });

  it('filters by time (from inclusive, to exclusive) and refuses what is not an ISO 8601 instant', async () => {
    const all = (await t.call('GET', '/api/audit?actor=dr.alice', { role: 'admin' })).json as Array<{ at: string; details: { n: number } }>;
    const release = all.find((e) => e.details.n === 3)!;
    const from = await t.call('GET', `/api/audit?actor=dr.alice&from=${encodeURIComponent(release.at)}`, { role: 'admin' });
    expect(ns(from.json)).toEqual(all.filter((e) => e.at >= release.at).map((e) => e.details.n));
    expect(ns(from.json)).toContain(3);
    const to = await t.call('GET', `/api/audit?actor=dr.alice&to=${encodeURIComponent(release.at)}`, { role: 'admin' });
    expect(ns(to.json)).not.toContain(3);
    expect(ns((await t.call('GET', '/api/audit?from=2999-01-01T00:00:00Z', { role: 'admin' })).json)).toEqual([]);
    expect((await t.call('GET', '/api/audit?from=2000-01-01&to=2999-01-01T00:00:00%2B02:00&actor=dr.bob', { role: 'admin' })).json).toHaveLength(1);
    for (const bad of ['from=yesterday', 'to=2026-02-30', 'from=2026-01-01T10:00', 'limit=0', 'limit=abc', 'offset=-1', 'project=x', 'actor=a&actor=b']) {
      const r = await t.call('GET', `/api/audit?${bad}`, { role: 'admin' });
      expect([bad, r.status, r.json.code]).toEqual([bad, 400, 'invalid-query']);
    }
    // A limit above 500 is read as 500 (older clients asked for more), not refused.
    expect((await t.call('GET', '/api/audit?limit=1000', { role: 'admin' })).status).toBe(200);
  });

  it('lists the distinct actors and actions for the filter drop-downs, admins only', async () => {
    const facets = await t.call('GET', '/api/audit/facets', { role: 'admin' });
    expect(facets.status).toBe(200);
    expect(facets.json.actors).toEqual(expect.arrayContaining(['dr.alice', 'dr.bob', 'configuration']));
    expect(facets.json.actions).toEqual(expect.arrayContaining(['case.claim', 'case.release', 'mask.submit', 'project.create']));
    expect(facets.json.actors).toEqual([...facets.json.actors].sort());
    expect(new Set(facets.json.actions).size).toBe(facets.json.actions.length);
    expect((await t.call('GET', '/api/audit/facets', { role: 'service' })).status).toBe(403);
  });
});

describe('outbox: failed deliveries and retry now', () => {
  it('lists a delivery the PACS did not take as failed, with its error, and retries it now on request', async () => {
    const key = 'masks/1/test.seg.dcm';
    await t.server.ctx.artifacts.put(key, makeInstance({ studyUid: `${uid}.9`, seriesUid: `${uid}.9.1`, sopUid: `${uid}.9.1.1` }));
    const entry = await t.server.ctx.outbox.add('stow-file', 'pacs', { file: key, what: 'a test SEG' }, 1);
    const failed = await until('the first failed attempt', async () => {
      const r = await t.call('GET', '/api/outbox?state=failed', { role: 'service' });
      return r.json.length > 0 && r;
    });
    expect(failed.headers.get('x-total-count')).toBe('1');
    expect(failed.json[0]).toMatchObject({ id: entry.id, projectId: 1, kind: 'stow-file', target: 'pacs', state: 'pending', doneAt: null, createdAt: expect.any(String), nextAttemptAt: expect.any(String) });
    expect(failed.json[0].attempts).toBeGreaterThanOrEqual(1);
    expect(failed.json[0].lastError).toContain(`127.0.0.1:${pacsPort}`);
    expect(failed.json[0].lastError).toMatch(/ECONNREFUSED/);
    expect((await t.call('GET', '/api/outbox?state=pending&limit=1', { role: 'admin' })).headers.get('x-total-count')).toBe('1');
    expect((await t.call('GET', '/api/outbox?state=done', { role: 'admin' })).json).toEqual([]);
    expect((await t.call('GET', '/api/outbox?state=broken', { role: 'admin' })).json.code).toBe('invalid-query');

    // Its back-off put the next attempt far away: a retry makes it due now, and it is attempted at once.
    await t.server.ctx.sql.run("UPDATE outbox SET next_attempt_at = '2999-01-01T00:00:00.000Z' WHERE id = @id", { id: entry.id });
    const before = (await t.server.ctx.outbox.get(entry.id))!.attempts;
    const requested = new Date().toISOString();
    const retried = await t.call('POST', `/api/outbox/${entry.id}/retry`, { role: 'admin' });
    expect(retried.status).toBe(200);
    expect(retried.json).toMatchObject({ id: entry.id, state: 'pending', kind: 'stow-file' });
    expect(retried.json.nextAttemptAt >= requested && retried.json.nextAttemptAt <= new Date().toISOString()).toBe(true);
    const again = await until('the retried attempt', async () => {
      const now = (await t.server.ctx.outbox.get(entry.id))!;
      return now.attempts > before && now;
    });
    expect(again.lastError).toMatch(/ECONNREFUSED/); // still down: back to backing off
    const audit = await t.call('GET', '/api/audit?action=outbox.retry', { role: 'admin' });
    expect(audit.json[0]).toMatchObject({ actor: 'admin tester', action: 'outbox.retry', projectId: 1, details: { id: entry.id, kind: 'stow-file', target: 'pacs' } });

    expect((await t.call('POST', `/api/outbox/${entry.id}/retry`, { role: 'service' })).status).toBe(403);
    expect(await t.call('POST', '/api/outbox/999999/retry', { role: 'admin' })).toMatchObject({ status: 404, json: { code: 'not-found' } });
    expect(await t.call('POST', '/api/outbox/abc/retry', { role: 'admin' })).toMatchObject({ status: 404, json: { code: 'not-found' } });
    await t.server.ctx.sql.run("UPDATE outbox SET state = 'done', last_error = NULL, done_at = @now WHERE id = @id", { id: entry.id, now: new Date().toISOString() });
    expect(await t.call('POST', `/api/outbox/${entry.id}/retry`, { role: 'admin' })).toMatchObject({ status: 409, json: { code: 'already-delivered' } });
    expect((await t.call('GET', '/api/outbox?state=failed', { role: 'admin' })).json).toEqual([]);
  });
});

describe('sync health', () => {
  beforeAll(async () => {
    expect((await t.call('POST', '/api/projects/1/sync', { role: 'service' })).status).toBe(202);
    await t.server.ctx.queue.idle();
  });

  it('lists the failed instances with their errors, newest first and paged, never the embedding or thumbnail', async () => {
    const failed = await t.call('GET', '/api/projects/1/instances?status=failed', { role: 'service' });
    expect(failed.status).toBe(200);
    expect(failed.headers.get('x-total-count')).toBe('3');
    expect(failed.json.map((i: { sopUid: string }) => i.sopUid).sort()).toEqual([3, 4, 5].map((i) => `${uid}.${i}.1.1`));
    for (const instance of failed.json) {
      expect(Object.keys(instance).sort()).toEqual(['error', 'modality', 'seriesUid', 'sopUid', 'status', 'studyUid', 'syncedAt']);
      expect(instance).toMatchObject({ status: 'failed', modality: 'CR', error: expect.stringContaining(instance.sopUid) });
    }
    const all = await t.call('GET', '/api/projects/1/instances', { role: 'admin' });
    expect(all.headers.get('x-total-count')).toBe('5');
    const synced = all.json.map((i: { syncedAt: string }) => i.syncedAt);
    expect(synced).toEqual([...synced].sort().reverse());
    const embedded = await t.call('GET', '/api/projects/1/instances?status=embedded', { role: 'admin' });
    expect(embedded.json.map((i: { status: string; error: string | null }) => [i.status, i.error])).toEqual([['embedded', null], ['embedded', null]]);
    const pages = [0, 2, 4].map((offset) => t.call('GET', `/api/projects/1/instances?limit=2&offset=${offset}`, { role: 'admin' }));
    const paged = (await Promise.all(pages)).flatMap((p) => p.json.map((i: { sopUid: string }) => i.sopUid));
    expect(paged).toEqual(all.json.map((i: { sopUid: string }) => i.sopUid));
    expect((await t.call('GET', '/api/projects/1/instances?status=lost', { role: 'admin' })).json.code).toBe('invalid-query');
    expect((await t.call('GET', '/api/projects/2/instances', { role: 'admin' })).json).toEqual([]);
    expect((await t.call('GET', '/api/projects/99/instances', { role: 'admin' })).status).toBe(404);
    expect((await t.call('GET', '/api/projects/1/instances', { role: 'annotator' })).status).toBe(403);
  });

  it('sums up the sync: counts, the last sync job and the failures grouped by reason', async () => {
    const status = await t.call('GET', '/api/projects/1/sync-status', { role: 'service' });
    expect(status.status).toBe(200);
    expect(status.json).toMatchObject({
      embedded: 2,
      failed: 3,
      lastSync: { jobId: expect.any(Number), state: 'succeeded', finishedAt: expect.any(String), error: null, result: { listed: 5, embedded: 2, failed: 3, skipped: 1 } },
    });
    // The truncated file and the one whose Rows were doubled fail alike; the oversized one otherwise.
    expect(status.json.reasons).toEqual([{ reason: 'truncated or corrupt pixel data', count: 2 }, { reason: 'too large', count: 1 }]);
    expect((await t.call('GET', '/api/projects/2/sync-status', { role: 'admin' })).json).toEqual({ embedded: 0, failed: 0, lastSync: null, reasons: [], volumes: { volumes: 0, slices: 0, refused: 0, reasons: [] } });
    expect((await t.call('GET', '/api/projects/99/sync-status', { role: 'admin' })).status).toBe(404);
  });
});
