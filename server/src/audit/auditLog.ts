import type { SqlClient, SqlExecutor } from '../db/sqlClient';

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
 * Append-only audit log of changes people and automation make: projects created, budgets and α
 * changed, tokens issued or revoked, cases claimed and released, masks submitted, rounds queued.
 */
export class AuditLog {
  constructor(private readonly sql: SqlClient, private readonly now: () => Date = () => new Date()) {}

  async record(actor: string, action: string, projectId: number | null, details: unknown = null, tx: SqlExecutor = this.sql): Promise<void> {
    await tx.run('INSERT INTO audit (at, actor, action, project_id, details) VALUES (@at, @actor, @action, @projectId, @details)',
      { at: this.now().toISOString(), actor, action, projectId, details: details === null ? null : JSON.stringify(details) });
  }

  /** Newest first. */
  async list(filter: { projectId?: number; limit?: number } = {}): Promise<AuditEntry[]> {
    const rows = await this.sql.all<{ id: number; at: string; actor: string; action: string; project_id: number | null; details: string | null }>(
      'SELECT * FROM audit WHERE (CAST(@projectId AS INTEGER) IS NULL OR project_id = @projectId) ORDER BY id DESC LIMIT @limit',
      { projectId: filter.projectId ?? null, limit: filter.limit ?? 200 });
    return rows.map((r) => ({ id: r.id, at: r.at, actor: r.actor, action: r.action, projectId: r.project_id, details: r.details === null ? null : (JSON.parse(r.details) as unknown) }));
  }
}
