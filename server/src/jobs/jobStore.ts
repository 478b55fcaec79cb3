import { statement, writeTransaction, type Db } from '../db/database';

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
}

interface Row {
  id: number; project_id: number | null; kind: string; state: JobState; progress: number; stage: string | null; error: string | null;
  result: string | null; payload: string | null; attempts: number; created_at: string; started_at: string | null; finished_at: string | null;
}

const toJob = (r: Row): Job => ({
  id: r.id, projectId: r.project_id, kind: r.kind, state: r.state, progress: r.progress, stage: r.stage, error: r.error,
  result: r.result === null ? null : (JSON.parse(r.result) as unknown), payload: r.payload === null ? null : (JSON.parse(r.payload) as unknown), attempts: r.attempts,
  createdAt: r.created_at, startedAt: r.started_at, finishedAt: r.finished_at,
});

/**
 * The job table: queued → running → succeeded | failed, with progress and error. After a crash,
 * `recoverInterrupted` runs once at start so that no job stays "running" forever: jobs whose
 * kind can resume (sync and rounds checkpoint their work) are queued again, the others are
 * marked failed with the reason.
 */
export class JobStore {
  constructor(private readonly db: Db, private readonly now: () => Date = () => new Date()) {}

  enqueue(kind: string, projectId: number | null = null, payload: unknown = null): Job {
    const info = statement(this.db, "INSERT INTO jobs (project_id, kind, state, payload, created_at) VALUES (?, ?, 'queued', ?, ?)")
      .run(projectId, kind, payload === null ? null : JSON.stringify(payload), this.stamp());
    return this.get(Number(info.lastInsertRowid))!;
  }

  /** A queued or running job of this kind for the project, if any (to avoid queuing it twice). */
  pending(kind: string, projectId: number | null): Job | null {
    const row = statement(this.db, "SELECT * FROM jobs WHERE kind = ? AND project_id IS ? AND state IN ('queued', 'running') ORDER BY id LIMIT 1").get(kind, projectId) as Row | undefined;
    return row ? toJob(row) : null;
  }

  get(id: number): Job | null {
    const row = statement(this.db, 'SELECT * FROM jobs WHERE id = ?').get(id) as Row | undefined;
    return row ? toJob(row) : null;
  }

  list(filter: { projectId?: number; state?: JobState } = {}): Job[] {
    const rows = statement(this.db, `SELECT * FROM jobs WHERE (@projectId IS NULL OR project_id = @projectId) AND (@state IS NULL OR state = @state) ORDER BY id`)
      .all({ projectId: filter.projectId ?? null, state: filter.state ?? null }) as Row[];
    return rows.map(toJob);
  }

  /**
   * Takes the oldest queued job (of these kinds, if given) and marks it running by `worker`;
   * null if none. One IMMEDIATE transaction: two workers never take the same job.
   */
  claimNext(kinds?: readonly string[], worker: string | null = null): Job | null {
    return writeTransaction(this.db, () => {
      const row = statement(this.db, "SELECT * FROM jobs WHERE state = 'queued' AND (@kinds IS NULL OR kind IN (SELECT value FROM json_each(@kinds))) ORDER BY id LIMIT 1")
        .get({ kinds: kinds ? JSON.stringify(kinds) : null }) as Row | undefined;
      if (!row) return null;
      statement(this.db, "UPDATE jobs SET state = 'running', started_at = @now, heartbeat_at = @now, worker = @worker, attempts = attempts + 1, progress = 0, stage = NULL, error = NULL WHERE id = @id")
        .run({ now: this.stamp(), worker, id: row.id });
      return this.get(row.id);
    });
  }

  /** `worker` still runs these jobs (jobs whose worker stays silent are taken up again, see {@link requeueStale}). */
  heartbeat(ids: readonly number[], worker: string): void {
    if (ids.length === 0) return;
    statement(this.db, "UPDATE jobs SET heartbeat_at = @now WHERE state = 'running' AND worker = @worker AND id IN (SELECT value FROM json_each(@ids))")
      .run({ now: this.stamp(), worker, ids: JSON.stringify(ids) });
  }

  progress(id: number, fraction: number, stage: string | null = null): void {
    statement(this.db, "UPDATE jobs SET progress = ?, stage = ? WHERE id = ? AND state = 'running'").run(Math.max(0, Math.min(1, fraction)), stage, id);
  }

  /** Marks a running job succeeded; with `worker`, only while that worker still holds it. */
  succeed(id: number, result: unknown = null, worker: string | null = null): void {
    this.finish(id, 'succeeded', null, result, worker);
  }

  /** Fails a running job: `error` is what every role reads, `detail` (default: the same) only admins. */
  fail(id: number, error: string, detail: string = error, worker: string | null = null): void {
    this.finish(id, 'failed', error, null, worker);
    statement(this.db, 'UPDATE jobs SET error_detail = ? WHERE id = ?').run(detail, id);
  }

  /** The whole error of a failed job (for admins and the log), or null. */
  errorDetail(id: number): string | null {
    const row = statement(this.db, 'SELECT error_detail FROM jobs WHERE id = ?').get(id) as { error_detail: string | null } | undefined;
    return row?.error_detail ?? null;
  }

  /**
   * At the start of the only process that runs jobs: every job left "running" by a crash is
   * queued again if its kind is resumable, else failed ("interrupted: its worker stopped").
   */
  recoverInterrupted(resumable: readonly string[]): { requeued: number[]; failed: number[] } {
    return this.requeueStale(resumable, null);
  }

  /**
   * Running jobs whose worker has not said it runs them since `silentSince` (or at all) — it died,
   * or was killed — are queued again (resumable kinds) or failed; `null` takes every running job.
   */
  requeueStale(resumable: readonly string[], silentSince: Date | null): { requeued: number[]; failed: number[] } {
    return writeTransaction(this.db, () => {
      const running = statement(this.db, "SELECT id, kind FROM jobs WHERE state = 'running' AND (@since IS NULL OR heartbeat_at IS NULL OR heartbeat_at < @since)")
        .all({ since: silentSince?.toISOString() ?? null }) as Array<{ id: number; kind: string }>;
      const requeued: number[] = [];
      const failed: number[] = [];
      for (const job of running) {
        if (resumable.includes(job.kind)) {
          statement(this.db, "UPDATE jobs SET state = 'queued', worker = NULL, heartbeat_at = NULL, stage = 'resumed: its worker stopped' WHERE id = ?").run(job.id);
          requeued.push(job.id);
        } else {
          statement(this.db, "UPDATE jobs SET state = 'failed', error = 'interrupted: its worker stopped', finished_at = ? WHERE id = ?").run(this.stamp(), job.id);
          failed.push(job.id);
        }
      }
      return { requeued, failed };
    });
  }

  private finish(id: number, state: 'succeeded' | 'failed', error: string | null, result: unknown, worker: string | null): void {
    const info = statement(this.db, `UPDATE jobs SET state = @state, error = @error, result = @result, progress = CASE WHEN @state = 'succeeded' THEN 1 ELSE progress END,
      finished_at = @now WHERE id = @id AND state = 'running' AND (@worker IS NULL OR worker = @worker)`)
      .run({ state, error, result: result === null ? null : JSON.stringify(result), now: this.stamp(), id, worker });
    if (info.changes !== 1) throw new Error(`job ${id} is not running${worker === null ? '' : ` on worker ${worker}`}`);
  }

  private stamp(): string {
    return this.now().toISOString();
  }
}
