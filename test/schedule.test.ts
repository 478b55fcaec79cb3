/**
 * The nightly schedule through a real server on a folder source, with an injected clock: a run at
 * the scheduled time (sync, then a round when one is due), no second run for the same night, and
 * after a restart several nights later exactly one catch-up run.
 */
import path from 'node:path';
import { writePhantomDataset } from '../server/src/demo/phantomDataset';
import { startTestServer, type TestServer } from './harness/serverHarness';

jest.setTimeout(120_000);

let clock = new Date('2026-11-24T20:00:00Z');
const now = (): Date => clock;
let t: TestServer;
let dir: string;

const config = () => ({
  sources: { phantoms: { kind: 'folder', path: path.join(dir, 'phantoms', 'dicom') } },
  projects: [{
    name: 'nightly', source: 'phantoms', classes: ['right lung', 'left lung'], projection: 'pca', schedule: '30 2 * * *', timeZone: 'Europe/Zurich',
    budget: { coldStart: 4, perRound: 2, total: 8 }, encoder: { id: 'intensity-texture', inputSize: 64 }, model: { inputSize: 32, epochs: 1, depth: 2, baseChannels: 4 },
  }],
});

beforeAll(async () => {
  t = await startTestServer({ sources: { none: { kind: 'folder', path: 'none' } } });
  dir = t.dir;
  await t.stop();
  await writePhantomDataset(path.join(dir, 'phantoms'), 12, 3, 64);
  t = await startTestServer(config(), { dir, now, schedulerIntervalMs: 3_600_000 });
});
afterAll(async () => {
  await t.dispose();
});

const syncJobs = async () => (await t.server.ctx.jobs.list()).filter((j) => j.kind === 'sync');

describe('nightly schedule', () => {
  it('does nothing before the first scheduled time of a new project', async () => {
    expect((await t.server.scheduler!.tick())).toEqual([]);
    expect((await syncJobs())).toHaveLength(0);
  });

  it('runs sync and then the due round at 02:30 Zurich time, once', async () => {
    clock = new Date('2026-11-25T01:31:00Z'); // 02:31 in Zurich (UTC+1)
    expect((await t.server.scheduler!.tick())).toEqual([1]);
    expect((await t.server.scheduler!.tick())).toEqual([]);
    await t.server.ctx.queue.idle();
    const [sync] = (await syncJobs());
    expect(sync).toMatchObject({ state: 'succeeded', payload: { then: 'round-if-due', scheduledFor: '2026-11-25T01:30:00.000Z' }, result: { embedded: 12, queuedRoundJob: expect.any(Number) } });
    expect((await t.server.ctx.rounds.latest(1))).toMatchObject({ number: 0, kind: 'coldstart', size: 4 });
    expect((await t.server.ctx.projects.get(1)).lastScheduledRun).toBe('2026-11-25T01:30:00.000Z');
  });

  it('does not queue a round when none is due (the worklist has no masks yet)', async () => {
    clock = new Date('2026-11-26T01:45:00Z');
    expect((await t.server.scheduler!.tick())).toEqual([1]);
    await t.server.ctx.queue.idle();
    expect((await syncJobs()).at(-1)).toMatchObject({ state: 'succeeded', result: { fresh: 0, queuedRoundJob: null } });
    expect((await t.server.ctx.rounds.list(1))).toHaveLength(1);
  });

  it('after a restart three nights later runs the missed night once, at start', async () => {
    await t.stop();
    clock = new Date('2026-11-29T09:00:00Z');
    t = await startTestServer(config(), { dir, now, schedulerIntervalMs: 3_600_000 });
    await t.server.ctx.queue.idle();
    const syncs = (await syncJobs());
    expect(syncs).toHaveLength(3);
    expect(syncs.at(-1)!.payload).toMatchObject({ scheduledFor: '2026-11-29T01:30:00.000Z' });
    expect((await t.server.scheduler!.tick())).toEqual([]);
    const actions = (await t.server.ctx.audit.list({ projectId: 1 })).filter((e) => e.actor === 'schedule').map((e) => e.action);
    expect(actions.filter((a) => a === 'sync.queue')).toHaveLength(3);
  });
});
