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

  describe('cancel', () => {
    it('fails a queued job at once, which is then never claimed', async () => {
      const job = await jobs.enqueue('sync', 1);
      expect(await jobs.cancel(job.id, 'ada')).toMatchObject({ outcome: 'cancelled', job: { state: 'failed', error: 'cancelled by ada', cancelRequestedBy: 'ada', finishedAt: '2026-11-25T12:00:00.000Z' } });
      expect(await jobs.errorDetail(job.id)).toBe('cancelled by ada');
      expect(await jobs.claimNext()).toBeNull();
      expect(await jobs.cancel(job.id, 'bob')).toMatchObject({ outcome: 'finished', job: { error: 'cancelled by ada' } });
      expect(await jobs.cancel(999, 'ada')).toBeNull();
    });

    it('asks a running job to stop once (the first asker is kept), and reports an ended one as finished', async () => {
      const job = await jobs.enqueue('round', 1);
      expect(await jobs.enqueue('sync', 1)).toMatchObject({ cancelRequestedBy: null });
      await jobs.claimNext(['round'], 'w1');
      expect(await jobs.cancelRequestedBy(job.id)).toBeNull();
      expect(await jobs.cancel(job.id, 'ada')).toMatchObject({ outcome: 'requested', job: { state: 'running', cancelRequestedBy: 'ada' } });
      expect(await jobs.cancel(job.id, 'bob')).toMatchObject({ outcome: 'already-requested', job: { cancelRequestedBy: 'ada' } });
      expect(await jobs.cancelRequestedBy(job.id)).toBe('ada');
      await jobs.fail(job.id, 'cancelled by ada', 'cancelled by ada', 'w1');
      expect(await jobs.cancelRequestedBy(job.id)).toBeNull();
      expect(await jobs.cancel(job.id, 'ada')).toMatchObject({ outcome: 'finished', job: { state: 'failed' } });
    });

    it('never queues again a job whose cancellation was asked for: not after its worker went silent, nor as a retry', async () => {
      const silent = await jobs.enqueue('sync', 1);
      const retried = await jobs.enqueue('round', 1);
      const refused = await jobs.enqueue('round', 1);
      await jobs.claimNext(['sync'], 'w1');
      await jobs.cancel(silent.id, 'ada');
      expect(await jobs.requeueStale(['sync', 'round'], null)).toEqual({ requeued: [], failed: [silent.id] });
      expect(await jobs.get(silent.id)).toMatchObject({ state: 'failed', error: 'cancelled by ada' });
      // The engine's path: an attempt that fails and would be retried ends as cancelled instead.
      expect(await jobs.startAttempt(retried.id, 1, 'w1')).toMatchObject({ state: 'running' });
      await jobs.cancel(retried.id, 'bob');
      expect(await jobs.finishAttempt(retried.id, 1, { retry: 'attempt 1 failed; retrying' })).toBe(true);
      expect(await jobs.get(retried.id)).toMatchObject({ state: 'failed', error: 'cancelled by bob', finishedAt: '2026-11-25T12:00:00.000Z' });
      // A copy the engine hands out after its worker died is not started, and ends the job.
      expect(await jobs.startAttempt(refused.id, 1, 'w1')).toMatchObject({ state: 'running' });
      await jobs.cancel(refused.id, 'cy');
      expect(await jobs.startAttempt(refused.id, 2, 'w2')).toBeNull();
      expect(await jobs.endCancelled(refused.id)).toBe(true);
      expect(await jobs.get(refused.id)).toMatchObject({ state: 'failed', error: 'cancelled by cy', attempts: 1 });
      expect(await jobs.endCancelled(refused.id)).toBe(false);
      expect(await jobs.abandon(refused.id, 'gone')).toBe(false);
    });

    it('marks a job the engine gave up on as cancelled when that was asked for', async () => {
      const job = await jobs.enqueue('round', 1);
      await jobs.startAttempt(job.id, 1, 'dead');
      await jobs.cancel(job.id, 'ada');
      expect(await jobs.abandon(job.id, 'interrupted: its worker stopped')).toBe(true);
      expect(await jobs.get(job.id)).toMatchObject({ state: 'failed', error: 'cancelled by ada' });
    });
  });
});
