import Database from 'better-sqlite3';
import { migrate } from '../db/database';
import { MIGRATIONS } from '../db/schema';
import { SqliteClient } from '../db/sqliteClient';
import { JobRunner, type JobHandler } from './jobRunner';
import { JobStore, type Job } from './jobStore';
import { PollingJobQueue } from './pollingJobQueue';

/** A long job as sync and rounds are: it reports progress and looks at its signal until stopped. */
function looping(started: number[], returnsWhenAborted = false): JobHandler {
  return async (job, { signal, progress }) => {
    started.push(job.id);
    for (let step = 0; ; step++) {
      if (signal.aborted) {
        if (returnsWhenAborted) return { steps: step }; // as a sync returns what it stored so far
        throw signal.reason;
      }
      progress(Math.min(0.99, step / 1000), `step ${step}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
}

const until = async (test: () => Promise<boolean> | boolean): Promise<void> => {
  while (!(await test())) await new Promise((r) => setTimeout(r, 20));
};

describe('JobRunner: cancelling jobs (SQLite)', () => {
  let sql: SqliteClient;
  let jobs: JobStore;
  const runners: JobRunner[] = [];
  beforeEach(async () => {
    const db = new Database(':memory:');
    migrate(db, MIGRATIONS);
    sql = new SqliteClient(db);
    await sql.run("INSERT INTO projects (id, name, config, created_at) VALUES (1, 'p', '{}', 'now')");
    jobs = new JobStore(sql);
  });
  afterEach(async () => {
    for (const runner of runners.splice(0)) await runner.stop();
    await sql.close();
  });
  const runner = (handlers: Record<string, JobHandler>, options: ConstructorParameters<typeof JobRunner>[3] = {}): JobRunner => {
    const r = new JobRunner(jobs, handlers, () => {}, { pollMs: 20, ...options });
    runners.push(r);
    return r;
  };

  it('fails a cancelled queued job at once, and never runs it', async () => {
    const started: number[] = [];
    const r = runner({ sync: looping(started) });
    const events: Job[] = [];
    r.on('job', (j) => events.push(j));
    const job = await r.enqueue('sync', 1);
    expect(await r.cancel(job.id, 'ada')).toMatchObject({ outcome: 'cancelled', job: { state: 'failed', error: 'cancelled by ada', cancelRequestedBy: 'ada' } });
    expect(events.at(-1)).toMatchObject({ id: job.id, state: 'failed' });
    const next = await r.enqueue('sync', 1);
    r.start();
    await until(() => started.length > 0);
    expect(started).toEqual([next.id]);
    expect(await jobs.get(job.id)).toMatchObject({ state: 'failed', attempts: 0 });
  });

  it('stops a running job this runner runs at once: failed, cancelRequestedBy set, not run again', async () => {
    const started: number[] = [];
    const r = runner({ round: looping(started) });
    const events: Job[] = [];
    r.on('job', (j) => events.push(j));
    const job = await r.enqueue('round', 1);
    r.start();
    await until(async () => (await jobs.get(job.id))!.stage !== null);
    expect(await r.cancel(job.id, 'ada')).toMatchObject({ outcome: 'requested', job: { state: 'running', cancelRequestedBy: 'ada' } });
    await until(async () => (await jobs.get(job.id))!.state === 'failed');
    expect(await jobs.get(job.id)).toMatchObject({ state: 'failed', error: 'cancelled by ada', cancelRequestedBy: 'ada', attempts: 1 });
    expect(events.filter((e) => e.id === job.id).at(-1)).toMatchObject({ state: 'failed', error: 'cancelled by ada' });
    // The runner goes on with other work; the cancelled job is not taken again.
    const next = await r.enqueue('round', 1);
    await until(() => started.length === 2);
    expect(started).toEqual([job.id, next.id]);
  });

  it('stops a job another process runs within its cancel check, also when the handler returns what it did so far', async () => {
    const started: number[] = [];
    // The worker process: its own store on the shared database, as `worker --embedded` is.
    const worker = runner({ sync: looping(started, true) }, { worker: 'w1', heartbeatMs: 50, cancelCheckMs: 100 });
    // The API process: it queues and cancels through the table and hears of changes by polling it.
    const api = new PollingJobQueue(new JobStore(sql), 20);
    const heard: Job[] = [];
    api.on('job', (j) => heard.push(j));
    api.start();
    try {
      const job = await api.enqueue('sync', 1);
      worker.start();
      await until(() => started.length === 1);
      expect(await api.cancel(job.id, 'ada')).toMatchObject({ outcome: 'requested', job: { state: 'running', cancelRequestedBy: 'ada' } });
      expect(await api.cancel(job.id, 'bob')).toMatchObject({ outcome: 'already-requested' });
      await until(() => heard.some((j) => j.id === job.id && j.state === 'failed'));
      expect(await jobs.get(job.id)).toMatchObject({ state: 'failed', error: 'cancelled by ada', attempts: 1, result: null });
      expect(await api.cancel(job.id, 'ada')).toMatchObject({ outcome: 'finished' });
    } finally {
      api.stop();
    }
  });
});
