/**
 * Whose work a mask may change (issue 11, item 1), through the HTTP API with an injected clock:
 * only the holder of a live claim submits; an expired claim can be taken by another annotator
 * and the first one's late submit is refused; a labelled case is changed only by whoever
 * labelled it or by an admin (audited); a claim lost while the upload is stored refuses it and
 * leaves no file behind.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { PhantomCase } from '../server/src/demo/phantomDataset';
import { phantomSeg, startPhantomServer } from './harness/phantomMasks';
import type { TestServer } from './harness/serverHarness';

jest.setTimeout(120_000);

const CLASSES = ['right lung', 'left lung'];
let t: TestServer;
let cases: Map<string, PhantomCase>;
let clock = new Date('2026-12-01T08:00:00Z');
let second: string;
let worklist: Array<{ sopUid: string }>;


const later = (minutes: number): void => {
  clock = new Date(clock.getTime() + minutes * 60_000);
};
const claim = (sopUid: string, who: { role?: 'annotator' | 'admin'; token?: string }) => t.call('POST', `/api/projects/1/cases/${sopUid}/claim`, who);
const submit = async (sopUid: string, who: { role?: 'annotator' | 'admin'; token?: string }) =>
  t.call('POST', `/api/projects/1/cases/${sopUid}/mask`, { ...who, body: await phantomSeg(cases.get(sopUid)!, CLASSES), type: 'application/dicom' });
const maskFiles = async (): Promise<string[]> => (await fs.readdir(path.join(t.dir, 'data', 'masks', '1')).catch(() => [] as string[])).sort();

beforeAll(async () => {
  ({ t, cases } = await startPhantomServer(16, 11, {
    name: 'ownership', classes: CLASSES, projection: 'pca', budget: { coldStart: 8, perRound: 2, total: 12 }, leaseMinutes: 30,
    autoRetrainQuota: 0, encoder: { id: 'intensity-texture', inputSize: 64 }, model: { inputSize: 32, epochs: 1, depth: 2, baseChannels: 4 },
  }, { now: () => clock }));
  second = (await t.call('POST', '/api/tokens', { role: 'admin', json: { name: 'second annotator', role: 'annotator' } })).json.token;
  await t.call('POST', '/api/projects/1/sync', { role: 'service' });
  await t.server.ctx.queue.idle();
  await t.call('POST', '/api/projects/1/rounds', { role: 'service' });
  await t.server.ctx.queue.idle();
  worklist = (await t.call('GET', '/api/projects/1/worklist', { role: 'annotator' })).json;
  expect(worklist).toHaveLength(8);
});
afterAll(async () => {
  await t.dispose();
});

describe('who may submit a mask', () => {
  it('refuses a mask for a case nobody claimed, before reading it, and stores nothing', async () => {
    const sop = worklist[0]!.sopUid;
    expect(await submit(sop, { role: 'annotator' })).toMatchObject({ status: 409, json: { code: 'claim-required' } });
    expect((await t.call('GET', `/api/projects/1/cases/${sop}`, { role: 'annotator' })).json.status).toBe('open');
    expect((await t.server.ctx.masks.list(1))).toEqual([]);
    expect(await maskFiles()).toEqual([]);
  });

  it('lets only the holder of a claim submit while the lease runs', async () => {
    const sop = worklist[0]!.sopUid;
    expect((await claim(sop, { role: 'annotator' })).status).toBe(200);
    expect(await submit(sop, { token: second })).toMatchObject({ status: 409, json: { code: 'claimed-by-another' } });
    expect((await t.server.ctx.masks.get(1, sop))).toBeNull();
    expect((await submit(sop, { role: 'annotator' })).status).toBe(201);
    expect((await t.server.ctx.masks.get(1, sop))).toMatchObject({ submittedBy: 'annotator tester' });
  });

  it("never lets another annotator replace a labelled case's mask; its author may correct it", async () => {
    const sop = worklist[0]!.sopUid;
    const before = (await t.server.ctx.masks.get(1, sop))!;
    const files = await maskFiles();
    expect((await claim(sop, { token: second })).json.code).toBe('already-labelled');
    expect(await submit(sop, { token: second })).toMatchObject({ status: 403, json: { code: 'labelled-by-another', message: expect.stringMatching(/annotator tester/) } });
    expect((await t.server.ctx.masks.get(1, sop))).toEqual(before);
    expect(await maskFiles()).toEqual(files);
    const again = await submit(sop, { role: 'annotator' });
    expect(again.status).toBe(201);
    const after = (await t.server.ctx.masks.get(1, sop))!;
    expect(after.labelFile).not.toBe(before.labelFile); // a new name per submission: nothing is overwritten in place
    const audit = (await t.call('GET', '/api/audit?project=1', { role: 'admin' })).json as Array<{ action: string; details: Record<string, unknown> }>;
    expect(audit.find((e) => e.action === 'mask.submit')!.details).toMatchObject({ as: 'own-labelled', replaces: { submittedBy: 'annotator tester', labelFile: before.labelFile } });
  });

  it('lets an admin replace anyone’s mask, audited with whose work it overrides', async () => {
    const sop = worklist[0]!.sopUid;
    expect((await submit(sop, { role: 'admin' })).status).toBe(201);
    expect((await t.server.ctx.masks.get(1, sop))).toMatchObject({ submittedBy: 'admin tester' });
    const audit = (await t.call('GET', '/api/audit?project=1', { role: 'admin' })).json as Array<{ actor: string; action: string; details: Record<string, unknown> }>;
    expect(audit.find((e) => e.action === 'mask.submit')).toMatchObject({ actor: 'admin tester', details: { as: 'admin', overrides: 'annotator tester' } });
  });

  it('lets another annotator take over an expired claim and refuses the first holder’s late submit', async () => {
    const sop = worklist[1]!.sopUid;
    expect((await claim(sop, { role: 'annotator' })).json).toMatchObject({ status: 'claimed', claimedBy: 'annotator tester' });
    later(29);
    expect((await claim(sop, { token: second })).json.code).toBe('claimed-by-another'); // the lease still runs
    later(2);
    expect((await t.call('GET', `/api/projects/1/cases/${sop}`, { role: 'annotator' })).json).toMatchObject({ status: 'open', claimedBy: null });
    expect((await claim(sop, { token: second })).json).toMatchObject({ status: 'claimed', claimedBy: 'second annotator' });
    expect(await submit(sop, { role: 'annotator' })).toMatchObject({ status: 409, json: { code: 'claimed-by-another' } });
    expect((await submit(sop, { token: second })).status).toBe(201);
    expect((await t.server.ctx.masks.get(1, sop))).toMatchObject({ submittedBy: 'second annotator' });
  });

  it('refuses the late submit of an expired claim nobody took over', async () => {
    const sop = worklist[2]!.sopUid;
    await claim(sop, { role: 'annotator' });
    later(31);
    expect(await submit(sop, { role: 'annotator' })).toMatchObject({ status: 409, json: { code: 'claim-required' } });
    expect((await t.server.ctx.masks.get(1, sop))).toBeNull();
  });

  it('refuses a submit whose claim was lost while the upload was being stored, and leaves no file behind', async () => {
    const sop = worklist[3]!.sopUid;
    await claim(sop, { role: 'annotator' });
    const files = await maskFiles();
    const artifacts = t.server.ctx.artifacts;
    const put = artifacts.put.bind(artifacts);
    const spy = jest.spyOn(artifacts, 'put').mockImplementationOnce(async (key, bytes) => {
      await put(key, bytes);
      later(31); // the lease runs out while the mask is stored …
      expect((await claim(sop, { token: second })).status).toBe(200); // … and another annotator takes the case
    });
    try {
      expect(await submit(sop, { role: 'annotator' })).toMatchObject({ status: 409, json: { code: 'claimed-by-another' } });
    } finally {
      spy.mockRestore();
    }
    expect((await t.server.ctx.masks.get(1, sop))).toBeNull();
    expect(await maskFiles()).toEqual(files);
    expect((await t.call('GET', `/api/projects/1/cases/${sop}`, { role: 'annotator' })).json).toMatchObject({ status: 'claimed', claimedBy: 'second annotator' });
  });
});
