/**
 * Issue 11, item 5: an encoder model comes only from the server configuration's `models` (by
 * name) — an admin's API call cannot make the server read a file or fetch a URL of its choice —
 * and a failed job shows other roles no file content and no server path (admins read it whole).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { saveSelfSupervisedEncoder, SelfSupervisedEncoder, trainSelfSupervised } from '@scanselect/plugin';
import { makeInstance } from './harness/dicomFixtures';
import { startTestServer, type TestServer } from './harness/serverHarness';

let t: TestServer;
const PROJECT = { source: 'folder', classes: ['lung'], budget: { coldStart: 2, perRound: 1, total: 4 } };

beforeAll(async () => {
  t = await startTestServer({ sources: { folder: { kind: 'folder', path: 'unused' } } });
  await t.stop();
  mkdirSync(path.join(t.dir, 'empty'), { recursive: true });
  mkdirSync(path.join(t.dir, 'models', 'leaky'), { recursive: true });
  // A "model" whose bytes are a secret: the loader's JSON error quotes them.
  writeFileSync(path.join(t.dir, 'models', 'leaky', 'model.json'), 'root:x:0:0:root:/root:/bin/bash\nsecret-token-7f3a\n');
  t = await startTestServer({
    sources: { folder: { kind: 'folder', path: path.join(t.dir, 'empty') } },
    models: { leaky: 'models/leaky/model.json', remote: 'https://models.example.org/resnet/model.json' },
  }, { dir: t.dir });
});
afterAll(async () => {
  await t.dispose();
});

describe('encoder models', () => {
  it.each([
    ['an absolute path', '/etc/passwd'],
    ['a relative path', '../../../etc/passwd'],
    ['an internal URL', 'http://169.254.169.254/latest/meta-data/'],
    ['a file URL', 'file:///etc/shadow'],
    ['an unknown name', 'radimagenet'],
  ])('refuses %s as encoder.model, naming the configured models', async (_what, model) => {
    const r = await t.call('POST', '/api/projects', { role: 'admin', json: { ...PROJECT, name: `p-${Math.abs(model.length * 7919) % 1000}`, encoder: { id: 'tfjs-model', model } } });
    expect(r).toMatchObject({ status: 400, json: { code: 'invalid-body' } });
    expect(r.json.message).toMatch(/encoder\.model/);
    if (!model.includes('/') && !model.includes(':')) expect(r.json.message).toMatch(/not a configured model \(configured: leaky, remote/);
    expect((await t.server.ctx.projects.list())).toHaveLength(0);
  });

  it('refuses a model path in a configuration file too', async () => {
    const { parseServerConfig } = await import('../server/src/config/serverConfig');
    expect(() => parseServerConfig({ sources: { f: { kind: 'folder', path: 'x' } }, projects: [{ name: 'p', ...PROJECT, source: 'f', encoder: { id: 'tfjs-model', model: '/models/x/model.json' } }] }, t.dir))
      .toThrow(/encoder\/model|encoder\.model/);
  });

  it('accepts a configured name, and a failed job shows every other role no content and no path', async () => {
    const created = await t.call('POST', '/api/projects', { role: 'admin', json: { ...PROJECT, name: 'leaky', encoder: { id: 'tfjs-model', model: 'leaky' } } });
    expect(created.status).toBe(201);
    const job = (await t.call('POST', `/api/projects/${created.json.id}/sync`, { role: 'service' })).json;
    await t.server.ctx.queue.idle();
    for (const role of ['annotator', 'service'] as const) {
      const seen = await t.call('GET', `/api/jobs/${job.id}`, { role });
      expect(seen.json).toMatchObject({ state: 'failed', error: expect.any(String) });
      expect(seen.bytes.toString()).not.toMatch(/root:x|secret-token|\/bin\/bash|models\/leaky|scanselect-server-/);
      expect(seen.json.errorDetail).toBeUndefined();
      const listed = await t.call('GET', '/api/jobs', { role });
      expect(listed.bytes.toString()).not.toMatch(/root:x|secret-token|models\/leaky|scanselect-server-/);
    }
    const admin = await t.call('GET', `/api/jobs/${job.id}`, { role: 'admin' });
    expect(admin.json.errorDetail).toEqual(expect.any(String));
    expect(admin.json.errorDetail.length).toBeGreaterThan(0);
  });

  it('a self-supervised encoder needs its trained weights, named in the configuration, and the sync embeds with them', async () => {
    const missing = await t.call('POST', '/api/projects', { role: 'admin', json: { ...PROJECT, name: 'no-weights', encoder: { id: 'self-supervised' } } });
    expect(missing).toMatchObject({ status: 400, json: { code: 'invalid-body' } });
    expect(missing.json.message).toMatch(/self-supervised encoder needs its trained weights.*train-encoder/);
    // Weights trained as `scanselect train-encoder` trains them, in a directory the configuration names.
    const images = Array.from({ length: 6 }, (_, k) => ({ width: 24, height: 24, data: Float32Array.from({ length: 576 }, (_, i) => Math.sin(i * 0.1 * (k + 1)) + (i % 24) / 24) }));
    const training = await trainSelfSupervised(images, { seed: 5, epochs: 1, batchSize: 4, inputSize: 16, channels: [4, 8] });
    const trained = await SelfSupervisedEncoder.create(training.representation, { training: training.summary });
    const siteDir = mkdtempSync(path.join(os.tmpdir(), 'scanselect-site-encoder-'));
    await saveSelfSupervisedEncoder(trained, path.join(siteDir, 'models', 'site'));
    trained.dispose();
    mkdirSync(path.join(siteDir, 'scans'), { recursive: true });
    for (let k = 0; k < 3; k++) {
      writeFileSync(path.join(siteDir, 'scans', `s${k}.dcm`), makeInstance({ studyUid: `1.2.3.${k}`, seriesUid: `1.2.3.${k}.1`, sopUid: `1.2.3.${k}.1.1`, pixel: (x, y) => 40 * x + 90 * y * k }));
    }
    const site = await startTestServer({ sources: { folder: { kind: 'folder', path: path.join(siteDir, 'scans') } }, models: { site: 'models/site' } }, { dir: siteDir });
    try {
      const created = await site.call('POST', '/api/projects', { role: 'admin', json: { ...PROJECT, name: 'site', encoder: { id: 'self-supervised', model: 'site' } } });
      expect(created.status).toBe(201);
      const job = (await site.call('POST', `/api/projects/${created.json.id}/sync`, { role: 'service' })).json;
      await site.server.ctx.queue.idle();
      expect((await site.call('GET', `/api/jobs/${job.id}`, { role: 'admin' })).json).toMatchObject({ state: 'succeeded', result: { embedded: 3, failed: 0 } });
      const rows = await site.server.ctx.sql.all<{ encoder: string; embedding: Uint8Array }>('SELECT encoder, embedding FROM instances WHERE project_id = @id', { id: created.json.id });
      expect(rows.map((r) => [r.encoder, r.embedding.byteLength])).toEqual(Array(3).fill(['self-supervised', 8 * 4]));
    } finally {
      await site.dispose();
    }
  }, 120_000);
});
