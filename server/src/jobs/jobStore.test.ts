import Database from 'better-sqlite3';
import { migrate } from '../db/database';
import { MIGRATIONS } from '../db/schema';
import { SqliteClient } from '../db/sqliteClient';
import { JobStore } from './jobStore';

describe('JobStore', () => {
  let sql: SqliteClient;
  let jobs: JobStore;
  beforeEach(async () => {
    const db = new Database(':memory:');
    migrate(db, MIGRATIONS);
    sql = new SqliteClient(db);
    await sql.run("INSERT INTO projects (id, name, config, created_at) VALUES (1, 'p', '{}', 'now')");
    jobs = new JobStore(sql, () => new Date('2026-11-25T12:00:00Z'));
  });
  afterEach(() => sql.close());

  it('runs a job through queued → running → succeeded with progress and a result', async () => {
    const job = await jobs.enqueue('sync', 1);
    expect(job).toMatchObject({ state: 'queued', projectId: 1, kind: 'sync', attempts: 0 });
    const running = (await jobs.claimNext())!;
    expect(running).toMatchObject({ id: job.id, state: 'running', attempts: 1, startedAt: '2026-11-25T12:00:00.000Z' });
    await jobs.progress(job.id, 0.5, 'embedding');
    expect(await jobs.get(job.id)).toMatchObject({ progress: 0.5, stage: 'embedding' });
    await jobs.succeed(job.id, { embedded: 3 });
    expect(await jobs.get(job.id)).toMatchObject({ state: 'succeeded', progress: 1, result: { embedded: 3 } });
    await expect(jobs.succeed(job.id)).rejects.toThrow(/not running/);
    expect(await jobs.claimNext()).toBeNull();
  });

  it('claims the oldest queued job of the kinds asked, and records failures', async () => {
    const a = await jobs.enqueue('round', 1);
    const b = await jobs.enqueue('sync', 1);
    expect((await jobs.claimNext(['sync']))!.id).toBe(b.id);
    expect((await jobs.claimNext())!.id).toBe(a.id);
    await jobs.fail(a.id, 'PACS unreachable');
    expect(await jobs.get(a.id)).toMatchObject({ state: 'failed', error: 'PACS unreachable', finishedAt: '2026-11-25T12:00:00.000Z' });
    expect((await jobs.list({ state: 'running' })).map((j) => j.id)).toEqual([b.id]);
    expect(await jobs.active()).toBe(1);
  });

  it('gives each of many concurrent claimers a different job', async () => {
    for (let i = 0; i < 6; i++) await jobs.enqueue('sync', 1);
    const claimed = await Promise.all(Array.from({ length: 8 }, (_v, i) => jobs.claimNext(undefined, `w${i}`)));
    const ids = claimed.filter((j) => j !== null).map((j) => j!.id);
    expect(ids).toHaveLength(6);
    expect(new Set(ids).size).toBe(6);
  });

  it('after a crash, requeues resumable running jobs and fails the others — none stays running', async () => {
    const sync = await jobs.enqueue('sync', 1);
    const push = await jobs.enqueue('push-worklist', 1);
    await jobs.claimNext();
    await jobs.claimNext();
    const restarted = new JobStore(sql);
    expect(await restarted.recoverInterrupted(['sync', 'round'])).toEqual({ requeued: [sync.id], failed: [push.id] });
    expect(await restarted.get(sync.id)).toMatchObject({ state: 'queued', stage: 'resumed: its worker stopped' });
    expect(await restarted.get(push.id)).toMatchObject({ state: 'failed', error: 'interrupted: its worker stopped' });
    expect(await restarted.list({ state: 'running' })).toEqual([]);
    expect(await restarted.claimNext()).toMatchObject({ id: sync.id, attempts: 2 });
  });

  it('takes up a job whose worker went silent, and refuses the silent worker a late finish', async () => {
    let now = new Date('2026-11-25T12:00:00Z');
    const clocked = new JobStore(sql, () => now);
    const a = await clocked.enqueue('round', 1);
    const b = await clocked.enqueue('sync', 1);
    expect(await clocked.claimNext(['round'], 'w1')).toMatchObject({ id: a.id });
    expect(await clocked.claimNext(['sync'], 'w2')).toMatchObject({ id: b.id });
    now = new Date('2026-11-25T12:00:50Z');
    await clocked.heartbeat([b.id], 'w2');
    await clocked.heartbeat([a.id], 'w2'); // not its job: no effect
    expect(await clocked.requeueStale(['sync', 'round'], new Date('2026-11-25T12:00:30Z'))).toEqual({ requeued: [a.id], failed: [] });
    expect((await clocked.get(b.id))!.state).toBe('running'); // w2 still speaks for it
    expect(await clocked.claimNext(['round'], 'w2')).toMatchObject({ id: a.id, attempts: 2 });
    await expect(clocked.succeed(a.id, null, 'w1')).rejects.toThrow(/not running on worker w1/);
    await clocked.succeed(a.id, { round: 1 }, 'w2');
    expect(await clocked.get(a.id)).toMatchObject({ state: 'succeeded', result: { round: 1 } });
  });
});
