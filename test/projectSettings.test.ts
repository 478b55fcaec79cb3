/**
 * Every project setting through the API, as the admin console edits them: class colours filled
 * in; field errors naming each wrong field (400) and what the project already holds (409: the
 * source and encoder once synced, the number of classes once masked, the budget below what is
 * selected); a model patch that keeps the rest; pause (no sync, no round, no schedule, labelling
 * goes on) and archive (read-only); the next scheduled run in the project's time zone.
 */
import type { PhantomCase } from '../server/src/demo/phantomDataset';
import { CLASS_PALETTE } from '../server/src/projects/projectConfig';
import { phantomSeg, startPhantomServer } from './harness/phantomMasks';
import type { TestServer } from './harness/serverHarness';

jest.setTimeout(120_000);

const CLASSES = ['right lung', 'left lung'];
let t: TestServer;
let cases: Map<string, PhantomCase>;

beforeAll(async () => {
  ({ t, cases } = await startPhantomServer(12, 3, {
    name: 'settings', classes: CLASSES, projection: 'pca', budget: { coldStart: 4, perRound: 2, total: 8 }, autoRetrainQuota: 1,
    encoder: { id: 'intensity-texture', inputSize: 64 }, model: { inputSize: 32, epochs: 2, depth: 2, baseChannels: 4 },
  }));
});
afterAll(async () => {
  await t?.dispose();
});

const patch = (json: unknown) => t.call('PATCH', '/api/projects/1', { role: 'admin', json });
const fieldsOf = (answer: { json: { fields?: Array<{ field: string }> } }): string[] => (answer.json.fields ?? []).map((f) => f.field).sort();

describe('project settings', () => {
  it('fills in class colours and the status; lists the sources to admins only', async () => {
    const project = (await t.call('GET', '/api/projects/1', { role: 'annotator' })).json;
    expect(project.settings).toMatchObject({ classColors: CLASS_PALETTE.slice(0, 2), status: 'active' });
    expect(project).toMatchObject({ validation: { size: 0, labelled: 0 }, nextScheduledRun: null });
    expect((await t.call('GET', '/api/sources', { role: 'admin' })).json).toEqual([{ name: 'phantoms', kind: 'folder' }]);
    expect((await t.call('GET', '/api/sources', { role: 'annotator' })).status).toBe(403);
  });

  it('names every wrong field of a new project', async () => {
    const bad = await t.call('POST', '/api/projects', { role: 'admin', json: { name: 'bad', source: 'nowhere', classes: ['a', 'a'], classColors: ['#ff0000'], budget: { coldStart: 9, perRound: 1, total: 5 }, alpha: 2 } });
    expect(bad.status).toBe(400);
    expect(fieldsOf(bad)).toEqual(['alpha']); // the schema first: one field
    expect(bad.json.fields).toEqual([{ field: 'alpha', message: 'must be <= 1 or must be "adaptive"' }]); // the alternatives in one message
    const wrong = await t.call('POST', '/api/projects', { role: 'admin', json: { name: 'bad', source: 'nowhere', classes: ['a', 'a'], classColors: ['#ff0000'], budget: { coldStart: 9, perRound: 1, total: 5 } } });
    expect(fieldsOf(wrong)).toEqual(['budget', 'classes', 'source']); // a missing colour is filled in from the palette
    const named = await t.call('POST', '/api/projects', { role: 'admin', json: { name: '', source: 'phantoms', classes: ['a'], budget: { coldStart: 1, perRound: 1, total: 1 } } });
    expect(fieldsOf(named)).toEqual(['name']);
  });

  it('lets the source and encoder change only before a sync, and keeps the model settings a patch does not name', async () => {
    expect(fieldsOf(await patch({ source: 'elsewhere' }))).toEqual(['source']);
    expect((await patch({ encoder: { inputSize: 48 } })).json.settings.encoder).toEqual({ id: 'intensity-texture', inputSize: 48 });
    expect((await patch({ filters: { modality: 'DX' } })).json.settings.filters).toEqual({ modality: 'DX' });
    expect((await patch({ model: { epochs: 3 } })).json.settings.model).toMatchObject({ epochs: 3, depth: 2, baseChannels: 4, inputSize: 32 });
    expect((await patch({ alpha: 0.4 })).json.settings.filters).toEqual({ modality: 'DX' }); // a patch keeps what it does not name
    expect((await t.call('POST', '/api/projects/1/sync', { role: 'service' })).status).toBe(202);
    await t.server.ctx.queue.idle();
    const refused = await patch({ encoder: { inputSize: 64 } });
    expect([refused.status, refused.json.code, fieldsOf(refused)]).toEqual([409, 'setting-in-use', ['encoder']]);
  });

  it('refuses a total budget below what is selected, beside every other problem', async () => {
    expect((await t.call('POST', '/api/projects/1/rounds', { role: 'service' })).status).toBe(202);
    await t.server.ctx.queue.idle();
    const below = await patch({ budget: { coldStart: 2, perRound: 2, total: 3 } });
    expect([below.status, below.json.code, fieldsOf(below)]).toEqual([409, 'budget-below-used', ['budget.total']]);
    expect(below.json.fields[0].message).toBe('cannot be 3: 4 cases are already selected');
    const both = await patch({ budget: { coldStart: 4, perRound: 2, total: 3 } });
    expect([both.status, fieldsOf(both)]).toEqual([400, ['budget', 'budget.total']]);
  });

  it('lets classes be renamed and recoloured, not added, once a mask exists', async () => {
    const [first] = (await t.call('GET', '/api/projects/1/worklist', { role: 'annotator' })).json as Array<{ sopUid: string }>;
    await t.call('POST', `/api/projects/1/cases/${first!.sopUid}/claim`, { role: 'annotator' });
    expect((await t.call('POST', `/api/projects/1/cases/${first!.sopUid}/mask`, { role: 'annotator', body: await phantomSeg(cases.get(first!.sopUid)!, CLASSES), type: 'application/dicom' })).status).toBe(201);
    expect(fieldsOf(await patch({ classes: [...CLASSES, 'heart'] }))).toEqual(['classes']);
    const renamed = await patch({ classes: ['lung R', 'lung L'], classColors: ['#112233', '#445566'] });
    expect(renamed.json.settings).toMatchObject({ classes: ['lung R', 'lung L'], classColors: ['#112233', '#445566'] });
  });

  it('pauses: no sync, no round, no next scheduled run; annotators still label', async () => {
    expect((await patch({ schedule: '0 2 * * *', timeZone: 'Europe/Berlin' })).json.nextScheduledRun).toMatch(/T01:00:00\.000Z$|T00:00:00\.000Z$/); // 02:00 in Berlin (CET or CEST)
    expect((await patch({ status: 'paused' })).json).toMatchObject({ settings: { status: 'paused' }, nextScheduledRun: null });
    expect((await t.call('POST', '/api/projects/1/sync', { role: 'admin' })).json.code).toBe('project-paused');
    expect((await t.call('POST', '/api/projects/1/rounds', { role: 'service' })).json.code).toBe('project-paused');
    const open = ((await t.call('GET', '/api/projects/1/worklist?status=open', { role: 'annotator' })).json as Array<{ sopUid: string }>);
    for (const item of open) {
      expect((await t.call('POST', `/api/projects/1/cases/${item.sopUid}/claim`, { role: 'annotator' })).status).toBe(200);
      const receipt = await t.call('POST', `/api/projects/1/cases/${item.sopUid}/mask`, { role: 'annotator', body: await phantomSeg(cases.get(item.sopUid)!, ['lung R', 'lung L']), type: 'application/dicom' });
      expect(receipt.json).toMatchObject({ status: 'labelled', queuedRoundJob: null }); // the quota is reached, but paused
    }
  });

  it('archives: read-only until an admin sets it active again', async () => {
    expect((await patch({ status: 'archived' })).json.settings.status).toBe('archived');
    expect((await patch({ alpha: 0.5 })).json.code).toBe('project-archived');
    const [item] = (await t.call('GET', '/api/projects/1/worklist?all=true', { role: 'annotator' })).json as Array<{ sopUid: string }>;
    expect((await t.call('POST', `/api/projects/1/cases/${item!.sopUid}/claim`, { role: 'annotator' })).json.code).toBe('project-archived');
    const active = await patch({ status: 'active' });
    expect([active.status, active.json.settings?.status ?? active.json]).toEqual([200, 'active']);
    expect((await patch({ alpha: 0.5 })).json.settings.alpha).toBe(0.5);
    const actions = (await t.call('GET', '/api/audit?project=1&action=project.update', { role: 'admin' })).json as unknown[];
    expect(actions.length).toBeGreaterThanOrEqual(7);
  });
});
