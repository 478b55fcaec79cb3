import type { SqlClient, SqlExecutor } from '../db/sqlClient';
import { CANCELLED_BY, cancelledText } from './jobCancelled';

/** The PostgreSQL channel job changes are announced on (payload: the job id). */
export const JOB_CHANNEL = 'scanselect_jobs';

export type JobState = 'queued' | 'running' | 'succeeded' | 'failed';

/** A job as stored. */
export interface Job {
  readonly id: number;
  readonly projectId: number | null;
  readonly kind: string;
  readonly state: JobState;
  readonly progress: number;
  readonly stage: string | null;
  readonly error: string | null;
  readonly result: unknown;
  /** What the job was asked to do beyond its kind and project (JSON), or null. */
  readonly payload: unknown;
  readonly attempts: number;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  /**
   * Who asked for the job to be cancelled, or null. A cancelled job ends `failed` with the error
   * `cancelled by <name>`; while this is set and the job still runs, its worker is stopping it.
   */
  readonly cancelRequestedBy: string | null;
}

/**
 * What asking to cancel a job did: `cancelled` (it was queued: failed now), `requested` (it runs:
 * its worker stops it within seconds), `already-requested` (someone asked before), `finished`
 * (it had ended: nothing to cancel).
 */
export interface CancelOutcome {
  readonly job: Job;
  readonly outcome: 'cancelled' | 'requested' | 'already-requested' | 'finished';
}

interface Row {
  id: number; project_id: number | null; kind: string; state: JobState; progress: number; stage: string | null; error: string | null;
  result: string | null; payload: string | null; attempts: number; created_at: string; started_at: string | null; finished_at: string | null;
  cancel_requested_by?: string | null;
}

const toJob = (r: Row): Job => ({
  id: r.id, projectId: r.project_id, kind: r.kind, state: r.state, progress: r.progress, stage: r.stage, error: r.error,
  result: r.result === null ? null : (JSON.parse(r.result) as unknown), payload: r.payload === null ? null : (JSON.parse(r.payload) as unknown), attempts: r.attempts,
  createdAt: r.created_at, startedAt: r.started_at, finishedAt: r.finished_at, cancelRequestedBy: r.cancel_requested_by ?? null,
});

/** SQL: the error of a job whose cancellation was asked for (`cancelled by <name>`), with the parameter `@cancelledBy`. */
const CANCELLED_ERROR = 'CAST(@cancelledBy AS TEXT) || cancel_requested_by';

/**
 * The job table: queued → running → succeeded | failed, with progress and error. After a crash,
 * `recoverInterrupted` runs once at start so that no job stays "running" forever: jobs whose
 * kind can resume (sync and rounds checkpoint their work) are queued again, the others are
 * marked failed with the reason. A job whose cancellation was asked for is never queued again:
 * wherever it would be (a retry, a take-up), it ends failed `cancelled by <name>` instead.
 */
export class JobStore {
  constructor(private readonly sql: SqlClient, private readonly now: () => Date = () => new Date()) {}

  async enqueue(kind: string, projectId: number | null = null, payload: unknown = null, tx: SqlExecutor = this.sql): Promise<Job> {
    const { id } = (await tx.get<{ id: number }>("INSERT INTO jobs (project_id, kind, state, payload, created_at) VALUES (@projectId, @kind, 'queued', @payload, @at) RETURNING id",
      { projectId, kind, payload: payload === null ? null : JSON.stringify(payload), at: this.stamp() }))!;
    await this.notify(id, tx);
    return (await this.get(id, tx))!;
  }

  /**
   * PostgreSQL: tells every API replica listening on {@link JOB_CHANNEL} that the job changed
   * (delivered when the statement's transaction commits). SQLite: nothing (the API polls).
   */
  private async notify(id: number, tx: SqlExecutor = this.sql): Promise<void> {
    if (tx.dialect === 'postgres') await tx.run('SELECT pg_notify(@channel, CAST(@id AS TEXT))', { channel: JOB_CHANNEL, id });
  }

  /**
   * The engine's attempt `attempt` (1, 2, …) of a job starts on `worker`: the job is running with
   * that attempt number, unless it already ended, a later attempt started or its cancellation was
   * asked for (then null: leave it; see {@link endCancelled}).
   */
  async startAttempt(id: number, attempt: number, worker: string): Promise<Job | null> {
    const { changes } = await this.sql.run(`UPDATE jobs SET state = 'running', started_at = @now, heartbeat_at = @now, worker = @worker, attempts = @attempt, progress = 0, stage = NULL, error = NULL
      WHERE id = @id AND state IN ('queued', 'running') AND attempts < @attempt AND cancel_requested_by IS NULL`, { now: this.stamp(), worker, attempt, id });
    if (changes !== 1) return null;
    await this.notify(id);
    return this.get(id);
  }

  /** Whether `attempt` is still the job's current, running attempt (the fence of a worker whose job may have been taken up). */
  async holds(id: number, attempt: number): Promise<boolean> {
    return (await this.sql.get<{ n: number }>("SELECT COUNT(*) AS n FROM jobs WHERE id = @id AND attempts = @attempt AND state = 'running'", { id, attempt }))!.n === 1;
  }

  /**
   * Ends attempt `attempt`; false when it is no longer the job's current attempt (nothing
   * recorded). A retry of a job whose cancellation was asked for ends it failed instead.
   */
  async finishAttempt(id: number, attempt: number, outcome: { result: unknown } | { error: string; detail: string } | { retry: string }): Promise<boolean> {
    const params = { id, attempt, now: this.stamp() };
    const { changes } = 'retry' in outcome
      ? await this.sql.run(`UPDATE jobs SET state = CASE WHEN cancel_requested_by IS NULL THEN 'queued' ELSE 'failed' END, worker = NULL, heartbeat_at = NULL, stage = @stage,
          error = CASE WHEN cancel_requested_by IS NULL THEN error ELSE ${CANCELLED_ERROR} END, error_detail = CASE WHEN cancel_requested_by IS NULL THEN error_detail ELSE ${CANCELLED_ERROR} END,
          finished_at = CASE WHEN cancel_requested_by IS NULL THEN finished_at ELSE CAST(@now AS TEXT) END
        WHERE id = @id AND attempts = @attempt AND state = 'running'`, { ...params, stage: outcome.retry, cancelledBy: CANCELLED_BY })
      : 'result' in outcome
        ? await this.sql.run("UPDATE jobs SET state = 'succeeded', progress = 1, result = @result, error = NULL, error_detail = NULL, finished_at = @now WHERE id = @id AND attempts = @attempt AND state = 'running'",
          { ...params, result: outcome.result === null || outcome.result === undefined ? null : JSON.stringify(outcome.result) })
        : await this.sql.run("UPDATE jobs SET state = 'failed', error = @error, error_detail = @detail, finished_at = @now WHERE id = @id AND attempts = @attempt AND state = 'running'",
          { ...params, error: outcome.error, detail: outcome.detail });
    if (changes === 1) await this.notify(id);
    return changes === 1;
  }

  /** A job the engine gave up on (its worker died and its retries are used up): failed with `reason` (or as cancelled), if it had not ended. */
  async abandon(id: number, reason: string): Promise<boolean> {
    const error = `CASE WHEN cancel_requested_by IS NULL THEN CAST(@reason AS TEXT) ELSE ${CANCELLED_ERROR} END`;
    const { changes } = await this.sql.run(`UPDATE jobs SET state = 'failed', error = ${error}, error_detail = ${error}, finished_at = @now WHERE id = @id AND state IN ('queued', 'running')`,
      { id, reason, now: this.stamp(), cancelledBy: CANCELLED_BY });
    if (changes === 1) await this.notify(id);
    return changes === 1;
  }

  /** A queued or running job of this kind for the project, if any (to avoid queuing it twice). */
  async pending(kind: string, projectId: number | null, tx: SqlExecutor = this.sql): Promise<Job | null> {
    const row = await tx.get<Row>(`SELECT * FROM jobs WHERE kind = @kind AND (project_id = @projectId OR (project_id IS NULL AND CAST(@projectId AS INTEGER) IS NULL))
      AND state IN ('queued', 'running') ORDER BY id LIMIT 1`, { kind, projectId });
    return row ? toJob(row) : null;
  }

  async get(id: number, tx: SqlExecutor = this.sql): Promise<Job | null> {
    const row = await tx.get<Row>('SELECT * FROM jobs WHERE id = @id', { id });
    return row ? toJob(row) : null;
  }

  async list(filter: { projectId?: number; state?: JobState } = {}): Promise<Job[]> {
    const rows = await this.sql.all<Row>('SELECT * FROM jobs WHERE (CAST(@projectId AS INTEGER) IS NULL OR project_id = @projectId) AND (CAST(@state AS TEXT) IS NULL OR state = @state) ORDER BY id',
      { projectId: filter.projectId ?? null, state: filter.state ?? null });
    return rows.map(toJob);
  }

  /** The queued and running jobs, oldest first. */
  async listActive(): Promise<Job[]> {
    return (await this.sql.all<Row>("SELECT * FROM jobs WHERE state IN ('queued', 'running') ORDER BY id")).map(toJob);
  }

  /** How many jobs are queued or running. */
  async active(): Promise<number> {
    return (await this.sql.get<{ n: number }>("SELECT COUNT(*) AS n FROM jobs WHERE state IN ('queued', 'running')"))!.n;
  }

  /**
   * Takes the oldest queued job (of these kinds, if given) and marks it running by `worker`;
   * null if none. The conditional update makes it one worker's: two never take the same job.
   */
  async claimNext(kinds?: readonly string[], worker: string | null = null): Promise<Job | null> {
    for (;;) {
      const row = await this.sql.get<{ id: number }>(`SELECT id FROM jobs WHERE state = 'queued'${kinds ? ` AND ${this.sql.inList('kind', 'kinds')}` : ''} ORDER BY id LIMIT 1`,
        kinds ? { kinds: this.sql.listParam(kinds) } : {});
      if (!row) return null;
      const { changes } = await this.sql.run(`UPDATE jobs SET state = 'running', started_at = @now, heartbeat_at = @now, worker = @worker, attempts = attempts + 1, progress = 0, stage = NULL, error = NULL
        WHERE id = @id AND state = 'queued'`, { now: this.stamp(), worker, id: row.id });
      if (changes === 1) return this.get(row.id);
      // Another worker took it between the two statements: look again.
    }
  }

  /** `worker` still runs these jobs (jobs whose worker stays silent are taken up again, see {@link requeueStale}). */
  async heartbeat(ids: readonly number[], worker: string): Promise<void> {
    if (ids.length === 0) return;
    await this.sql.run(`UPDATE jobs SET heartbeat_at = @now WHERE state = 'running' AND worker = @worker AND ${this.sql.inList('id', 'ids')}`,
      { now: this.stamp(), worker, ids: this.sql.listParam(ids) });
  }

  /** Records a running job's progress (with `attempt`: only while that attempt is the current one). */
  async progress(id: number, fraction: number, stage: string | null = null, attempt: number | null = null): Promise<void> {
    const { changes } = await this.sql.run(`UPDATE jobs SET progress = @progress, stage = @stage, heartbeat_at = @now
      WHERE id = @id AND state = 'running' AND (CAST(@attempt AS INTEGER) IS NULL OR attempts = @attempt)`,
    { progress: Math.max(0, Math.min(1, fraction)), stage, id, now: this.stamp(), attempt });
    if (changes === 1) await this.notify(id);
  }

  /** Marks a running job succeeded; with `worker`, only while that worker still holds it. */
  async succeed(id: number, result: unknown = null, worker: string | null = null): Promise<void> {
    await this.finish(id, 'succeeded', null, null, result, worker);
  }

  /** Fails a running job: `error` is what every role reads, `detail` (default: the same) only admins. */
  async fail(id: number, error: string, detail: string = error, worker: string | null = null): Promise<void> {
    await this.finish(id, 'failed', error, detail, null, worker);
  }

  /** The whole error of a failed job (for admins and the log), or null. */
  async errorDetail(id: number): Promise<string | null> {
    return (await this.sql.get<{ error_detail: string | null }>('SELECT error_detail FROM jobs WHERE id = @id', { id }))?.error_detail ?? null;
  }

  /**
   * At the start of the only process that runs jobs: every job left "running" by a crash is
   * queued again if its kind is resumable, else failed ("interrupted: its worker stopped").
   */
  recoverInterrupted(resumable: readonly string[]): Promise<{ requeued: number[]; failed: number[] }> {
    return this.requeueStale(resumable, null);
  }

  /**
   * Running jobs whose worker has not said it runs them since `silentSince` (or at all) — it died,
   * or was killed — are queued again (resumable kinds) or failed (the others, and those whose
   * cancellation was asked for); `null` takes every running job.
   */
  requeueStale(resumable: readonly string[], silentSince: Date | null): Promise<{ requeued: number[]; failed: number[] }> {
    return this.sql.transaction(async (tx) => {
      const running = await tx.all<{ id: number; kind: string; cancel_requested_by: string | null }>(
        "SELECT id, kind, cancel_requested_by FROM jobs WHERE state = 'running' AND (CAST(@since AS TEXT) IS NULL OR heartbeat_at IS NULL OR heartbeat_at < @since)",
        { since: silentSince?.toISOString() ?? null });
      const requeued: number[] = [];
      const failed: number[] = [];
      for (const job of running) {
        if (job.cancel_requested_by !== null) {
          // Its cancellation was asked for: it ends here rather than running again.
          await tx.run(`UPDATE jobs SET state = 'failed', error = ${CANCELLED_ERROR}, error_detail = ${CANCELLED_ERROR}, finished_at = @now WHERE id = @id AND state = 'running'`,
            { now: this.stamp(), id: job.id, cancelledBy: CANCELLED_BY });
          failed.push(job.id);
        } else if (resumable.includes(job.kind)) {
          await tx.run("UPDATE jobs SET state = 'queued', worker = NULL, heartbeat_at = NULL, stage = 'resumed: its worker stopped' WHERE id = @id AND state = 'running'", { id: job.id });
          requeued.push(job.id);
        } else {
          await tx.run("UPDATE jobs SET state = 'failed', error = 'interrupted: its worker stopped', finished_at = @now WHERE id = @id AND state = 'running'", { now: this.stamp(), id: job.id });
          failed.push(job.id);
        }
      }
      return { requeued, failed };
    });
  }

  /**
   * `actor` asks for job `id` to stop. A queued job ends failed `cancelled by <actor>` at once
   * (`withdraw` runs in the same transaction: the job engine forgets its copy); a running one
   * gets `cancel_requested_by`, which its worker reads within seconds ({@link cancelRequestedBy})
   * and then stops the job. Null when there is no such job.
   */
  async cancel(id: number, actor: string, withdraw?: (job: Job, tx: SqlExecutor) => Promise<void>): Promise<CancelOutcome | null> {
    // A job moves on between the statements (claimed, retried): each step is conditional, so look again.
    for (let look = 0; ; look++) {
      if (look === 10) throw new Error(`job ${id} kept changing state: cancel it again`);
      const cancelled = await this.sql.transaction(async (tx) => {
        const { changes } = await tx.run(`UPDATE jobs SET state = 'failed', cancel_requested_by = @actor, error = @error, error_detail = @error, finished_at = @now
          WHERE id = @id AND state = 'queued'`, { id, actor, error: cancelledText(actor), now: this.stamp() });
        if (changes !== 1) return null;
        const job = (await this.get(id, tx))!;
        await withdraw?.(job, tx);
        await this.notify(id, tx);
        return job;
      });
      if (cancelled) return { job: cancelled, outcome: 'cancelled' };
      const { changes } = await this.sql.run("UPDATE jobs SET cancel_requested_by = @actor WHERE id = @id AND state = 'running' AND cancel_requested_by IS NULL", { id, actor });
      if (changes === 1) await this.notify(id);
      const job = await this.get(id);
      if (!job) return null;
      if (changes === 1) return { job, outcome: 'requested' };
      if (job.state === 'succeeded' || job.state === 'failed') return { job, outcome: 'finished' };
      if (job.state === 'running' && job.cancelRequestedBy !== null) return { job, outcome: 'already-requested' };
    }
  }

  /** Who asked for running job `id` to be cancelled, or null (not asked, or not running). */
  async cancelRequestedBy(id: number): Promise<string | null> {
    return (await this.sql.get<{ requested_by: string | null }>("SELECT cancel_requested_by AS requested_by FROM jobs WHERE id = @id AND state = 'running'", { id }))?.requested_by ?? null;
  }

  /** Ends job `id` as cancelled if its cancellation was asked for and it has not ended (a worker that was handed it skips it); false otherwise. */
  async endCancelled(id: number): Promise<boolean> {
    const { changes } = await this.sql.run(`UPDATE jobs SET state = 'failed', error = ${CANCELLED_ERROR}, error_detail = ${CANCELLED_ERROR}, finished_at = @now
      WHERE id = @id AND state IN ('queued', 'running') AND cancel_requested_by IS NOT NULL`, { id, now: this.stamp(), cancelledBy: CANCELLED_BY });
    if (changes === 1) await this.notify(id);
    return changes === 1;
  }

  private async finish(id: number, state: 'succeeded' | 'failed', error: string | null, detail: string | null, result: unknown, worker: string | null): Promise<void> {
    const { changes } = await this.sql.run(`UPDATE jobs SET state = @state, error = @error, error_detail = @detail, result = @result,
      progress = CASE WHEN state = 'running' AND @succeeded = 1 THEN 1 ELSE progress END, finished_at = @now
      WHERE id = @id AND state = 'running' AND (CAST(@worker AS TEXT) IS NULL OR worker = @worker)`,
    { state, error, detail, result: result === null ? null : JSON.stringify(result), succeeded: state === 'succeeded' ? 1 : 0, now: this.stamp(), id, worker });
    if (changes !== 1) throw new Error(`job ${id} is not running${worker === null ? '' : ` on worker ${worker}`}`);
  }

  private stamp(): string {
    return this.now().toISOString();
  }
}
