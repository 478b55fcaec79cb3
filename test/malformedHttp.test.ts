/**
 * Issue 11: a corpus of malformed and hostile requests through the HTTP API — truncated,
 * oversized, wrong-type, wrong-reference, bombs, deeply nested, non-UTF-8, path-like ids. Each
 * gets a clear 4xx with the JSON error shape and no server path, stack or file content; the server
 * stays alive with its memory bounded, and nothing accepted before is changed.
 */
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { readPng, writeGrayPng } from '@scanselect/plugin';
import type { PhantomCase } from '../server/src/demo/phantomDataset';
import { greyPngWith } from './harness/maskBombs';
import { phantomSeg, startPhantomServer } from './harness/phantomMasks';
import type { CallOptions, CallResult, TestServer } from './harness/serverHarness';

jest.setTimeout(180_000);

const CLASSES = ['right lung', 'left lung'];
let t: TestServer;
let claimed: PhantomCase; // claimed by the annotator: masks for it get past the ownership check
let labelled: PhantomCase; // labelled before the corpus runs: its mask must survive it
let other: PhantomCase;



const maskRoute = (c: PhantomCase): string => `/api/projects/1/cases/${c.sopUid}/mask`;

interface Probe {
  readonly name: string;
  readonly method: string;
  readonly route: string | (() => string);
  readonly options?: CallOptions | (() => Promise<CallOptions>);
  readonly status: number;
  readonly code?: string;
}

const annotator = { role: 'annotator' } as const;
const admin = { role: 'admin' } as const;
const json = (body: string, role: 'admin' | 'annotator' = 'admin'): CallOptions => ({ role, body, type: 'application/json' });

const PROBES: Probe[] = [
  // deeply nested, truncated and non-JSON bodies
  { name: '200,000 nested arrays', method: 'PATCH', route: '/api/projects/1', options: json('['.repeat(200_000)), status: 400, code: 'too-deep' },
  { name: '100,000 nested objects', method: 'POST', route: '/api/projects', options: json('{"a":'.repeat(100_000)), status: 400, code: 'too-deep' },
  { name: 'nesting hidden behind strings', method: 'POST', route: '/api/tokens', options: json(`{"name":"[{\\"","role":${'['.repeat(40)}${']'.repeat(40)}}`), status: 400, code: 'too-deep' },
  { name: 'truncated JSON', method: 'PATCH', route: '/api/projects/1', options: json('{"alpha": 0.'), status: 400, code: 'invalid-json' },
  { name: 'JSON body over 1 MB', method: 'POST', route: '/api/tokens', options: json(`{"name":"${'x'.repeat(1_100_000)}","role":"annotator"}`), status: 413, code: 'too-large' },
  { name: 'non-UTF-8 JSON body', method: 'POST', route: '/api/tokens', options: { role: 'admin', body: Uint8Array.from([0x7b, 0x22, 0xff, 0xfe, 0xc3, 0x28, 0x22, 0x3a, 0x31, 0x7d]), type: 'application/json' }, status: 400 },
  { name: 'JSON in an unsupported charset', method: 'POST', route: '/api/tokens', options: { role: 'admin', body: Buffer.from('{"name":"\u00e9","role":"annotator"}', 'latin1'), type: 'application/json; charset=latin1' }, status: 415 },
  { name: 'JSON null', method: 'PATCH', route: '/api/projects/1', options: json('null'), status: 400 },
  { name: 'JSON array instead of an object', method: 'PATCH', route: '/api/projects/1', options: json('[1,2,3]'), status: 400 },
  // wrong types and values
  { name: 'budget of the wrong type', method: 'PATCH', route: '/api/projects/1', options: json('{"budget":{"total":"ten"}}'), status: 400, code: 'invalid-body' },
  { name: 'α out of range', method: 'PATCH', route: '/api/projects/1', options: json('{"alpha":1e309}'), status: 400 },
  { name: 'prototype pollution key', method: 'PATCH', route: '/api/projects/1', options: json('{"__proto__":{"role":"admin"},"constructor":{"prototype":{"x":1}}}'), status: 400, code: 'invalid-body' },
  { name: 'unknown role for a token', method: 'POST', route: '/api/tokens', options: json('{"name":"x","role":"root"}'), status: 400 },
  { name: 'token name of 10,000 characters', method: 'POST', route: '/api/tokens', options: json(`{"name":"${'n'.repeat(10_000)}","role":"annotator"}`), status: 400 },
  { name: 'encoder model as a path', method: 'POST', route: '/api/projects', options: json('{"name":"x","source":"phantoms","classes":["a"],"budget":{"coldStart":1,"perRound":1,"total":2},"encoder":{"id":"tfjs-model","model":"/etc/passwd"}}'), status: 400, code: 'invalid-body' },
  { name: 'a project on a source that is a path', method: 'POST', route: '/api/projects', options: json('{"name":"y","source":"../../etc","classes":["a"],"budget":{"coldStart":1,"perRound":1,"total":2}}'), status: 400, code: 'invalid-body' },
  // ids and queries
  { name: 'unknown project', method: 'GET', route: '/api/projects/999999', options: annotator, status: 404, code: 'not-found' },
  { name: 'project id that is not a number', method: 'GET', route: '/api/projects/abc', options: annotator, status: 404 },
  { name: 'project id in exponent form', method: 'GET', route: '/api/projects/1e3', options: annotator, status: 404 },
  { name: 'negative project id', method: 'GET', route: '/api/projects/-1', options: annotator, status: 404 },
  { name: 'path-like case id', method: 'GET', route: '/api/projects/1/cases/..%2F..%2F..%2Fetc%2Fpasswd', options: annotator, status: 400, code: 'invalid-uid' },
  { name: 'case id with a NUL byte', method: 'GET', route: '/api/projects/1/cases/1.2.3%00.4', options: annotator, status: 400, code: 'invalid-uid' },
  { name: 'case id over 64 characters', method: 'GET', route: `/api/projects/1/cases/1.${'2'.repeat(80)}`, options: annotator, status: 400, code: 'invalid-uid' },
  { name: 'unknown case', method: 'GET', route: '/api/projects/1/cases/1.2.826.0.1.3680043.99999.1', options: annotator, status: 404 },
  { name: 'claim of an unknown case', method: 'POST', route: '/api/projects/1/cases/1.2.826.0.1.3680043.99999.1/claim', options: annotator, status: 404 },
  { name: 'unknown status filter', method: 'GET', route: '/api/projects/1/worklist?status=pwned', options: annotator, status: 400, code: 'invalid-query' },
  { name: 'repeated query parameter', method: 'GET', route: '/api/projects/1/worklist?status=open&status=labelled', options: annotator, status: 400, code: 'invalid-query' },
  { name: 'negative round', method: 'GET', route: '/api/projects/1/worklist?round=-1', options: annotator, status: 400, code: 'invalid-query' },
  { name: 'round beyond a safe integer', method: 'GET', route: '/api/projects/1/worklist?round=1e309', options: annotator, status: 400, code: 'invalid-query' },
  { name: 'map of an unknown round', method: 'GET', route: '/api/projects/1/rounds/77/map', options: annotator, status: 404 },
  { name: 'job id that is not a number', method: 'GET', route: '/api/jobs/abc', options: annotator, status: 404 },
  { name: 'unknown API route', method: 'GET', route: '/api/../../etc/passwd', options: annotator, status: 404 },
  { name: 'revoke an unknown token', method: 'DELETE', route: '/api/tokens/999999', options: admin, status: 404 },
  // masks: wrong type, truncated, wrong reference, bombs
  { name: 'mask as text/plain', method: 'POST', route: () => maskRoute(claimed), options: { ...annotator, body: 'hello', type: 'text/plain' }, status: 415 },
  { name: 'empty mask', method: 'POST', route: () => maskRoute(claimed), options: { ...annotator, body: new Uint8Array(), type: 'image/png' }, status: 400 },
  { name: 'truncated PNG', method: 'POST', route: () => maskRoute(claimed), options: async () => ({ ...annotator, body: writeGrayPng(new Uint8Array(64 * 64), 64, 64).subarray(0, 40), type: 'image/png' }), status: 400 },
  { name: 'PNG of the wrong size', method: 'POST', route: () => maskRoute(claimed), options: async () => ({ ...annotator, body: writeGrayPng(new Uint8Array(65 * 64), 65, 64), type: 'image/png' }), status: 400, code: 'wrong-size' },
  { name: 'PNG declaring 12000 × 12000 (decompression bomb)', method: 'POST', route: () => maskRoute(claimed), options: async () => ({ ...annotator, body: greyPngWith(12_000, 12_000, deflateSync(Buffer.alloc(4_000_000))), type: 'image/png' }), status: 400, code: 'wrong-size' },
  { name: 'PNG with class values beyond the classes', method: 'POST', route: () => maskRoute(claimed), options: async () => ({ ...annotator, body: writeGrayPng(new Uint8Array(64 * 64).fill(9), 64, 64), type: 'image/png' }), status: 400, code: 'unknown-label-value' },
  { name: 'garbage as a DICOM SEG', method: 'POST', route: () => maskRoute(claimed), options: { ...annotator, body: Buffer.from('DICM? no'), type: 'application/dicom' }, status: 400, code: 'invalid-seg' },
  { name: 'truncated DICOM SEG', method: 'POST', route: () => maskRoute(claimed), options: async () => ({ ...annotator, body: (await phantomSeg(claimed, CLASSES)).subarray(0, 700), type: 'application/dicom' }), status: 400, code: 'invalid-seg' },
  { name: 'SEG of another case', method: 'POST', route: () => maskRoute(claimed), options: async () => ({ ...annotator, body: await phantomSeg(other, CLASSES), type: 'application/dicom' }), status: 400, code: 'wrong-reference' },
  { name: 'mask over the upload limit', method: 'POST', route: () => maskRoute(claimed), options: { ...annotator, body: new Uint8Array(1_200_000), type: 'application/dicom' }, status: 413, code: 'too-large' },
  { name: "mask for a case another annotator labelled", method: 'POST', route: () => maskRoute(labelled), options: async () => ({ token: secondToken, body: await phantomSeg(labelled, CLASSES), type: 'application/dicom' }), status: 403, code: 'labelled-by-another' },
  { name: 'mask for a case nobody claimed', method: 'POST', route: () => maskRoute(other), options: async () => ({ ...annotator, body: await phantomSeg(other, CLASSES), type: 'application/dicom' }), status: 409, code: 'claim-required' },
  // viewer files and DICOMweb
  { name: 'missing viewer-extension file', method: 'GET', route: '/viewer-extension/nope.js', status: 404, code: 'not-found' },
  { name: 'viewer-extension path traversal', method: 'GET', route: '/viewer-extension/..%2F..%2Fpackage.json', status: 403 },
  { name: 'unknown DICOMweb source', method: 'GET', route: '/dicom-web/nowhere/studies', options: annotator, status: 404 },
  { name: 'a frame list of 7,000 repeats', method: 'GET', route: () => `/dicom-web/phantoms/studies/${claimed.studyUid}/series/${claimed.seriesUid}/instances/${claimed.sopUid}/frames/${Array(7000).fill('1').join(',')}`, options: annotator, status: 400 },
  { name: 'a frame number that is not one', method: 'GET', route: () => `/dicom-web/phantoms/studies/${claimed.studyUid}/series/${claimed.seriesUid}/instances/${claimed.sopUid}/frames/1,x`, options: annotator, status: 400 },
  // credentials
  { name: 'a bearer token of 6 kB', method: 'GET', route: '/api/projects', options: { token: 'x'.repeat(6000) }, status: 401, code: 'unauthorized' },
  { name: 'a bearer token that looks like a JWT', method: 'GET', route: '/api/projects', options: { token: 'eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIn0.' }, status: 401, code: 'unauthorized' },
];
let secondToken = '';

/** What the database holds that the corpus must not change. */
async function state(): Promise<unknown> {
  const ctx = t.server.ctx;
  return {
    projects: (await ctx.projects.list()).map((p) => ({ id: p.id, name: p.name, settings: p.settings })),
    worklist: (await ctx.rounds.worklist(1)).map((i) => ({ sopUid: i.sopUid, status: i.status, claimedBy: i.claimedBy })),
    masks: await ctx.masks.list(1),
    tokens: (await t.server.tokens.list()).length,
    rounds: (await ctx.rounds.list(1)).length,
  };
}

beforeAll(async () => {
  let bySop: Map<string, PhantomCase>;
  ({ t, cases: bySop } = await startPhantomServer(12, 5, {
    name: 'corpus', classes: CLASSES, projection: 'pca', budget: { coldStart: 6, perRound: 2, total: 10 }, autoRetrainQuota: 0, encoder: { id: 'intensity-texture', inputSize: 64 },
  }, {}, { uploadLimitMb: 1 }));
  await t.call('POST', '/api/projects/1/sync', { role: 'service' });
  await t.server.ctx.queue.idle();
  await t.call('POST', '/api/projects/1/rounds', { role: 'service' });
  await t.server.ctx.queue.idle();
  const worklist = (await t.call('GET', '/api/projects/1/worklist', annotator)).json as Array<{ sopUid: string }>;
  [claimed, labelled, other] = worklist.slice(0, 3).map((i) => bySop.get(i.sopUid)!) as [PhantomCase, PhantomCase, PhantomCase];
  await t.call('POST', `/api/projects/1/cases/${labelled.sopUid}/claim`, annotator);
  expect((await t.call('POST', maskRoute(labelled), { ...annotator, body: await phantomSeg(labelled, CLASSES), type: 'application/dicom' })).status).toBe(201);
  await t.call('POST', `/api/projects/1/cases/${claimed.sopUid}/claim`, annotator);
  secondToken = (await t.call('POST', '/api/tokens', { ...admin, json: { name: 'second annotator', role: 'annotator' } })).json.token;
});
afterAll(async () => {
  await t.dispose();
});

describe('malformed and hostile requests', () => {
  const answers: Array<[Probe, CallResult]> = [];
  let before: unknown;
  let rssBefore = 0;

  beforeAll(async () => {
    before = await state();
    rssBefore = process.memoryUsage().rss;
    for (const probe of PROBES) {
      const route = typeof probe.route === 'function' ? probe.route() : probe.route;
      const options = typeof probe.options === 'function' ? await probe.options() : probe.options;
      answers.push([probe, await t.call(probe.method, route, options)]);
    }
  });

  it('has at least 40 cases', () => {
    expect(PROBES.length).toBeGreaterThanOrEqual(40);
  });

  it.each(PROBES.map((p, i) => [p.name, i] as const))('%s: a clear 4xx with the JSON error shape', (_name, i) => {
    const [probe, answer] = answers[i]!;
    expect({ status: answer.status, code: probe.code === undefined ? undefined : answer.json?.code }).toEqual({ status: probe.status, code: probe.code });
    // `fields` only where the error is about input fields: each names a field and says what is wrong.
    const { fields, ...rest } = answer.json as { fields?: unknown };
    expect(rest).toEqual({ code: expect.any(String), message: expect.any(String), requestId: answer.requestId });
    if (fields !== undefined) expect(fields).toEqual(expect.arrayContaining([{ field: expect.any(String), message: expect.any(String) }]));
    const body = answer.bytes.toString('utf8');
    expect(body).not.toContain(t.dir);
    expect(body).not.toContain(path.resolve(__dirname, '..'));
    expect(body).not.toMatch(/\n\s+at |root:x:|ENOENT|EACCES/);
  });

  it('changed nothing that was accepted before, stays alive, and its memory stays bounded', async () => {
    expect(await state()).toEqual(before);
    expect(await t.call('GET', '/api/health')).toMatchObject({ status: 200, json: { status: 'ok' } });
    expect(process.memoryUsage().rss - rssBefore).toBeLessThan(400 * 1024 * 1024);
    const mask = readPng((await t.call('GET', `/api/projects/1/cases/${labelled.sopUid}/mask`, annotator)).bytes);
    expect(mask.data.some((v) => v > 0)).toBe(true);
    expect((await t.call('POST', maskRoute(claimed), { ...annotator, body: await phantomSeg(claimed, CLASSES), type: 'application/dicom' })).status).toBe(201); // a good mask is still accepted
  });

  it('answers a 500 without a stack, and its log line carries the request id with UIDs redacted', async () => {
    const uid = claimed.sopUid;
    const spy = jest.spyOn(t.server.ctx.rounds, 'item').mockImplementationOnce(() => {
      throw new Error(`unexpected state of case ${uid} in ${t.dir}`);
    });
    try {
      const answer = await t.call('GET', `/api/projects/1/cases/${uid}`, annotator);
      expect(answer.status).toBe(500);
      expect(answer.json).toEqual({ code: 'internal', message: expect.any(String), requestId: answer.requestId });
      expect(answer.bytes.toString()).not.toMatch(new RegExp(`${uid.replace(/\./g, '\\.')}|\\n\\s+at |unexpected state`));
      const logged = t.logs.filter((l) => l.includes(answer.requestId!));
      expect(logged.join('\n')).toMatch(/unexpected state of case <uid>/);
    } finally {
      spy.mockRestore();
    }
    expect(t.logs.join('\n')).not.toContain(uid);
  });
});
