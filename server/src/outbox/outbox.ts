import type { SqlClient, SqlExecutor, SqlParams } from '../db/sqlClient';

/** One thing that must reach a PACS. */
export interface OutboxEntry {
  readonly id: number;
  readonly projectId: number | null;
  /** `stow` (a DICOM file by STOW-RS) or `orthanc-metadata` (per-study metadata on Orthanc). */
  readonly kind: string;
  /** Name of the configured source (PACS) it goes to. */
  readonly target: string;
  readonly payload: unknown;
  readonly state: 'pending' | 'done';
  readonly attempts: number;
  readonly lastError: string | null;
  readonly nextAttemptAt: string;
  readonly createdAt: string;
  readonly doneAt: string | null;
}

interface Row {
  id: number; project_id: number | null; kind: string; target: string; payload: string; state: 'pending' | 'done'; attempts: number;
  last_error: string | null; next_attempt_at: string; created_at: string; done_at: string | null;
}

/**
 * The longest `lastError` kept and shown: the PACS's answer (a status line, an Orthanc message,
 * STOW-RS failure reasons) fits; a whole HTML error page a proxy answered with does not.
 */
export const MAX_ERROR_LENGTH = 1000;

/** An error message cut to {@link MAX_ERROR_LENGTH} characters (an ellipsis says it was cut). */
export const truncateError = (error: string): string => (error.length > MAX_ERROR_LENGTH ? `${error.slice(0, MAX_ERROR_LENGTH - 1)}…` : error);

const toEntry = (r: Row): OutboxEntry => ({
  id: r.id, projectId: r.project_id, kind: r.kind, target: r.target, payload: JSON.parse(r.payload) as unknown, state: r.state, attempts: r.attempts,
  lastError: r.last_error === null ? null : truncateError(r.last_error), nextAttemptAt: r.next_attempt_at, createdAt: r.created_at, doneAt: r.done_at,
});

/** Longest wait between two attempts. */
export const MAX_BACKOFF_MS = 10 * 60_000;

/**
 * Which entries to list: `failed` is pending with at least one failed attempt (the PACS refused
 * or did not answer; `lastError` says how).
 */
export interface OutboxQuery {
  readonly projectId?: number;
  readonly state?: 'pending' | 'done' | 'failed';
  /** At most this many [all]. */
  readonly limit?: number;
  /** Skipping this many of the oldest [0]. */
  readonly offset?: number;
}

/** The WHERE clause of {@link OutboxQuery}: one statement text for every query, unused filters bound to NULL. */
const WHERE = `WHERE (CAST(@projectId AS INTEGER) IS NULL OR project_id = @projectId) AND (CAST(@state AS TEXT) IS NULL OR state = @state)
  AND (CAST(@failedOnly AS INTEGER) = 0 OR (attempts > 0 AND last_error IS NOT NULL))`;

const whereParams = (q: OutboxQuery): SqlParams => ({
  projectId: q.projectId ?? null, state: q.state === 'failed' ? 'pending' : (q.state ?? null), failedOnly: q.state === 'failed' ? 1 : 0,
});

/**
 * The transactional outbox: what must reach the PACS is first committed here (with its file on
 * disk), then delivered by the {@link OutboxWorker} and retried with exponential back-off until
 * it succeeds. A PACS outage or a server restart delays a delivery; nothing is lost.
 */
export class Outbox {
  /** Who delivers in this process and wants to hear of entries made due ({@link OutboxWorker}). */
  private readonly wakeListeners = new Set<() => void>();

  constructor(private readonly sql: SqlClient, private readonly now: () => Date = () => new Date()) {}

  async add(kind: string, target: string, payload: unknown, projectId: number | null, tx: SqlExecutor = this.sql): Promise<OutboxEntry> {
    const stamp = this.now().toISOString();
    const { id } = (await tx.get<{ id: number }>('INSERT INTO outbox (project_id, kind, target, payload, next_attempt_at, created_at) VALUES (@projectId, @kind, @target, @payload, @stamp, @stamp) RETURNING id',
      { projectId, kind, target, payload: JSON.stringify(payload), stamp }))!;
    return (await this.get(id, tx))!;
  }

  async get(id: number, tx: SqlExecutor = this.sql): Promise<OutboxEntry | null> {
    const row = await tx.get<Row>('SELECT * FROM outbox WHERE id = @id', { id });
    return row ? toEntry(row) : null;
  }

  /** Pending entries whose next attempt is due, oldest first. */
  async due(limit = 20): Promise<OutboxEntry[]> {
    return (await this.sql.all<Row>("SELECT * FROM outbox WHERE state = 'pending' AND next_attempt_at <= @now ORDER BY id LIMIT @limit", { now: this.now().toISOString(), limit })).map(toEntry);
  }

  /** The entries that match, oldest first, one page of them. */
  async list(query: OutboxQuery = {}): Promise<OutboxEntry[]> {
    // No limit: every entry (the bound is only there because SQL needs one before OFFSET).
    return (await this.sql.all<Row>(`SELECT * FROM outbox ${WHERE} ORDER BY id LIMIT @limit OFFSET @offset`,
      { ...whereParams(query), limit: query.limit ?? Number.MAX_SAFE_INTEGER, offset: query.offset ?? 0 })).map(toEntry);
  }

  /** How many entries match (the limit and offset aside). */
  async count(query: OutboxQuery = {}): Promise<number> {
    return Number((await this.sql.get<{ n: number }>(`SELECT COUNT(*) AS n FROM outbox ${WHERE}`, whereParams(query)))!.n);
  }

  async done(id: number): Promise<void> {
    await this.sql.run("UPDATE outbox SET state = 'done', attempts = attempts + 1, last_error = NULL, done_at = @now WHERE id = @id", { now: this.now().toISOString(), id });
  }

  /** Records a failed attempt and when to try again: 5 s, 10 s, 20 s … up to {@link MAX_BACKOFF_MS}. */
  async retryLater(id: number, error: string): Promise<OutboxEntry> {
    const entry = (await this.get(id))!;
    const wait = Math.min(MAX_BACKOFF_MS, 5000 * 2 ** entry.attempts);
    await this.sql.run('UPDATE outbox SET attempts = attempts + 1, last_error = @error, next_attempt_at = @next WHERE id = @id',
      { error: truncateError(error), next: new Date(this.now().getTime() + wait).toISOString(), id });
    return (await this.get(id))!;
  }

  /**
   * Makes one pending entry due now, whatever its back-off. Null when there is no such pending
   * entry (unknown, or delivered). Call {@link wake} once the transaction has committed.
   */
  async makeDue(id: number, tx: SqlExecutor = this.sql): Promise<OutboxEntry | null> {
    const { changes } = await tx.run("UPDATE outbox SET next_attempt_at = @now WHERE id = @id AND state = 'pending'", { now: this.now().toISOString(), id });
    return changes === 1 ? this.get(id, tx) : null;
  }

  /**
   * Tells the deliverer of this process, if one listens, that entries were made due. Other
   * processes (worker processes; the job engine's outbox pass on PostgreSQL) are not told: they
   * find due entries at their next pass, every few seconds.
   */
  wake(): void {
    for (const listener of this.wakeListeners) listener();
  }

  /** Calls `listener` at every {@link wake}; returns what stops that. */
  onWake(listener: () => void): () => void {
    this.wakeListeners.add(listener);
    return () => void this.wakeListeners.delete(listener);
  }

  /** Makes every pending entry due now (after the PACS is known to be back, or in tests). */
  async retryNow(): Promise<number> {
    return (await this.sql.run("UPDATE outbox SET next_attempt_at = @now WHERE state = 'pending'", { now: this.now().toISOString() })).changes;
  }
}
