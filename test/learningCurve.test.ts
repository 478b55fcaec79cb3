/**
 * The learning curve through the HTTP API on phantoms: sync → cold start → a validation set of 6
 * (stratified over the map's clusters) → label everything open (validation cases included) →
 * round 1 → label → round 2; each round job scores the round models on the validation cases.
 * Tiny model, real training.
 */
import type { PhantomCase } from '../server/src/demo/phantomDataset';
import { phantomSeg, startPhantomServer } from './harness/phantomMasks';
import type { TestServer } from './harness/serverHarness';

jest.setTimeout(300_000);

const CLASSES = ['right lung', 'left lung'];
let t: TestServer;
let cases: Map<string, PhantomCase>;

beforeAll(async () => {
  ({ t, cases } = await startPhantomServer(30, 9, {
    name: 'curve', classes: CLASSES, projection: 'pca', budget: { coldStart: 6, perRound: 3, total: 12 }, autoRetrainQuota: 0,
    encoder: { id: 'intensity-texture', inputSize: 64 }, model: { inputSize: 32, epochs: 3, depth: 2, baseChannels: 4 },
  }));
});
afterAll(async () => {
  await t?.dispose();
});

/** Claims and labels (with the phantom's ground truth) every open case of the default worklist. */
async function labelOpen(): Promise<string[]> {
  const open = (await t.call('GET', '/api/projects/1/worklist?status=open', { role: 'annotator' })).json as Array<{ sopUid: string }>;
  for (const item of open) {
    expect((await t.call('POST', `/api/projects/1/cases/${item.sopUid}/claim`, { role: 'annotator' })).status).toBe(200);
    const r = await t.call('POST', `/api/projects/1/cases/${item.sopUid}/mask`, { role: 'annotator', body: await phantomSeg(cases.get(item.sopUid)!, CLASSES), type: 'application/dicom' });
    expect([item.sopUid, r.status]).toEqual([item.sopUid, 201]);
  }
  return open.map((i) => i.sopUid);
}

async function round(): Promise<{ round: number; scoring: string }> {
  const queued = await t.call('POST', '/api/projects/1/rounds', { role: 'service' });
  expect(queued.status).toBe(202);
  await t.server.ctx.queue.idle();
  const job = (await t.call('GET', `/api/jobs/${queued.json.id}`, { role: 'service' })).json;
  expect(job).toMatchObject({ state: 'succeeded' });
  return job.result;
}

describe('the learning curve', () => {
  it('chooses a validation set on the cold start\'s map, beside the worklist', async () => {
    expect((await t.call('POST', '/api/projects/1/sync', { role: 'service' })).status).toBe(202);
    await t.server.ctx.queue.idle();
    expect((await t.call('POST', '/api/projects/1/validation', { role: 'admin', json: { size: 6 } })).json.code).toBe('no-map');
    expect((await round()).round).toBe(0);
    expect((await t.call('GET', '/api/projects/1/validation', { role: 'annotator' })).json).toMatchObject({ size: 0, labelled: 0, cases: [] });
    expect((await t.call('POST', '/api/projects/1/validation', { role: 'admin', json: { size: 0 } })).json.code).toBe('invalid-body');
    expect((await t.call('POST', '/api/projects/1/validation', { role: 'annotator', json: { size: 6 } })).status).toBe(403);
    const chosen = await t.call('POST', '/api/projects/1/validation', { role: 'admin', json: { size: 6 } });
    expect(chosen).toMatchObject({ status: 201, json: { size: 6, added: 6, strata: expect.any(Number), method: expect.any(String) } });
    expect(chosen.json.cases).toHaveLength(6);
    expect(chosen.json.cases[0]).toMatchObject({ round: 0, validation: true, priority: 'high', reason: expect.stringMatching(/^validation: stratum \d+ of \d+$/) });
    expect((await t.call('POST', '/api/projects/1/validation', { role: 'admin', json: { size: 5 } })).json.code).toBe('validation-shrink');
    // On the viewer's worklist, after the round's own cases; the round still has its 6.
    const worklist = (await t.call('GET', '/api/projects/1/worklist', { role: 'annotator' })).json as Array<{ validation: boolean; rank: number }>;
    expect(worklist.map((i) => i.validation)).toEqual([...Array(6).fill(false), ...Array(6).fill(true)]);
    expect((await t.call('GET', '/api/projects/1/rounds', { role: 'annotator' })).json[0]).toMatchObject({ number: 0, size: 6, labelled: 0, labelledBy: {} });
  });

  it('scores each round model on the labelled validation cases, never training on them', async () => {
    const labelled = await labelOpen();
    expect(labelled).toHaveLength(12);
    const first = await round();
    expect(first).toMatchObject({ round: 1, scoring: 'scored round 1 on 6 validation cases' });
    const rounds = (await t.call('GET', '/api/projects/1/rounds', { role: 'annotator' })).json;
    expect(rounds[0]).toMatchObject({ size: 6, labelled: 6, labelledBy: { 'annotator tester': 6 } });
    expect(rounds[1].report.training.images).toBe(6); // the cold start's masks, not the validation cases'
    const validation = new Set((await t.call('GET', '/api/projects/1/validation', { role: 'annotator' })).json.cases.map((c: { sopUid: string }) => c.sopUid));
    const round1 = (await t.call('GET', '/api/projects/1/worklist?round=1', { role: 'annotator' })).json as Array<{ sopUid: string }>;
    expect(round1).toHaveLength(3);
    expect(round1.some((i) => validation.has(i.sopUid))).toBe(false);

    expect(await labelOpen()).toHaveLength(3);
    expect(await round()).toMatchObject({ round: 2, scoring: 'scored round 2 on 6 validation cases' }); // round 1's scores were on the same set
  });

  it('answers the curve as JSON and CSV, and each round\'s metrics', async () => {
    const curve = (await t.call('GET', '/api/projects/1/learning-curve', { role: 'annotator' })).json;
    expect(curve).toMatchObject({ validation: { size: 6, labelled: 6 }, method: expect.stringMatching(/stratified/i), random: null });
    expect(curve.points.map((p: { round: number; labelsUsed: number; validationCases: number }) => [p.round, p.labelsUsed, p.validationCases])).toEqual([[1, 6, 6], [2, 9, 6]]);
    for (const p of curve.points) {
      expect(Number.isFinite(p.meanDice)).toBe(true);
      expect(Object.keys(p.dice)).toEqual(CLASSES);
      expect(Object.keys(p.hd95)).toEqual(CLASSES);
    }
    const csv = await t.call('GET', '/api/projects/1/learning-curve?format=csv', { role: 'service' });
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toBe('attachment; filename="learning-curve-project-1.csv"');
    const lines = csv.bytes.toString('utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe('round,labels_used,validation_cases,mean_dice,dice_right_lung,dice_left_lung,hd95_right_lung,hd95_left_lung');
    expect(lines[1]!.split(',').slice(0, 3)).toEqual(['1', '6', '6']);
    expect(Number(lines[2]!.split(',')[3])).toBeCloseTo(curve.points[1].meanDice, 10);
    expect((await t.call('GET', '/api/projects/1/learning-curve?format=xml', { role: 'service' })).json.code).toBe('invalid-query');

    const metrics = await t.call('GET', '/api/projects/1/rounds/2/metrics', { role: 'annotator' });
    expect(metrics.json).toMatchObject({ round: 2, labelsUsed: 9, validationCases: 6, evaluatedAt: expect.any(String), meanDice: curve.points[1].meanDice });
    expect(metrics.json.classes.map((c: { name: string }) => c.name)).toEqual(CLASSES);
    expect(metrics.json.classes[0]).toMatchObject({ dice: { mean: expect.any(Number), median: expect.any(Number), min: expect.any(Number), max: expect.any(Number) }, hd95: { undefinedCases: expect.any(Number) } });
    expect(await t.call('GET', '/api/projects/1/rounds/0/metrics', { role: 'annotator' })).toMatchObject({ status: 404, json: { code: 'not-found', message: expect.stringMatching(/cold start/) } });
    expect((await t.call('GET', '/api/projects/1/rounds/7/metrics', { role: 'annotator' })).status).toBe(404);
    const actions = (await t.call('GET', '/api/audit?project=1&limit=1000', { role: 'admin' })).json.map((e: { action: string }) => e.action);
    expect(actions).toContain('validation.choose');
  });
});
