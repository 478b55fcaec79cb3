/**
 * Issue 11, item 5: an encoder model comes only from the server configuration's `models` (by
 * name) — an admin's API call cannot make the server read a file or fetch a URL of its choice —
 * and a failed job shows other roles no file content and no server path (admins read it whole).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
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
});
