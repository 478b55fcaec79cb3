/**
 * Cancel and retry through the HTTP API (admins only), on the back end the run uses: SQLite — the
 * jobs table, a worker sharing the database — or, under `npm run test:postgres`, the job engine
 * (pg-boss) with an EngineWorker. A queued job fails at once and never runs (on the engine its
 * copy is cancelled too); a running one, whose worker is elsewhere, stops within seconds, ends
 * failed `cancelled by <name>` with `cancelRequestedBy` set and is not retried, and SSE clients
 * hear each step; a retry queues a new job of the same kind, project and payload, which runs.
 * The last part does it all with the real round job in a `worker --embedded` child process
 * (needs the build, `npm run build`).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { PostgresClient } from '../server/src/db/postgresClient';
import { EngineWorker } from '../server/src/jobs/engine/engineWorker';
import { JobEngine } from '../server/src/jobs/engine/jobEngine';
import { JobRunner, type JobHandler } from '../server/src/jobs/jobRunner';
import { JobStore, type Job } from '../server/src/jobs/jobStore';
import { loopingJob } from './harness/loopingJob';
import { phantomSeg, startPhantomServer } from './harness/phantomMasks';
import { startTestServer, type TestServer } from './harness/serverHarness';
import { testingPostgres } from './harness/testDatabase';
import { requireBuiltCli } from './helpers';

jest.setTimeout(300_000);

const until = async (what: string, test: () => Promise<boolean> | boolean, timeoutMs = 60_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

/** The job events an admin's SSE client receives, as they come. */
async function openEvents(t: TestServer): Promise<{ events: Job[]; close(): void }> {
  const controller = new AbortController();
  const response = await fetch(`${t.url}/api/events`, { headers: { Authorization: `Bearer ${t.token.admin}` }, signal: controller.signal });
  const reader = response.body!.getReader();
  const events: Job[] = [];
  let buffer = '';
  void (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += Buffer.from(value).toString('utf8');
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        const data = buffer.slice(0, end).split('\n').find((line) => line.startsWith('data: '));
        buffer = buffer.slice(end + 2);
        if (data) events.push(JSON.parse(data.slice(6)) as Job);
      }
    }
  })().catch(() => undefined); // aborted by close()
  return { events, close: () => controller.abort() };
}

describe('cancel and retry over HTTP (a worker elsewhere)', () => {
  let t: TestServer;
  const stops: Array<() => Promise<void>> = [];
  beforeAll(async () => {
    // `external`: the server runs no job, so what it queues waits until a test starts a worker.
    t = await startTestServer({ sources: { folder: { kind: 'folder', path: 'empty' } }, projects: [{ name: 'chest', source: 'folder', classes: ['lung'], budget: { coldStart: 2, perRound: 1, total: 4 } }] }, { jobs: 'external' });
    mkdirSync(path.join(t.dir, 'empty'), { recursive: true });
  });
  afterEach(async () => {
    for (const stop of stops.splice(0)) await stop();
    // What a test left queued or running ends here, not left for the next test's worker: the
    // queued ones cancelled, those a stopped worker left running failed as its dead worker's would.
    for (const job of await t.server.ctx.jobs.listActive()) await t.server.ctx.queue.cancel(job.id, 'cleanup');
    await t.server.ctx.jobs.requeueStale([], null);
  });
  afterAll(async () => {
    await t?.dispose();
  });

  /** A worker on the server's database, as another process would run one: the SQL runner, or the engine's worker on PostgreSQL. */
  async function startWorker(handlers: Record<string, JobHandler>): Promise<void> {
    const { ctx } = t.server;
    const jobs = new JobStore(ctx.sql);
    if (!testingPostgres()) {
      const runner = new JobRunner(jobs, handlers, () => {}, { worker: 'elsewhere', pollMs: 50, heartbeatMs: 200, cancelCheckMs: 200 });
      runner.start();
      stops.push(() => runner.stop());
      return;
    }
    const engine = new JobEngine(ctx.sql as PostgresClient, ctx.config.jobs, { supervise: false, schedule: false }, () => {});
    await engine.start();
    const worker = new EngineWorker(engine, jobs, () => {}, { worker: 'elsewhere', cancelCheckMs: 200 });
    worker.setHandlers(handlers);
    worker.start();
    stops.push(async () => {
      await worker.stop();
      await engine.stop();
    });
  }


  const audit = async (action: string): Promise<unknown[]> => (await t.server.ctx.audit.list({ limit: 1000 })).filter((e) => e.action === action).map((e) => e.details);

  it('lets only admins cancel and retry', async () => {
    const job = (await t.call('POST', '/api/projects/1/sync', { role: 'service' })).json as Job;
    for (const role of ['annotator', 'service'] as const) {
      for (const action of ['cancel', 'retry']) expect((await t.call('POST', `/api/jobs/${job.id}/${action}`, { role })).json).toMatchObject({ code: 'forbidden' });
    }
    expect((await t.call('POST', '/api/jobs/999999/cancel', { role: 'admin' })).status).toBe(404);
    expect((await t.call('POST', '/api/jobs/x/retry', { role: 'admin' })).status).toBe(404);
    expect(await t.server.ctx.jobs.get(job.id)).toMatchObject({ state: 'queued', cancelRequestedBy: null });
  });

  it('fails a cancelled queued job at once (409 once it has ended), audits it, and never runs it', async () => {
    const job = (await t.call('POST', '/api/projects/1/sync', { role: 'service' })).json as Job;
    const cancelled = await t.call('POST', `/api/jobs/${job.id}/cancel`, { role: 'admin' });
    expect(cancelled).toMatchObject({ status: 202, json: { id: job.id, state: 'failed', error: 'cancelled by admin tester', cancelRequestedBy: 'admin tester' } });
    expect((await t.call('GET', `/api/jobs/${job.id}`, { role: 'annotator' })).json).toMatchObject({ state: 'failed', cancelRequestedBy: 'admin tester' });
    expect(await t.call('POST', `/api/jobs/${job.id}/cancel`, { role: 'admin' })).toMatchObject({ status: 409, json: { code: 'job-finished' } });
    expect(await audit('job.cancel')).toContainEqual({ job: job.id, kind: 'sync' });
    if (testingPostgres()) {
      const copies = await t.server.ctx.sql.all<{ state: string }>("SELECT state::text AS state FROM pgboss.job WHERE data ->> 'jobId' = CAST(@id AS TEXT)", { id: job.id });
      expect(copies).toEqual([{ state: 'cancelled' }]);
    }
    const started: number[] = [];
    await startWorker({ sync: loopingJob(started) });
    const next = (await t.call('POST', '/api/projects/1/sync', { role: 'service' })).json as Job;
    await until('the next sync to start', () => started.length > 0);
    expect(started).toEqual([next.id]);
  });

  it('stops a running job within seconds, tells SSE clients, does not retry it; a retry queues one that runs', async () => {
    const started: number[] = [];
    await startWorker({ sync: loopingJob(started) });
    const sse = await openEvents(t);
    try {
      const job = (await t.call('POST', '/api/projects/1/sync', { role: 'service', json: {} })).json as Job;
      await until('the sync to run', async () => (await t.server.ctx.jobs.get(job.id))!.stage !== null);
      const asked = await t.call('POST', `/api/jobs/${job.id}/cancel`, { role: 'admin' });
      expect(asked).toMatchObject({ status: 202, json: { id: job.id, state: 'running', cancelRequestedBy: 'admin tester' } });
      // Asked again while it stops: the same answer, audited once.
      expect((await t.call('POST', `/api/jobs/${job.id}/cancel`, { role: 'admin' })).status).toBe(202);
      await until('the sync to stop', async () => (await t.server.ctx.jobs.get(job.id))!.state === 'failed', 10_000);
      expect(await t.server.ctx.jobs.get(job.id)).toMatchObject({ state: 'failed', error: 'cancelled by admin tester', cancelRequestedBy: 'admin tester', attempts: 1 });
      expect((await audit('job.cancel')).filter((d) => (d as { job: number }).job === job.id)).toHaveLength(1);
      await until('the SSE client to hear it', () => sse.events.some((e) => e.id === job.id && e.state === 'failed'));
      expect(sse.events.find((e) => e.id === job.id && e.state === 'running' && e.cancelRequestedBy === 'admin tester')).toBeDefined();
      // Longer than the engine's retry delay (1 s in tests): not run again.
      await new Promise((r) => setTimeout(r, 2500));
      expect(started).toEqual([job.id]);
      expect(await t.server.ctx.jobs.get(job.id)).toMatchObject({ state: 'failed', attempts: 1 });

      const retried = await t.call('POST', `/api/jobs/${job.id}/retry`, { role: 'admin' });
      expect(retried).toMatchObject({ status: 202, json: { kind: 'sync', projectId: 1, payload: job.payload, state: expect.stringMatching(/^(queued|running)$/) } });
      const again = retried.json as Job;
      expect(again.id).not.toBe(job.id);
      expect(await audit('job.retry')).toContainEqual({ job: job.id, newJob: again.id });
      // One of that kind is pending now: a second retry answers it (200), a retry of it is refused.
      expect(await t.call('POST', `/api/jobs/${job.id}/retry`, { role: 'admin' })).toMatchObject({ status: 200, json: { id: again.id } });
      expect(await t.call('POST', `/api/jobs/${again.id}/retry`, { role: 'admin' })).toMatchObject({ status: 409, json: { code: 'job-not-failed' } });
      await until('the retried sync to run', () => started.includes(again.id));
    } finally {
      sse.close();
    }
  });

  it('retries a sync with its payload, and a round through the round rules', async () => {
    const { ctx } = t.server;
    const nightly = await ctx.queue.enqueue('sync', 1, { then: 'round-if-due' });
    await t.call('POST', `/api/jobs/${nightly.id}/cancel`, { role: 'admin' });
    const sync = await t.call('POST', `/api/jobs/${nightly.id}/retry`, { role: 'admin' });
    expect(sync).toMatchObject({ status: 202, json: { kind: 'sync', payload: { then: 'round-if-due' }, state: 'queued' } });
    const round = (await t.call('POST', '/api/projects/1/rounds', { role: 'admin' })).json as Job;
    await t.call('POST', `/api/jobs/${round.id}/cancel`, { role: 'admin' });
    const retried = await t.call('POST', `/api/jobs/${round.id}/retry`, { role: 'admin' });
    expect(retried).toMatchObject({ status: 202, json: { kind: 'round', projectId: 1, payload: round.payload, state: 'queued' } });
    expect((await ctx.audit.list({ limit: 5 })).map((e) => e.action)).toEqual(expect.arrayContaining(['job.retry', 'round.queue']));
    // Succeeded jobs are not retried either.
    await ctx.sql.run("UPDATE jobs SET state = 'succeeded' WHERE id = @id", { id: retried.json.id });
    expect(await t.call('POST', `/api/jobs/${retried.json.id}/retry`, { role: 'admin' })).toMatchObject({ status: 409, json: { code: 'job-not-failed' } });
    expect(await t.call('POST', `/api/jobs/${retried.json.id}/cancel`, { role: 'admin' })).toMatchObject({ status: 409, json: { code: 'job-finished' } });
  });
});

describe('cancelling a training round in the worker process (jobs: child)', () => {
  const CLASSES = ['right lung', 'left lung'];
  let t: TestServer;
  let cases: Map<string, import('../server/src/demo/phantomDataset').PhantomCase>;
  beforeAll(async () => {
    requireBuiltCli();
    ({ t, cases } = await startPhantomServer(12, 17, {
      name: 'cancel', classes: CLASSES, projection: 'pca', budget: { coldStart: 3, perRound: 2, total: 8 },
      encoder: { id: 'intensity-texture', inputSize: 64 }, model: { inputSize: 64, epochs: 1000, depth: 2, baseChannels: 4 },
    }, { jobs: 'child' }));
  });
  afterAll(async () => {
    await t?.dispose();
  });

  const job = async (id: number): Promise<Job> => (await t.call('GET', `/api/jobs/${id}`, { role: 'admin' })).json as Job;

  it('stops the round mid-training within seconds, stores nothing, and trains again on retry', async () => {
    await t.call('POST', '/api/projects/1/sync', { role: 'service' });
    await until('the sync', async () => (await t.server.ctx.jobs.listActive()).length === 0, 120_000);
    await t.call('POST', '/api/projects/1/rounds', { role: 'service' });
    await until('the cold start', async () => (await t.server.ctx.rounds.list(1)).length === 1, 120_000);
    let roundJob: number | null = null;
    for (const item of (await t.call('GET', '/api/projects/1/worklist', { role: 'annotator' })).json as Array<{ sopUid: string }>) {
      await t.call('POST', `/api/projects/1/cases/${item.sopUid}/claim`, { role: 'annotator' });
      const receipt = await t.call('POST', `/api/projects/1/cases/${item.sopUid}/mask`, { role: 'annotator', body: await phantomSeg(cases.get(item.sopUid)!, CLASSES), type: 'application/dicom' });
      roundJob = receipt.json.queuedRoundJob ?? roundJob;
    }
    expect(roundJob).toEqual(expect.any(Number));
    await until('training', async () => /^training/.test((await job(roundJob!)).stage ?? ''), 120_000);
    const asked = Date.now();
    expect(await t.call('POST', `/api/jobs/${roundJob}/cancel`, { role: 'admin' })).toMatchObject({ status: 202, json: { state: 'running', cancelRequestedBy: 'admin tester' } });
    await until('the round to stop', async () => (await job(roundJob!)).state !== 'running', 30_000);
    const stoppedAfterMs = Date.now() - asked;
    expect(await job(roundJob!)).toMatchObject({ state: 'failed', error: 'cancelled by admin tester', cancelRequestedBy: 'admin tester' });
    expect((await t.server.ctx.rounds.list(1)).map((r) => r.number)).toEqual([0]);
    process.stdout.write(`jobCancel: the round stopped ${stoppedAfterMs} ms after the cancel request\n`);

    const retried = await t.call('POST', `/api/jobs/${roundJob}/retry`, { role: 'admin' });
    expect(retried).toMatchObject({ status: 202, json: { kind: 'round', projectId: 1 } });
    await until('the retried round to train', async () => /^training/.test((await job(retried.json.id)).stage ?? ''), 120_000);
    expect((await t.call('POST', `/api/jobs/${retried.json.id}/cancel`, { role: 'admin' })).status).toBe(202);
    await until('the retried round to stop', async () => (await job(retried.json.id)).state === 'failed', 30_000);
    expect(await job(roundJob!)).toMatchObject({ state: 'failed' });
  });
});
