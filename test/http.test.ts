/** The HTTP app: open routes, 401 without a valid token, 403 for a wrong role, JSON errors with a request id. */
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { openDatabase, type Db } from '../server/src/db/database';
import { MIGRATIONS } from '../server/src/db/schema';
import { TokenStore } from '../server/src/auth/tokenStore';
import { JobStore } from '../server/src/jobs/jobStore';
import { createApp } from '../server/src/http/app';

let db: Db;
let server: Server;
let base: string;
const token: Record<string, string> = {};
let tokens: TokenStore;

beforeAll(async () => {
  db = openDatabase(':memory:', MIGRATIONS);
  tokens = new TokenStore(db);
  for (const role of ['admin', 'annotator', 'service'] as const) token[role] = tokens.create(`${role} test`, role).token;
  const jobs = new JobStore(db);
  jobs.enqueue('sync');
  const app = createApp({ info: { version: '0.1.0', backend: 'wasm', encoders: ['intensity-texture'], strategies: ['coldstart'], models: ['attention-unet'] }, tokens, jobs });
  server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  db.close();
});

const call = async (method: string, path: string, options: { role?: string; token?: string; body?: string } = {}) => {
  const headers: Record<string, string> = {};
  const bearer = options.token ?? (options.role ? token[options.role] : undefined);
  if (bearer) headers.Authorization = `Bearer ${bearer}`;
  if (options.body !== undefined) headers['Content-Type'] = 'application/json';
  const response = await fetch(`${base}${path}`, { method, headers, ...(options.body !== undefined && { body: options.body }) });
  const text = await response.text();
  return { status: response.status, json: text ? JSON.parse(text) : null, requestId: response.headers.get('x-request-id') };
};

describe('HTTP app', () => {
  it('answers health and info without a token', async () => {
    expect(await call('GET', '/api/health')).toMatchObject({ status: 200, json: { status: 'ok' } });
    expect((await call('GET', '/api/info')).json).toMatchObject({ version: '0.1.0', backend: 'wasm', encoders: ['intensity-texture'] });
  });

  it('answers 401 without a valid token, with code, message and the request id', async () => {
    const none = await call('GET', '/api/jobs');
    expect(none.status).toBe(401);
    expect(none.json).toEqual({ code: 'unauthorized', message: expect.stringMatching(/bearer token is required/), requestId: none.requestId });
    expect((await call('GET', '/api/jobs', { token: 'ss_wrong' })).status).toBe(401);
    expect((await call('GET', '/api/nothing-here')).status).toBe(401); // unknown routes are not revealed either
    expect((await call('POST', '/api/tokens', { body: '{not json' })).status).toBe(401); // nor is the body read
  });

  it('lets every role read jobs; only admin manages tokens (403 for the others)', async () => {
    for (const role of ['admin', 'annotator', 'service']) {
      const jobs = await call('GET', '/api/jobs', { role });
      expect(jobs.status).toBe(200);
      expect(jobs.json).toHaveLength(1);
    }
    for (const role of ['annotator', 'service']) {
      const denied = await call('POST', '/api/tokens', { role, body: JSON.stringify({ name: 'x', role: 'admin' }) });
      expect(denied).toMatchObject({ status: 403, json: { code: 'forbidden' } });
    }
    const created = await call('POST', '/api/tokens', { role: 'admin', body: JSON.stringify({ name: 'nightly', role: 'service' }) });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ name: 'nightly', role: 'service', token: expect.stringMatching(/^ss_/) });
    expect((await call('GET', '/api/jobs', { token: created.json.token })).status).toBe(200);
    expect((await call('DELETE', `/api/tokens/${created.json.id}`, { role: 'admin' })).status).toBe(204);
    expect((await call('GET', '/api/jobs', { token: created.json.token })).status).toBe(401);
    expect((await call('DELETE', `/api/tokens/${created.json.id}`, { role: 'admin' })).status).toBe(404);
  });

  it('validates bodies and ids, and answers unknown routes as JSON', async () => {
    expect(await call('POST', '/api/tokens', { role: 'admin', body: JSON.stringify({ name: 'x', role: 'root' }) })).toMatchObject({ status: 400, json: { code: 'invalid-body' } });
    expect(await call('POST', '/api/tokens', { role: 'admin', body: '{not json' })).toMatchObject({ status: 400, json: { code: 'invalid-json' } });
    expect(await call('GET', '/api/jobs/999', { role: 'admin' })).toMatchObject({ status: 404, json: { code: 'not-found' } });
    expect(await call('GET', '/api/jobs?project=abc', { role: 'admin' })).toMatchObject({ status: 400, json: { code: 'invalid-query' } });
    expect(await call('GET', '/api/nothing-here', { role: 'admin' })).toMatchObject({ status: 404, json: { code: 'not-found' } });
  });

  it('stores only a hash of each token', () => {
    const stored = db.prepare('SELECT hash FROM tokens').all() as Array<{ hash: string }>;
    for (const t of Object.values(token)) expect(stored.some((s) => s.hash.includes(t))).toBe(false);
    expect(stored.every((s) => /^[0-9a-f]{64}$/.test(s.hash))).toBe(true);
  });
});
