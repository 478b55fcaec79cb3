/**
 * Issue 12, part 1 on the embedded default: the API runs no job itself — sync and rounds run in
 * a worker process the server starts (`jobs: child`), so training never holds up a request; job
 * events still reach the API's clients; a worker killed with SIGKILL mid-training is started
 * again and the round it held is taken up and stored exactly once. Needs the build (`npm run build`).
 */
import type { PhantomCase } from '../server/src/demo/phantomDataset';
import type { Job } from '../server/src/jobs/jobStore';
import { phantomSeg, startPhantomServer } from './harness/phantomMasks';
import type { TestServer } from './harness/serverHarness';
import { requireBuiltCli } from './helpers';

jest.setTimeout(300_000);

const CLASSES = ['right lung', 'left lung'];
let t: TestServer;
let cases: Map<string, PhantomCase>;


/** Which worker ran (or runs) a job, from the jobs table. */
const workerOf = async (id: number): Promise<string | null> => (await t.server.ctx.sql.get<{ worker: string | null }>('SELECT worker FROM jobs WHERE id = @id', { id }))!.worker;

/** Resolves with the first event of `job` that passes `test`. */
function eventOf(id: number, test: (job: Job) => boolean): Promise<Job> {
  return new Promise((resolve) => {
    const listener = (job: Job): void => {
      if (job.id === id && test(job)) {
        t.server.ctx.queue.off('job', listener);
        resolve(job);
      }
    };
    t.server.ctx.queue.on('job', listener);
  });
}

beforeAll(async () => {
  requireBuiltCli();
  ({ t, cases } = await startPhantomServer(16, 13, {
    name: 'split', classes: CLASSES, projection: 'pca', budget: { coldStart: 4, perRound: 2, total: 8 },
    encoder: { id: 'intensity-texture', inputSize: 64 }, model: { inputSize: 32, epochs: 40, depth: 2, baseChannels: 4 },
  }, { jobs: 'child', workerArgs: ['--heartbeat-seconds', '0.5', '--stale-after-seconds', '3'] }));
});
afterAll(async () => {
  await t?.dispose();
});

describe('jobs in a worker process (jobs: child)', () => {
  it('runs the sync and the cold start in the worker process, and tells the API’s clients', async () => {
    const sync = (await t.call('POST', '/api/projects/1/sync', { role: 'service' })).json as Job;
    const done = eventOf(sync.id, (j) => j.state === 'succeeded' || j.state === 'failed');
    expect((await done).state).toBe('succeeded');
    const worker = (await workerOf(sync.id))!;
    expect(worker).toMatch(new RegExp(`:${t.server.worker!.pid}:`));
    expect(worker).not.toMatch(new RegExp(`:${process.pid}:`));
    await t.call('POST', '/api/projects/1/rounds', { role: 'service' });
    await t.server.ctx.queue.idle();
    expect((await t.call('GET', '/api/projects/1/worklist', { role: 'annotator' })).json).toHaveLength(4);
  });

  it('takes up the round of a worker killed mid-training and stores it exactly once', async () => {
    const worklist = (await t.call('GET', '/api/projects/1/worklist', { role: 'annotator' })).json as Array<{ sopUid: string }>;
    let roundJob: number | null = null;
    for (const item of worklist) {
      await t.call('POST', `/api/projects/1/cases/${item.sopUid}/claim`, { role: 'annotator' });
      roundJob = (await t.call('POST', `/api/projects/1/cases/${item.sopUid}/mask`, { role: 'annotator', body: await phantomSeg(cases.get(item.sopUid)!, CLASSES), type: 'application/dicom' })).json.queuedRoundJob;
    }
    expect(roundJob).toEqual(expect.any(Number));
    const training = await eventOf(roundJob!, (j) => j.state === 'running' && /^training/.test(j.stage ?? ''));
    // While the worker trains, the API answers: it does no training itself.
    for (let i = 0; i < 20; i++) expect((await t.call('GET', '/api/health')).status).toBe(200);
    const first = t.server.worker!.pid!;
    expect(await workerOf(roundJob!)).toMatch(new RegExp(`:${first}:`));
    process.kill(first, 'SIGKILL');
    const finished = await eventOf(roundJob!, (j) => j.state === 'succeeded' || j.state === 'failed');
    expect(finished).toMatchObject({ state: 'succeeded', attempts: training.attempts + 1 });
    const second = t.server.worker!.pid;
    expect(second).not.toBe(first);
    expect(await workerOf(roundJob!)).toMatch(new RegExp(`:${second}:`));
    expect((await t.server.ctx.rounds.list(1)).map((r) => r.number)).toEqual([0, 1]);
    expect((await t.server.ctx.jobs.list({ state: 'running' }))).toEqual([]);
    expect((await t.call('GET', '/api/projects/1/worklist', { role: 'annotator' })).json.filter((i: { round: number }) => i.round === 1)).toHaveLength(2);
  });

  it('stops its worker process with the server', async () => {
    const pid = t.server.worker!.pid!;
    await t.stop();
    expect(() => process.kill(pid, 0)).toThrow();
  });
});
