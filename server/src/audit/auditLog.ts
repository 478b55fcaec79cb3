import type { SqlClient, SqlExecutor, SqlParams } from '../db/sqlClient';

/** One audited action: who did what to which project, with details (never patient identifiers). */
export interface AuditEntry {
  readonly id: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly projectId: number | null;
  readonly details: unknown;
}

/**
 * Which entries to read. Every field is optional; given fields must all match. Instants are ISO
 * 8601 strings as `Date.prototype.toISOString` writes them (what `at` holds), so that they
 * compare as text on SQLite and PostgreSQL alike.
 */
export interface AuditQuery {
  readonly projectId?: number;
  /** The actor, exactly. */
  readonly actor?: string;
  /** The action, exactly (`case.claim`). */
  readonly action?: string;
  /** Actions starting with this text (`case.` for every case action). */
  readonly actionPrefix?: string;
  /** From this instant, inclusive. */
  readonly from?: string;
  /** Up to this instant, exclusive. */
  readonly to?: string;
  /** At most this many entries [200]. */
  readonly limit?: number;
  /** Skipping this many of the newest [0]. */
  readonly offset?: number;
}

/** The distinct actors and actions of the log, sorted (for filter drop-downs). */
export interface AuditFacets {
  readonly actors: string[];
  readonly actions: string[];
}

interface Row { id: number; at: string; actor: string; action: string; project_id: number | null; details: string | null }

/** The WHERE clause of {@link AuditQuery}: one statement text for every query, unused filters bound to NULL. */
const WHERE = `WHERE (CAST(@projectId AS INTEGER) IS NULL OR project_id = @projectId)
  AND (CAST(@actor AS TEXT) IS NULL OR actor = @actor)
  AND (CAST(@action AS TEXT) IS NULL OR action = @action)
  AND (CAST(@actionPrefix AS TEXT) IS NULL OR substr(action, 1, CAST(@prefixLength AS INTEGER)) = @actionPrefix)
  AND (CAST(@from AS TEXT) IS NULL OR at >= @from)
  AND (CAST(@to AS TEXT) IS NULL OR at < @to)`;

// A prefix is compared with substr rather than LIKE: SQLite's LIKE ignores case and PostgreSQL's
// does not, and `_` and `%` in an action would be wildcards.
const whereParams = (q: AuditQuery): SqlParams => ({
  projectId: q.projectId ?? null, actor: q.actor ?? null, action: q.action ?? null,
  actionPrefix: q.actionPrefix ?? null, prefixLength: q.actionPrefix?.length ?? 0, from: q.from ?? null, to: q.to ?? null,
});

const byCodeUnit = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Append-only audit log of changes people and automation make: projects created, budgets and α
 * changed, tokens issued or revoked, cases claimed and released, masks submitted, rounds queued.
 */
export class AuditLog {
  constructor(private readonly sql: SqlClient, private readonly now: () => Date = () => new Date()) {}

  async record(actor: string, action: string, projectId: number | null, details: unknown = null, tx: SqlExecutor = this.sql): Promise<void> {
    await tx.run('INSERT INTO audit (at, actor, action, project_id, details) VALUES (@at, @actor, @action, @projectId, @details)',
      { at: this.now().toISOString(), actor, action, projectId, details: details === null ? null : JSON.stringify(details) });
  }

  /** The entries that match, newest first (by the order they were recorded), one page of them. */
  async list(query: AuditQuery = {}): Promise<AuditEntry[]> {
    const rows = await this.sql.all<Row>(`SELECT * FROM audit ${WHERE} ORDER BY id DESC LIMIT @limit OFFSET @offset`,
      { ...whereParams(query), limit: query.limit ?? 200, offset: query.offset ?? 0 });
    return rows.map((r) => ({ id: r.id, at: r.at, actor: r.actor, action: r.action, projectId: r.project_id, details: r.details === null ? null : (JSON.parse(r.details) as unknown) }));
  }

  /** How many entries match (the limit and offset aside). */
  async count(query: AuditQuery = {}): Promise<number> {
    return Number((await this.sql.get<{ n: number }>(`SELECT COUNT(*) AS n FROM audit ${WHERE}`, whereParams(query)))!.n);
  }

  /** Every actor and action in the log, each once, sorted by code unit (the same on both databases, whatever their collation). */
  async facets(): Promise<AuditFacets> {
    const [actors, actions] = await Promise.all([
      this.sql.all<{ value: string }>('SELECT DISTINCT actor AS value FROM audit'),
      this.sql.all<{ value: string }>('SELECT DISTINCT action AS value FROM audit'),
    ]);
    return { actors: actors.map((r) => r.value).sort(byCodeUnit), actions: actions.map((r) => r.value).sort(byCodeUnit) };
  }
}
