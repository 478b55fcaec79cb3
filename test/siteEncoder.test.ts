/**
 * Issue 17: the site encoder trained by the service. A train-encoder job learns from a project's
 * synced pool (no labels), with progress; it is stored once per pool and options (a second job
 * reuses it); a new project names it as its encoder model and its sync embeds with it. Only an
 * admin asks for one; bad options and unknown names are refused with clear errors.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { makeInstance } from './harness/dicomFixtures';
import { startTestServer, waitForJobs, type TestServer } from './harness/serverHarness';

let t: TestServer;
const PROJECT = { source: 'scans', classes: ['organ'], budget: { coldStart: 2, perRound: 1, total: 4 }, model: { inputSize: 32 } };

beforeAll(async () => {
  t = await startTestServer({ sources: { scans: { kind: 'folder', path: 'unused' } } });
  await t.stop();
  const scans = path.join(t.dir, 'scans');
  mkdirSync(scans, { recursive: true });
  for (let k = 0; k < 6; k++) {
    writeFileSync(path.join(scans, `s${k}.dcm`), makeInstance({
      studyUid: `1.2.826.0.1.9.${k}`, seriesUid: `1.2.826.0.1.9.${k}.1`, sopUid: `1.2.826.0.1.9.${k}.1.1`,
      pixel: (x, y) => Math.round(500 + 400 * Math.sin((x + 3 * k) / 5) * Math.cos((y - k) / 7)),
    }));
  }
  t = await startTestServer({ sources: { scans: { kind: 'folder', path: scans } } }, { dir: t.dir });
}, 60_000);
afterAll(async () => {
  await t.dispose();
});

async function synced(name: string, encoder?: object): Promise<number> {
  const created = await t.call('POST', '/api/projects', { role: 'admin', json: { ...PROJECT, name, ...(encoder && { encoder }) } });
  expect(created.status).toBe(201);
  await t.call('POST', `/api/projects/${created.json.id}/sync`, { role: 'admin' });
  await waitForJobs(t.server);
  return created.json.id;
}

describe('site encoder in the service', () => {
  let pool: number;
  let name: string;

  it('an admin queues the training of the pool; the job reports progress and stores a named encoder', async () => {
    pool = await synced('pool');
    expect((await t.call('POST', `/api/projects/${pool}/site-encoder`, { role: 'annotator', json: {} })).status).toBe(403);
    const bad = await t.call('POST', `/api/projects/${pool}/site-encoder`, { role: 'admin', json: { epochs: 0, extra: 1 } });
    expect(bad).toMatchObject({ status: 400, json: { code: 'invalid-body' } });
    expect(bad.json.message).toMatch(/epochs/);
    expect((await t.call('POST', '/api/projects/999/site-encoder', { role: 'admin', json: {} })).status).toBe(404);

    const queued = await t.call('POST', `/api/projects/${pool}/site-encoder`, { role: 'admin', json: { epochs: 2, seed: 7 } });
    expect(queued).toMatchObject({ status: 202, json: { kind: 'train-encoder', state: 'queued' } });
    await waitForJobs(t.server);
    const job = (await t.call('GET', `/api/jobs/${queued.json.id}`, { role: 'admin' })).json;
    expect(job).toMatchObject({ state: 'succeeded', progress: 1, result: { reused: false, images: 6, epochs: 2 } });
    expect(job.stage).toMatch(/^(epoch [12]\/2, loss \d+\.\d{3}|stored site-\d+-[0-9a-f]{12})$/); // progress is written throttled: the last stage or the one before
    name = job.result.name;
    expect(name).toMatch(new RegExp(`^site-${pool}-[0-9a-f]{12}$`));
    expect(job.result.seconds).toBeGreaterThan(0);

    const listed = await t.call('GET', '/api/site-encoders', { role: 'admin' });
    expect(listed.json).toEqual([expect.objectContaining({ name, images: 6, epochs: 2, dimensions: 128, version: expect.stringMatching(/^self-supervised@[0-9a-f]{12}$/) })]);
    expect((await t.call('GET', '/api/site-encoders', { role: 'service' })).status).toBe(403);
  }, 300_000);

  it('the same pool and options reuse the stored encoder; other options train another', async () => {
    const again = await t.call('POST', `/api/projects/${pool}/site-encoder`, { role: 'admin', json: { epochs: 2, seed: 7 } });
    await waitForJobs(t.server);
    expect((await t.call('GET', `/api/jobs/${again.json.id}`, { role: 'admin' })).json).toMatchObject({ state: 'succeeded', result: { name, reused: true } });
    const other = await t.call('POST', `/api/projects/${pool}/site-encoder`, { role: 'admin', json: { epochs: 1, seed: 7 } });
    await waitForJobs(t.server);
    const otherResult = (await t.call('GET', `/api/jobs/${other.json.id}`, { role: 'admin' })).json.result;
    expect(otherResult).toMatchObject({ reused: false, epochs: 1 });
    expect(otherResult.name).not.toBe(name);
  }, 300_000);

  it('a new project uses it by name, alone or combined: its sync embeds with the site encoder', async () => {
    const site = await synced('site', { id: 'self-supervised', model: name });
    const rows = await t.server.ctx.sql.all<{ encoder: string; embedding: Uint8Array }>("SELECT encoder, embedding FROM instances WHERE project_id = @id AND status = 'embedded'", { id: site });
    expect(rows.map((r) => [r.encoder, r.embedding.byteLength])).toEqual(Array(6).fill(['self-supervised', 128 * 4]));
    // The same images, the same vectors as the encoder loaded from the stored weights directly.
    const { loadSelfSupervisedEncoder } = await import('@scanselect/plugin');
    const encoder = await loadSelfSupervisedEncoder(await t.server.ctx.siteEncoders.localPath(name));
    expect(encoder.dimensions()).toBe(128);
    encoder.dispose();
    // Combined with the default encoder: each block L2-normalised, 732 + 128 values.
    const both = await synced('both', { id: 'intensity-texture+self-supervised', model: name });
    const combined = await t.server.ctx.sql.all<{ encoder: string; embedding: Uint8Array }>("SELECT encoder, embedding FROM instances WHERE project_id = @id AND status = 'embedded'", { id: both });
    expect(combined.map((r) => [r.encoder, r.embedding.byteLength])).toEqual(Array(6).fill(['intensity-texture+self-supervised', (732 + 128) * 4]));
    for (const row of combined) {
      const v = new Float32Array(new Uint8Array(row.embedding).buffer);
      expect(Math.hypot(...v.subarray(732))).toBeCloseTo(1, 4);
    }
    for (const id of ['intensity-texture+nope', 'thumbnail+thumbnail', 'tfjs-model+self-supervised']) {
      const refused = await t.call('POST', '/api/projects', { role: 'admin', json: { ...PROJECT, name: 'bad-combination', encoder: { id, model: name } } });
      expect(refused).toMatchObject({ status: 400, json: { code: 'invalid-body' } });
      expect(refused.json.message).toMatch(/encoder\.id/);
    }
    const unknown = await t.call('POST', '/api/projects', { role: 'admin', json: { ...PROJECT, name: 'ghost', encoder: { id: 'self-supervised', model: `site-${pool}-000000000000` } } });
    expect(unknown).toMatchObject({ status: 400, json: { code: 'invalid-body' } });
    expect(unknown.json.message).toMatch(/encoder\.model.*not a configured model/);
  }, 300_000);

  it('a project with nothing synced has no pool to learn from: the job fails with the reason', async () => {
    const empty = await t.call('POST', '/api/projects', { role: 'admin', json: { ...PROJECT, name: 'empty' } });
    const queued = await t.call('POST', `/api/projects/${empty.json.id}/site-encoder`, { role: 'admin', json: {} });
    await waitForJobs(t.server);
    const job = (await t.call('GET', `/api/jobs/${queued.json.id}`, { role: 'admin' })).json;
    expect(job.state).toBe('failed');
    expect(job.error).toMatch(/0 synced instance\(s\); a site encoder learns from at least 2/);
  }, 120_000);
});
