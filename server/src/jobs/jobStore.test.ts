import { openDatabase, type Db } from '../db/database';
import { MIGRATIONS } from '../db/schema';
import { JobStore } from './jobStore';

describe('JobStore', () => {
  let db: Db;
  let jobs: JobStore;
  beforeEach(() => {
    db = openDatabase(':memory:', MIGRATIONS);
    db.prepare("INSERT INTO projects (id, name, config, created_at) VALUES (1, 'p', '{}', 'now')").run();
    jobs = new JobStore(db, () => new Date('2026-11-25T12:00:00Z'));
  });
  afterEach(() => db.close());

  it('runs a job through queued → running → succeeded with progress and a result', () => {
    const job = jobs.enqueue('sync', 1);
    expect(job).toMatchObject({ state: 'queued', projectId: 1, kind: 'sync', attempts: 0 });
    const running = jobs.claimNext()!;
    expect(running).toMatchObject({ id: job.id, state: 'running', attempts: 1, startedAt: '2026-11-25T12:00:00.000Z' });
    jobs.progress(job.id, 0.5, 'embedding');
    expect(jobs.get(job.id)).toMatchObject({ progress: 0.5, stage: 'embedding' });
    jobs.succeed(job.id, { embedded: 3 });
    expect(jobs.get(job.id)).toMatchObject({ state: 'succeeded', progress: 1, result: { embedded: 3 } });
    expect(() => jobs.succeed(job.id)).toThrow(/not running/);
    expect(jobs.claimNext()).toBeNull();
  });

  it('claims the oldest queued job of the kinds asked, and records failures', () => {
    const a = jobs.enqueue('round', 1);
    const b = jobs.enqueue('sync', 1);
    expect(jobs.claimNext(['sync'])!.id).toBe(b.id);
    expect(jobs.claimNext()!.id).toBe(a.id);
    jobs.fail(a.id, 'PACS unreachable');
    expect(jobs.get(a.id)).toMatchObject({ state: 'failed', error: 'PACS unreachable', finishedAt: '2026-11-25T12:00:00.000Z' });
    expect(jobs.list({ state: 'running' }).map((j) => j.id)).toEqual([b.id]);
  });

  it('after a crash, requeues resumable running jobs and fails the others — none stays running', () => {
    const sync = jobs.enqueue('sync', 1);
    const push = jobs.enqueue('push-worklist', 1);
    jobs.claimNext();
    jobs.claimNext();
    const restarted = new JobStore(db);
    expect(restarted.recoverInterrupted(['sync', 'round'])).toEqual({ requeued: [sync.id], failed: [push.id] });
    expect(restarted.get(sync.id)).toMatchObject({ state: 'queued', stage: 'resumed: its worker stopped' });
    expect(restarted.get(push.id)).toMatchObject({ state: 'failed', error: 'interrupted: its worker stopped' });
    expect(restarted.list({ state: 'running' })).toEqual([]);
    expect(restarted.claimNext()).toMatchObject({ id: sync.id, attempts: 2 });
  });

  it('takes up a job whose worker went silent, and refuses the silent worker a late finish', () => {
    let now = new Date('2026-11-25T12:00:00Z');
    const clocked = new JobStore(db, () => now);
    const a = clocked.enqueue('round', 1);
    const b = clocked.enqueue('sync', 1);
    expect(clocked.claimNext(['round'], 'w1')).toMatchObject({ id: a.id });
    expect(clocked.claimNext(['sync'], 'w2')).toMatchObject({ id: b.id });
    now = new Date('2026-11-25T12:00:50Z');
    clocked.heartbeat([b.id], 'w2');
    clocked.heartbeat([a.id], 'w2'); // not its job: no effect
    expect(clocked.requeueStale(['sync', 'round'], new Date('2026-11-25T12:00:30Z'))).toEqual({ requeued: [a.id], failed: [] });
    expect(clocked.get(b.id)!.state).toBe('running'); // w2 still speaks for it
    expect(clocked.claimNext(['round'], 'w2')).toMatchObject({ id: a.id, attempts: 2 });
    expect(() => clocked.succeed(a.id, null, 'w1')).toThrow(/not running on worker w1/);
    clocked.succeed(a.id, { round: 1 }, 'w2');
    expect(clocked.get(a.id)).toMatchObject({ state: 'succeeded', result: { round: 1 } });
  });
});
