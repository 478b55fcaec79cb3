/**
 * The HTTP API without a PACS: open routes, 401 without a valid token, every route × every role
 * against the route table the OpenAPI document is built from, JSON errors with a request id,
 * schema validation of bodies, token management, the audit log.
 */
import type { EventEmitter } from 'node:events';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { ROUTES } from '../server/src/http/openApi';
import { startTestServer, type RoleName, type TestServer } from './harness/serverHarness';

let t: TestServer;
const ROLES: RoleName[] = ['admin', 'annotator', 'service'];
const PROJECT = { name: 'chest', source: 'folder', classes: ['right lung', 'left lung'], budget: { coldStart: 4, perRound: 2, total: 8 } };

beforeAll(async () => {
  t = await startTestServer({ sources: { folder: { kind: 'folder', path: 'empty' } }, projects: [PROJECT] });
  mkdirSync(path.join(t.dir, 'empty'), { recursive: true });
});
afterAll(async () => {
  await t.dispose();
});

/** A concrete URL for a route of the table (ids that exist where it matters, harmless otherwise). */
const concrete = (route: string): string =>
  route.replace('{id}', route.startsWith('/api/projects') ? '1' : '9999').replace('{sop}', '1.2.3.4').replace('{round}', '0').replace('{source}', 'folder');

describe('HTTP API', () => {
  it('answers health, info and the OpenAPI document without a token', async () => {
    expect(await t.call('GET', '/api/health')).toMatchObject({ status: 200, json: { status: 'ok' } });
    const info = await t.call('GET', '/api/info');
    expect(info.json).toMatchObject({ version: '0.0.0-test', encoders: expect.arrayContaining(['intensity-texture', 'tfjs-model']), strategies: expect.arrayContaining(['coldstart', 'entropy-diversity']), models: ['attention-unet'] });
    expect(info.json.compute.backend).toMatch(/^(wasm|cpu|tensorflow)$/);
    const doc = await t.call('GET', '/openapi.json');
    expect(doc.json.openapi).toBe('3.1.0');
    for (const route of ROUTES) expect(doc.json.paths[route.path][route.method]['x-roles']).toEqual(route.roles);
  });

  it('answers 401 on every other route without a valid token, before reading the body', async () => {
    for (const route of ROUTES) {
      const withBody = route.method === 'get' ? {} : { body: '{not json', type: 'application/json' };
      const none = await t.call(route.method.toUpperCase(), concrete(route.path), withBody);
      expect([route.path, none.status]).toEqual([route.path, 401]);
      expect(none.json).toEqual({ code: 'unauthorized', message: expect.stringMatching(/bearer token is required/), requestId: none.requestId });
      expect((await t.call(route.method.toUpperCase(), concrete(route.path), { token: 'ss_wrong' })).status).toBe(401);
    }
    expect((await t.call('GET', '/api/nothing-here')).status).toBe(401); // unknown routes are not revealed either
  });

  it('lets exactly the roles of the route table through (403 for the others)', async () => {
    for (const route of ROUTES) {
      if (route.path === '/api/events') continue; // a stream: tested below
      for (const role of ROLES) {
        const r = await t.call(route.method.toUpperCase(), concrete(route.path), { role, json: route.method === 'get' || route.method === 'delete' ? undefined : {} });
        const label = `${route.method.toUpperCase()} ${route.path} as ${role}`;
        if (route.roles.includes(role)) expect([label, r.status === 401 || r.status === 403]).toEqual([label, false]);
        else expect([label, r.status, r.json?.code]).toEqual([label, 403, 'forbidden']);
      }
    }
  });

  it('streams job events to every role, and forgets a client once it has gone', async () => {
    const listeners = (): number => (t.server.ctx.queue as unknown as EventEmitter).listenerCount('job');
    const before = listeners();
    for (const role of ROLES) {
      const controller = new AbortController();
      const response = await fetch(`${t.url}/api/events`, { headers: { Authorization: `Bearer ${t.token[role]}` }, signal: controller.signal });
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/text\/event-stream/);
      const reader = response.body!.getReader();
      expect(Buffer.from((await reader.read()).value!).toString('utf8')).toMatch(/^: connected/);
      controller.abort(); // while the server may still be reading the active jobs
    }
    for (let i = 0; i < 100 && listeners() > before; i++) await new Promise((r) => setTimeout(r, 20));
    expect(listeners()).toBe(before);
  });

  it('validates project bodies against the schema and the configuration, naming each problem', async () => {
    const bad = await t.call('POST', '/api/projects', { role: 'admin', json: { name: 'x', source: 'nowhere', classes: [], budget: { coldStart: 9, perRound: 1, total: 4 }, alpha: 2, colour: 'red' } });
    expect(bad).toMatchObject({ status: 400, json: { code: 'invalid-body' } });
    expect(bad.json.message).toMatch(/classes/);
    expect(bad.json.message).toMatch(/alpha/);
    expect(bad.json.message).toMatch(/unknown property "colour"/);
    const semantic = await t.call('POST', '/api/projects', { role: 'admin', json: { ...PROJECT, name: 'x', source: 'nowhere', budget: { coldStart: 9, perRound: 1, total: 4 }, schedule: '0 25 * * *' } });
    expect(semantic.status).toBe(400);
    expect(semantic.json.message).toMatch(/source: "nowhere" is not a configured source \(configured: folder\)/);
    expect(semantic.json.message).toMatch(/cold start \(9\) exceeds the total \(4\)/);
    expect(semantic.json.message).toMatch(/schedule: hour field/);
    expect((await t.call('POST', '/api/projects', { role: 'admin', json: { ...PROJECT } })).json).toMatchObject({ code: 'name-taken' });
    const created = await t.call('POST', '/api/projects', { role: 'admin', json: { ...PROJECT, name: 'brain', schedule: '0 2 * * *', timeZone: 'Europe/Zurich' } });
    expect(created.status).toBe(201);
    expect(created.json.settings).toMatchObject({ alpha: 0.3, projection: 'tsne', autoRetrainQuota: 1, model: { inputSize: 128, epochs: 40 }, encoder: { id: 'intensity-texture' } });
    expect(created.json.budget).toEqual({ coldStart: 4, perRound: 2, total: 8, used: 0, remaining: 8 });
  });

  it('lets an admin change budgets and α, and audits who changed what', async () => {
    const patched = await t.call('PATCH', '/api/projects/1', { role: 'admin', json: { alpha: 0.5, budget: { coldStart: 4, perRound: 3, total: 20 } } });
    expect(patched.status).toBe(200);
    expect(patched.json.settings).toMatchObject({ alpha: 0.5, budget: { perRound: 3, total: 20 } });
    expect((await t.call('PATCH', '/api/projects/1', { role: 'admin', json: { source: 'other' } })).json.code).toBe('invalid-body'); // fixed at creation
    expect((await t.call('PATCH', '/api/projects/1', { role: 'admin', json: { alpha: -1 } })).status).toBe(400);
    expect((await t.call('PATCH', '/api/projects/77', { role: 'admin', json: { alpha: 0.1 } })).status).toBe(404);
    const audit = await t.call('GET', '/api/audit?project=1', { role: 'admin' });
    expect(audit.json[0]).toMatchObject({ actor: 'admin tester', action: 'project.update', details: { alpha: { from: 0.3, to: 0.5 } } });
  });

  it('issues and revokes tokens (only a hash is stored, the token is shown once)', async () => {
    const created = await t.call('POST', '/api/tokens', { role: 'admin', json: { name: 'nightly', role: 'service' } });
    expect(created).toMatchObject({ status: 201, json: { name: 'nightly', role: 'service', token: expect.stringMatching(/^ss_/) } });
    expect((await t.call('GET', '/api/jobs', { token: created.json.token })).status).toBe(200);
    const listed = await t.call('GET', '/api/tokens', { role: 'admin' });
    expect(JSON.stringify(listed.json)).not.toContain(created.json.token);
    const stored = await t.server.ctx.sql.all<{ hash: string }>('SELECT hash FROM tokens');
    expect(stored.every((s) => /^[0-9a-f]{64}$/.test(s.hash) && !s.hash.includes(created.json.token))).toBe(true);
    expect((await t.call('DELETE', `/api/tokens/${created.json.id}`, { role: 'admin' })).status).toBe(204);
    expect((await t.call('GET', '/api/jobs', { token: created.json.token })).status).toBe(401);
    expect((await t.call('DELETE', `/api/tokens/${created.json.id}`, { role: 'admin' })).status).toBe(404);
    expect((await t.call('POST', '/api/tokens', { role: 'admin', json: { name: 'x', role: 'root' } })).json.code).toBe('invalid-body');
  });

  it('answers bad ids, queries and JSON with 4xx and a JSON error', async () => {
    expect(await t.call('POST', '/api/tokens', { role: 'admin', body: '{not json', type: 'application/json' })).toMatchObject({ status: 400, json: { code: 'invalid-json' } });
    expect(await t.call('GET', '/api/jobs/999', { role: 'admin' })).toMatchObject({ status: 404, json: { code: 'not-found' } });
    expect(await t.call('GET', '/api/jobs?project=abc', { role: 'admin' })).toMatchObject({ status: 400, json: { code: 'invalid-query' } });
    expect(await t.call('GET', '/api/projects/abc', { role: 'admin' })).toMatchObject({ status: 404, json: { code: 'not-found' } });
    expect(await t.call('GET', '/api/projects/1/cases/not-a-uid', { role: 'admin' })).toMatchObject({ status: 400, json: { code: 'invalid-uid' } });
    expect(await t.call('GET', '/api/projects/1/cases/1.2.3', { role: 'admin' })).toMatchObject({ status: 404, json: { code: 'not-found' } });
    expect(await t.call('GET', '/api/projects/1/worklist?status=done', { role: 'admin' })).toMatchObject({ status: 400, json: { code: 'invalid-query' } });
    expect(await t.call('GET', '/api/nothing-here', { role: 'admin' })).toMatchObject({ status: 404, json: { code: 'not-found' } });
    const big = await t.call('POST', '/api/projects', { role: 'admin', body: JSON.stringify({ name: 'x'.repeat(2_000_000) }), type: 'application/json' });
    expect(big).toMatchObject({ status: 413, json: { code: 'too-large' } });
  });

  it('refuses a round on an empty pool with a clear job error, and a sync of an empty folder succeeds', async () => {
    // The role table's requests queued jobs too; a queue that does not run them at once (the job
    // engine on PostgreSQL polls) may still hold them, and a second sync would join the first.
    await t.server.ctx.queue.idle();
    const sync = await t.call('POST', '/api/projects/1/sync', { role: 'service' });
    expect(sync.status).toBe(202);
    const round = await t.call('POST', '/api/projects/1/rounds', { role: 'service' });
    expect([200, 202]).toContain(round.status);
    await t.server.ctx.queue.idle();
    expect((await t.server.ctx.jobs.get(sync.json.id))).toMatchObject({ state: 'succeeded', result: { listed: 0 } });
    expect((await t.server.ctx.jobs.get(round.json.id))).toMatchObject({ state: 'failed', error: expect.stringMatching(/no embedded images yet: run a sync first/) });
  });
});
