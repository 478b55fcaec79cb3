/**
 * The whole loop through the HTTP API on a local folder source (no PACS): sync → cold start →
 * worklist → claims → masks (DICOM SEG and PNG, good and bad) → auto-retrain → active-learning
 * round → … until the budget is spent; then a restart keeps everything. Tiny model, real training.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { readPng } from '@scanselect/plugin';
import { writePhantomDataset, type PhantomCase } from '../server/src/demo/phantomDataset';
import { SECONDARY_CAPTURE_SOP_CLASS, writeSegmentation } from '../server/src/dicom';
import { artifactKeys } from '../server/src/storage/artifactKeys';
import { getModel } from '../server/src/storage/storedModel';
import { startTestServer, type TestServer } from './harness/serverHarness';

jest.setTimeout(300_000);

const CLASSES = ['right lung', 'left lung'];
let t: TestServer;
let cases: Map<string, PhantomCase>;
const config = (dir: string) => ({
  uploadLimitMb: 1,
  sources: { phantoms: { kind: 'folder', path: path.join(dir, 'phantoms', 'dicom') } },
  projects: [{
    name: 'loop', source: 'phantoms', classes: CLASSES, projection: 'pca', budget: { coldStart: 6, perRound: 3, total: 12 },
    encoder: { id: 'intensity-texture', inputSize: 64 }, model: { inputSize: 32, epochs: 2, depth: 2, baseChannels: 4 },
  }],
});

async function segOf(phantom: PhantomCase, options: { sopUid?: string; labels?: string[] } = {}): Promise<Uint8Array> {
  const truth = readPng(await fs.readFile(phantom.truthFile));
  return writeSegmentation({
    source: { studyUid: phantom.studyUid, seriesUid: phantom.seriesUid, sopUid: options.sopUid ?? phantom.sopUid, sopClassUid: SECONDARY_CAPTURE_SOP_CLASS, patientId: phantom.patientId, patientName: 'Phantom^Chest', rows: truth.height, columns: truth.width },
    segments: (options.labels ?? CLASSES).map((label, i) => ({ number: i + 1, label, value: i + 1 })),
    labelMap: Uint8Array.from(truth.data),
  });
}

async function labelAll(round: number): Promise<Array<{ queuedRoundJob: number | null }>> {
  const open = (await t.call('GET', `/api/projects/1/worklist?round=${round}&status=open`, { role: 'annotator' })).json as Array<{ sopUid: string }>;
  const receipts = [];
  for (const item of open) {
    expect((await t.call('POST', `/api/projects/1/cases/${item.sopUid}/claim`, { role: 'annotator' })).status).toBe(200);
    const r = await t.call('POST', `/api/projects/1/cases/${item.sopUid}/mask`, { role: 'annotator', body: await segOf(cases.get(item.sopUid)!), type: 'application/dicom' });
    expect([item.sopUid, r.status]).toEqual([item.sopUid, 201]);
    receipts.push(r.json);
  }
  return receipts;
}

beforeAll(async () => {
  t = await startTestServer({ sources: { phantoms: { kind: 'folder', path: 'unused' } } });
  await t.stop();
  const list = await writePhantomDataset(path.join(t.dir, 'phantoms'), 24, 7, 64);
  cases = new Map(list.map((c) => [c.sopUid, c]));
  t = await startTestServer(config(t.dir), { dir: t.dir });
});
afterAll(async () => {
  await t.dispose();
});

describe('the labelling loop on a folder source', () => {
  it('syncs and runs the cold start: a prioritised worklist of B₀ cases with map coordinates', async () => {
    expect((await t.call('POST', '/api/projects/1/sync', { role: 'service' })).status).toBe(202);
    await t.server.ctx.queue.idle();
    const project = (await t.call('GET', '/api/projects/1', { role: 'annotator' })).json;
    expect(project.pool).toEqual({ embedded: 24, failed: 0 });
    expect(project.activeJobs).toEqual([]);
    expect((await t.call('POST', '/api/projects/1/rounds', { role: 'service' })).status).toBe(202);
    await t.server.ctx.queue.idle();
    const worklist = (await t.call('GET', '/api/projects/1/worklist', { role: 'annotator' })).json;
    expect(worklist).toHaveLength(6);
    expect(worklist.map((i: { rank: number }) => i.rank)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(worklist.map((i: { priority: string }) => i.priority)).toEqual(['high', 'high', 'medium', 'medium', 'low', 'low']);
    expect(worklist[0]).toMatchObject({ round: 0, status: 'open', reason: 'medoid', entropy: null, x: expect.any(Number), y: expect.any(Number) });
    const map = (await t.call('GET', '/api/projects/1/rounds/0/map', { role: 'annotator' })).json;
    expect(map.points).toHaveLength(24);
    expect(map.points.filter((p: { selectedInRound: number | null }) => p.selectedInRound === 0)).toHaveLength(6);
    const thumbnail = await t.call('GET', `/api/projects/1/cases/${worklist[0].sopUid}/thumbnail`, { role: 'annotator' });
    expect(readPng(thumbnail.bytes)).toMatchObject({ width: 64, height: 64, channels: 1 });
    expect((await t.call('GET', `/api/projects/1/cases/${worklist[0].sopUid}/uncertainty`, { role: 'annotator' })).status).toBe(404); // cold start: no model yet
  });

  it('never lets two annotators hold the same case', async () => {
    const second = (await t.call('POST', '/api/tokens', { role: 'admin', json: { name: 'second annotator', role: 'annotator' } })).json.token;
    const [first] = (await t.call('GET', '/api/projects/1/worklist', { role: 'annotator' })).json;
    const claimed = await t.call('POST', `/api/projects/1/cases/${first.sopUid}/claim`, { role: 'annotator' });
    expect(claimed.json).toMatchObject({ status: 'claimed', claimedBy: 'annotator tester', leaseExpiresAt: expect.any(String) });
    const clash = await t.call('POST', `/api/projects/1/cases/${first.sopUid}/claim`, { token: second });
    expect(clash).toMatchObject({ status: 409, json: { code: 'claimed-by-another' } });
    expect((await t.call('POST', `/api/projects/1/cases/${first.sopUid}/mask`, { token: second, body: await segOf(cases.get(first.sopUid)!), type: 'application/dicom' })).status).toBe(409);
    expect((await t.call('DELETE', `/api/projects/1/cases/${first.sopUid}/claim`, { token: second })).json.code).toBe('claimed-by-another');
    expect((await t.call('DELETE', `/api/projects/1/cases/${first.sopUid}/claim`, { role: 'annotator' })).json.status).toBe('open');
    expect((await t.call('POST', `/api/projects/1/cases/${first.sopUid}/claim`, { token: second })).json.claimedBy).toBe('second annotator');
    expect((await t.call('DELETE', `/api/projects/1/cases/${first.sopUid}/claim`, { role: 'admin' })).json.status).toBe('open'); // an admin may release any
  });

  it('rejects bad masks with a clear 4xx and changes nothing', async () => {
    const [a, b] = (await t.call('GET', '/api/projects/1/worklist', { role: 'annotator' })).json;
    expect((await t.call('POST', `/api/projects/1/cases/${a.sopUid}/claim`, { role: 'annotator' })).status).toBe(200);
    const post = (body: Uint8Array | string, type: string) => t.call('POST', `/api/projects/1/cases/${a.sopUid}/mask`, { role: 'annotator', body, type });
    expect((await post(await segOf(cases.get(b.sopUid)!), 'application/dicom')).json.code).toBe('wrong-reference');
    expect((await post(await segOf(cases.get(a.sopUid)!, { labels: ['heart', 'left lung'] }), 'application/dicom')).json).toMatchObject({ code: 'unknown-segment', message: expect.stringMatching(/"heart" is not a class/) });
    expect((await post(Buffer.from('DICM? no, just text'), 'application/dicom')).json.code).toBe('invalid-seg');
    const { writeGrayPng } = await import('@scanselect/plugin');
    expect((await post(writeGrayPng(new Uint8Array(32 * 32), 32, 32), 'image/png')).json).toMatchObject({ code: 'wrong-size', message: expect.stringMatching(/32 × 32.*64 × 64/) });
    expect((await post(writeGrayPng(new Uint8Array(64 * 64).fill(7), 64, 64), 'image/png')).json.code).toBe('unknown-label-value');
    expect((await post('hello', 'text/plain')).status).toBe(415);
    expect((await post(new Uint8Array(1_500_000), 'application/dicom')).json.code).toBe('too-large'); // uploadLimitMb: 1
    expect((await t.call('GET', `/api/projects/1/cases/${a.sopUid}`, { role: 'annotator' })).json.status).toBe('claimed');
    expect((await t.server.ctx.masks.list(1))).toHaveLength(0);
    expect((await t.call('DELETE', `/api/projects/1/cases/${a.sopUid}/claim`, { role: 'annotator' })).json.status).toBe('open');
  });

  it('retrains when the worklist is labelled and selects by entropy and diversity, never beyond the budget', async () => {
    const receipts = await labelAll(0);
    expect(receipts.slice(0, -1).every((r) => r.queuedRoundJob === null)).toBe(true);
    expect(receipts.at(-1)!.queuedRoundJob).toEqual(expect.any(Number)); // the last mask completes the quota
    await t.server.ctx.queue.idle();
    const round1 = (await t.call('GET', '/api/projects/1/worklist', { role: 'annotator' })).json;
    expect(round1).toHaveLength(3);
    expect(round1[0]).toMatchObject({ round: 1, entropy: expect.any(Number), diversity: expect.any(Number) });
    const raw = await t.call('GET', `/api/projects/1/cases/${round1[0].sopUid}/uncertainty?format=raw`, { role: 'annotator' });
    expect(raw.bytes.length).toBe(32 * 32 * 4);
    expect(raw.headers.get('x-width')).toBe('32');
    const values = new Float32Array(raw.bytes.buffer.slice(raw.bytes.byteOffset, raw.bytes.byteOffset + raw.bytes.length));
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    expect(mean).toBeCloseTo(round1[0].entropy, 4); // eq. (6) is the mean of eq. (5)
    const prediction = readPng((await t.call('GET', `/api/projects/1/cases/${round1[0].sopUid}/prediction`, { role: 'annotator' })).bytes);
    expect([prediction.width, prediction.height, prediction.channels]).toEqual([64, 64, 1]); // the image's size, not the model's 32²
    expect(Math.max(...prediction.data)).toBeLessThanOrEqual(2);
    expect((await t.call('GET', `/api/projects/1/cases/${(await t.call('GET', '/api/projects/1/worklist?round=0', { role: 'annotator' })).json[0].sopUid}/prediction`, { role: 'annotator' })).status).toBe(404);
    const png = await t.call('GET', `/api/projects/1/cases/${round1[0].sopUid}/uncertainty`, { role: 'annotator' });
    expect(readPng(png.bytes)).toMatchObject({ width: 32, height: 32, channels: 3 });
    // The round's artefacts are in the store: another process can load its model; one lost is a 404, not a 500.
    (await getModel(t.server.ctx.artifacts, (await t.server.ctx.rounds.latest(1))!.modelDir!)).dispose();
    const lost = round1[1].sopUid;
    await t.server.ctx.artifacts.delete(artifactKeys.prediction(1, 1, lost));
    await t.server.ctx.artifacts.delete(artifactKeys.entropy(1, 1, lost));
    for (const what of ['prediction', 'uncertainty']) expect(await t.call('GET', `/api/projects/1/cases/${lost}/${what}`, { role: 'annotator' })).toMatchObject({ status: 404, json: { code: 'not-found' } });

    expect((await t.call('PATCH', '/api/projects/1', { role: 'admin', json: { budget: { coldStart: 6, perRound: 3, total: 8 } } })).json.code).toBe('budget-below-used');
    await labelAll(1);
    await t.server.ctx.queue.idle();
    const all = (await t.call('GET', '/api/projects/1/worklist?all=true', { role: 'annotator' })).json as Array<{ sopUid: string; round: number }>;
    expect(all).toHaveLength(12);
    expect(new Set(all.map((i) => i.sopUid)).size).toBe(12);
    expect((await t.call('POST', '/api/projects/1/rounds', { role: 'service' })).json.code).toBe('budget-exhausted');
    const receipts2 = await labelAll(2);
    expect(receipts2.every((r) => r.queuedRoundJob === null)).toBe(true); // nothing left to spend
    const project = (await t.call('GET', '/api/projects/1', { role: 'admin' })).json;
    expect(project).toMatchObject({ budget: { used: 12, remaining: 0 }, labelled: 12 });
    const actions = (await t.call('GET', '/api/audit?project=1&limit=1000', { role: 'admin' })).json.map((e: { action: string }) => e.action);
    expect(actions.filter((a: string) => a === 'mask.submit')).toHaveLength(12);
    expect(actions).toEqual(expect.arrayContaining(['case.claim', 'case.release', 'round.queue', 'sync.queue']));
  });

  it('with a quota below 1, starts the next round early and keeps the unlabelled cases on the worklist', async () => {
    const created = await t.call('POST', '/api/projects', { role: 'admin', json: { ...config(t.dir).projects[0], name: 'half', autoRetrainQuota: 0.5 } });
    const id = created.json.id as number;
    await t.call('POST', `/api/projects/${id}/sync`, { role: 'service' });
    await t.call('POST', `/api/projects/${id}/rounds`, { role: 'service' });
    await t.server.ctx.queue.idle();
    const cold = (await t.call('GET', `/api/projects/${id}/worklist`, { role: 'annotator' })).json as Array<{ sopUid: string }>;
    expect(cold).toHaveLength(6);
    for (const item of cold.slice(0, 3)) {
      await t.call('POST', `/api/projects/${id}/cases/${item.sopUid}/claim`, { role: 'annotator' });
      expect((await t.call('POST', `/api/projects/${id}/cases/${item.sopUid}/mask`, { role: 'annotator', body: await segOf(cases.get(item.sopUid)!), type: 'application/dicom' })).status).toBe(201);
    }
    await t.server.ctx.queue.idle();
    const worklist = (await t.call('GET', `/api/projects/${id}/worklist`, { role: 'annotator' })).json as Array<{ sopUid: string; round: number; status: string }>;
    expect(worklist.map((i) => [i.round, i.status])).toEqual([
      [0, 'open'], [0, 'open'], [0, 'open'], // left over from the cold start, still to label
      [1, 'open'], [1, 'open'], [1, 'open'], // the new round
    ]);
    expect((await t.call('GET', `/api/projects/${id}/worklist?round=1`, { role: 'annotator' })).json).toHaveLength(3);
  });

  it('keeps everything across a restart', async () => {
    await t.stop();
    t = await startTestServer(config(t.dir), { dir: t.dir });
    expect((await t.call('GET', '/api/projects/1/worklist?all=true', { role: 'annotator' })).json).toHaveLength(12);
    expect((await t.call('GET', '/api/projects/1/rounds', { role: 'annotator' })).json.map((r: { number: number; size: number }) => [r.number, r.size])).toEqual([[0, 6], [1, 3], [2, 3]]);
    expect((await t.call('GET', '/api/projects/2/rounds', { role: 'annotator' })).json.map((r: { number: number }) => r.number)).toEqual([0, 1]);
    const [first] = (await t.call('GET', '/api/projects/1/worklist?round=0', { role: 'annotator' })).json;
    const mask = readPng((await t.call('GET', `/api/projects/1/cases/${first.sopUid}/mask`, { role: 'annotator' })).bytes);
    const truth = readPng(await fs.readFile(cases.get(first.sopUid)!.truthFile));
    expect(Array.from(mask.data)).toEqual(Array.from(truth.data)); // the SEG's segments mapped back to class values
    expect((await t.server.ctx.jobs.list({ state: 'running' }))).toHaveLength(0);
  });
});
