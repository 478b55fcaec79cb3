/**
 * The PostgreSQL job runtime on the job engine (pg-boss): retries with back-off for a transient
 * failure and none for bad input; at most one round per project at a time without holding up
 * another project's; a job whose worker vanished taken up after its time-out; a job given up
 * on marked failed; every change heard by a queue on another connection (another replica)
 * through LISTEN/NOTIFY; a cancelled job — queued or running — ended, cancelled in the engine
 * and never retried. Workers here are EngineWorkers in this process on their own pools, as
 * separate processes would be. Skipped, with the reason printed, without PostgreSQL.
 */
import { AppError } from '../server/src/appError';
import type { JobEngineConfig } from '../server/src/config/serverConfig';
import { migrateSql } from '../server/src/db/migrateSql';
import { PostgresClient } from '../server/src/db/postgresClient';
import { MIGRATIONS } from '../server/src/db/schema';
import { EngineJobQueue } from '../server/src/jobs/engine/engineJobQueue';
import { EnginePeriodicWork } from '../server/src/jobs/engine/enginePeriodic';
import { EngineWorker } from '../server/src/jobs/engine/engineWorker';
import { JobEngine, projectQueue, type EngineJobData } from '../server/src/jobs/engine/jobEngine';
import type { JobHandler } from '../server/src/jobs/jobRunner';
import { JobStore, type Job } from '../server/src/jobs/jobStore';
import { loopingJob } from './harness/loopingJob';
import { PostgresProcess, postgresUnavailable } from './harness/postgres';

jest.setTimeout(120_000);

const why = postgresUnavailable();
if (why) process.stderr.write(`jobEngine.test.ts skipped: ${why}\n`);

const SETTINGS: JobEngineConfig = { retryLimit: 2, retryDelaySeconds: 1, timeoutSeconds: { sync: 3, round: 3 }, maintenanceIntervalSeconds: 1, pollSeconds: 0.2 };

/** One process's view: its pool, store, engine, queue (with events) and worker. */
interface Node {
  readonly sql: PostgresClient;
  readonly jobs: JobStore;
  readonly engine: JobEngine;
  readonly queue: EngineJobQueue;
  readonly worker: EngineWorker;
  readonly periodic: EnginePeriodicWork;
  close(): Promise<void>;
}

(why ? describe.skip : describe)('jobs on the job engine (PostgreSQL)', () => {
  let pg: PostgresProcess;
  let url: string;
  let database = 0;
  const nodes: Node[] = [];

  beforeAll(async () => {
    pg = await PostgresProcess.start();
  });
  afterAll(async () => {
    await pg?.dispose();
  });
  beforeEach(async () => {
    // A database per test: the engine's queues and our rows start empty.
    const admin = new PostgresClient({ connectionString: pg.url, max: 1 });
    await admin.exec(`CREATE DATABASE engine${++database}`);
    await admin.close();
    const u = new URL(pg.url);
    u.pathname = `/engine${database}`;
    url = u.href;
    const sql = new PostgresClient({ connectionString: url, max: 2 });
    await migrateSql(sql, MIGRATIONS);
    for (const id of [1, 2]) await sql.run("INSERT INTO projects (id, name, config, created_at) VALUES (@id, @name, '{}', 'now')", { id, name: `p${id}` });
    await sql.close();
  });
  afterEach(async () => {
    for (const node of nodes.splice(0)) await node.close();
  });

  async function node(name: string, handlers: Record<string, JobHandler>, settings: JobEngineConfig = SETTINGS): Promise<Node> {
    const sql = new PostgresClient({ connectionString: url, max: 4 });
    const jobs = new JobStore(sql);
    const engine = new JobEngine(sql, settings, { supervise: true, schedule: false }, () => {});
    await engine.start();
    const queue = new EngineJobQueue(sql, jobs, engine, url, () => {});
    await queue.start();
    const worker = new EngineWorker(engine, jobs, () => {}, { worker: name, fenceMs: 200, cancelCheckMs: 200 });
    worker.setHandlers(handlers);
    const periodic = new EnginePeriodicWork(engine, jobs, () => {}, { outbox: null, scheduler: null });
    await periodic.start();
    const n: Node = {
      sql, jobs, engine, queue, worker, periodic,
      close: async () => {
        await worker.stop();
        await periodic.stop();
        await queue.stop();
        await engine.stop();
        await sql.close();
      },
    };
    nodes.push(n);
    return n;
  }

  const ended = (queue: EngineJobQueue, id: number): Promise<Job> => new Promise((resolve) => {
    const listener = (job: Job): void => {
      if (job.id === id && (job.state === 'succeeded' || job.state === 'failed')) {
        queue.off('job', listener);
        resolve(job);
      }
    };
    queue.on('job', listener);
  });

  it('retries a job that failed for a transient reason, with back-off, and not one whose input is wrong', async () => {
    let calls = 0;
    const a = await node('a', {
      sync: async () => {
        if (++calls < 3) throw new Error('the PACS did not answer');
        return { ok: true };
      },
      round: async () => {
        throw new AppError(400, 'no-masks', 'no labelled case to train on');
      },
    });
    const sync = await a.queue.enqueue('sync', 1);
    const round = await a.queue.enqueue('round', 2);
    const [syncEnd, roundEnd] = [ended(a.queue, sync.id), ended(a.queue, round.id)];
    a.worker.start();
    expect(await syncEnd).toMatchObject({ state: 'succeeded', attempts: 3, result: { ok: true } });
    expect(await roundEnd).toMatchObject({ state: 'failed', attempts: 1, error: 'no labelled case to train on' });
    expect(calls).toBe(3);
    expect(await a.engine.boss.getQueue(projectQueue('sync', 1))).toMatchObject({ retryLimit: 2, retryDelay: 1, retryBackoff: true, policy: 'singleton' });
  });

  it('runs one round of a project at a time, while another project’s round runs beside it', async () => {
    const running = new Map<number, number>();
    let overlapSameProject = false;
    let overlapOtherProject = false;
    const releases: Array<() => void> = [];
    const round: JobHandler = async (job) => {
      const project = job.projectId!;
      if ((running.get(project) ?? 0) > 0) overlapSameProject = true;
      running.set(project, (running.get(project) ?? 0) + 1);
      if ([...running.entries()].some(([p, n]) => p !== project && n > 0)) overlapOtherProject = true;
      await new Promise<void>((resolve) => releases.push(resolve));
      running.set(project, running.get(project)! - 1);
      return null;
    };
    const [a, b, c] = [await node('a', { round }), await node('b', { round }), await node('c', { round })];
    const queued = [await a.queue.enqueue('round', 1), await a.queue.enqueue('round', 1), await a.queue.enqueue('round', 2)];
    const done = queued.map((j) => ended(a.queue, j.id));
    for (const n of [a, b, c]) n.worker.start();
    // Three idle workers and three jobs: two start (one per project), the second of project 1 waits.
    while (releases.length < 2) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 1500));
    expect(releases).toHaveLength(2);
    expect(overlapOtherProject).toBe(true);
    while ((await Promise.race([Promise.all(done).then(() => true), new Promise((r) => setTimeout(() => r(false), 100))])) === false) releases.splice(0).forEach((release) => release());
    expect(overlapSameProject).toBe(false);
    expect((await Promise.all(done)).map((j) => j.state)).toEqual(['succeeded', 'succeeded', 'succeeded']);
  });

  it('takes up the job of a worker that vanished once its time-out passed, and records only the new attempt', async () => {
    const a = await node('a', { sync: async () => ({ by: 'a' }) });
    const job = await a.queue.enqueue('sync', 1);
    // A worker takes the job and dies: fetched from the engine, never completed.
    const [taken] = await a.engine.boss.fetch<EngineJobData>(projectQueue('sync', 1));
    expect(taken?.data.jobId).toBe(job.id);
    expect(await a.jobs.startAttempt(job.id, 1, 'dead')).toMatchObject({ state: 'running', attempts: 1 });
    const end = ended(a.queue, job.id);
    a.worker.start();
    expect(await end).toMatchObject({ state: 'succeeded', attempts: 2, result: { by: 'a' } });
    // The dead worker's late result is refused by the fence.
    expect(await a.jobs.finishAttempt(job.id, 1, { result: { by: 'dead' } })).toBe(false);
  });

  it('marks a job failed when the engine gives up on it (its worker vanished, no retries left)', async () => {
    const a = await node('a', {}, { ...SETTINGS, retryLimit: 0 });
    const job = await a.queue.enqueue('round', 1);
    await a.engine.boss.fetch(projectQueue('round', 1));
    await a.jobs.startAttempt(job.id, 1, 'dead');
    expect(await ended(a.queue, job.id)).toMatchObject({ state: 'failed', error: expect.stringMatching(/worker stopped/) });
  });

  /** The engine's copies of job `id`: their states. */
  const engineStates = async (n: Node, id: number): Promise<string[]> =>
    (await n.sql.all<{ state: string }>("SELECT state::text AS state FROM pgboss.job WHERE data ->> 'jobId' = CAST(@id AS TEXT)", { id })).map((r) => r.state);


  it('cancels a queued job: its row fails, the engine’s copy is cancelled, and no worker runs it', async () => {
    const started: number[] = [];
    const run: JobHandler = async (j) => void started.push(j.id);
    const a = await node('a', { sync: run, round: run });
    const job = await a.queue.enqueue('sync', 1);
    const heard: Job[] = [];
    a.queue.on('job', (j) => heard.push(j));
    expect(await a.queue.cancel(job.id, 'ada')).toMatchObject({ outcome: 'cancelled', job: { state: 'failed', error: 'cancelled by ada', cancelRequestedBy: 'ada' } });
    expect(await engineStates(a, job.id)).toEqual(['cancelled']);
    // A copy fetched anyway (here: the row cancelled without the engine's copy) is skipped.
    const skipped = await a.queue.enqueue('round', 1);
    await a.jobs.cancel(skipped.id, 'bob');
    expect(await engineStates(a, skipped.id)).toEqual(['created']);
    const after = await a.queue.enqueue('sync', 1);
    const end = ended(a.queue, after.id);
    a.worker.start();
    await end;
    while ((await engineStates(a, skipped.id))[0] !== 'completed') await new Promise((r) => setTimeout(r, 50));
    expect(started).toEqual([after.id]);
    expect(await a.jobs.get(skipped.id)).toMatchObject({ state: 'failed', error: 'cancelled by bob', attempts: 0 });
    expect(heard.filter((j) => j.id === job.id).map((j) => j.state)).toContain('failed');
  });

  it('stops a running job cancelled through another replica within seconds: failed, cancelled in the engine, not retried', async () => {
    const started: number[] = [];
    const worker = await node('worker', { round: loopingJob(started) });
    const replica = await node('replica', {});
    const job = await replica.queue.enqueue('round', 1);
    const end = ended(replica.queue, job.id);
    worker.worker.start();
    while ((await replica.jobs.get(job.id))!.stage === null) await new Promise((r) => setTimeout(r, 50));
    expect(await replica.queue.cancel(job.id, 'ada')).toMatchObject({ outcome: 'requested', job: { state: 'running', cancelRequestedBy: 'ada' } });
    expect(await end).toMatchObject({ state: 'failed', error: 'cancelled by ada', cancelRequestedBy: 'ada', attempts: 1 });
    // The worker cancels the engine's copy just after it records the row (which `end` waited for).
    for (let i = 0; i < 100 && (await engineStates(replica, job.id))[0] === 'active'; i++) await new Promise((r) => setTimeout(r, 100));
    expect(await engineStates(replica, job.id)).toEqual(['cancelled']);
    // Longer than the retry delay: nothing runs it again. A new round of the project does run.
    await new Promise((r) => setTimeout(r, 2500));
    expect(started).toEqual([job.id]);
    expect(await replica.jobs.get(job.id)).toMatchObject({ state: 'failed', attempts: 1 });
    expect(await replica.queue.cancel(job.id, 'ada')).toMatchObject({ outcome: 'finished' });
    const again = await replica.queue.enqueue('round', 1, job.payload);
    while (!started.includes(again.id)) await new Promise((r) => setTimeout(r, 50));
    expect(await replica.jobs.get(again.id)).toMatchObject({ state: 'running', cancelRequestedBy: null });
  });

  it('tells a queue on another connection (another replica) of every change, progress included', async () => {
    let release!: () => void;
    const worker = await node('worker', {
      sync: async (_job, { progress }) => {
        progress(0.5, 'half way');
        await new Promise<void>((resolve) => (release = resolve));
        return null;
      },
    });
    const replica = await node('replica', {});
    const heard: Job[] = [];
    replica.queue.on('job', (job) => heard.push(job));
    const job = await worker.queue.enqueue('sync', 1);
    const end = ended(replica.queue, job.id);
    worker.worker.start();
    while (!heard.some((j) => j.progress === 0.5)) await new Promise((r) => setTimeout(r, 50));
    release();
    await end;
    // Each notice is read back as the row stands then (a quick change may be seen in its later state).
    expect(heard.filter((j) => j.id === job.id).map((j) => j.state)).toEqual(expect.arrayContaining(['running', 'succeeded']));
    expect(heard.find((j) => j.progress === 0.5)).toMatchObject({ stage: 'half way', state: 'running' });
  });
});
