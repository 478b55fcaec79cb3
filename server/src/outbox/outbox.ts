import { statement, type Db } from '../db/database';

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

const toEntry = (r: Row): OutboxEntry => ({
  id: r.id, projectId: r.project_id, kind: r.kind, target: r.target, payload: JSON.parse(r.payload) as unknown, state: r.state, attempts: r.attempts,
  lastError: r.last_error, nextAttemptAt: r.next_attempt_at, createdAt: r.created_at, doneAt: r.done_at,
});

/** Longest wait between two attempts. */
export const MAX_BACKOFF_MS = 10 * 60_000;

/**
 * The transactional outbox: what must reach the PACS is first committed here (with its file on
 * disk), then delivered by the {@link OutboxWorker} and retried with exponential back-off until
 * it succeeds. A PACS outage or a server restart delays a delivery; nothing is lost.
 */
export class Outbox {
  constructor(private readonly db: Db, private readonly now: () => Date = () => new Date()) {}

  add(kind: string, target: string, payload: unknown, projectId: number | null): OutboxEntry {
    const stamp = this.now().toISOString();
    const info = statement(this.db, 'INSERT INTO outbox (project_id, kind, target, payload, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?)')
      .run(projectId, kind, target, JSON.stringify(payload), stamp, stamp);
    return this.get(Number(info.lastInsertRowid))!;
  }

  get(id: number): OutboxEntry | null {
    const row = statement(this.db, 'SELECT * FROM outbox WHERE id = ?').get(id) as Row | undefined;
    return row ? toEntry(row) : null;
  }

  /** Pending entries whose next attempt is due, oldest first. */
  due(limit = 20): OutboxEntry[] {
    return (statement(this.db, "SELECT * FROM outbox WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY id LIMIT ?").all(this.now().toISOString(), limit) as Row[]).map(toEntry);
  }

  list(filter: { projectId?: number; state?: 'pending' | 'done' } = {}): OutboxEntry[] {
    return (statement(this.db, 'SELECT * FROM outbox WHERE (@projectId IS NULL OR project_id = @projectId) AND (@state IS NULL OR state = @state) ORDER BY id')
      .all({ projectId: filter.projectId ?? null, state: filter.state ?? null }) as Row[]).map(toEntry);
  }

  done(id: number): void {
    statement(this.db, "UPDATE outbox SET state = 'done', attempts = attempts + 1, last_error = NULL, done_at = ? WHERE id = ?").run(this.now().toISOString(), id);
  }

  /** Records a failed attempt and when to try again: 5 s, 10 s, 20 s … up to {@link MAX_BACKOFF_MS}. */
  retryLater(id: number, error: string): OutboxEntry {
    const entry = this.get(id)!;
    const wait = Math.min(MAX_BACKOFF_MS, 5000 * 2 ** entry.attempts);
    statement(this.db, 'UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE id = ?')
      .run(error, new Date(this.now().getTime() + wait).toISOString(), id);
    return this.get(id)!;
  }

  /** Makes every pending entry due now (after the PACS is known to be back, or in tests). */
  retryNow(): number {
    return statement(this.db, "UPDATE outbox SET next_attempt_at = ? WHERE state = 'pending'").run(this.now().toISOString()).changes;
  }
}
