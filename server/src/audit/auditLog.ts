import type { Db } from '../db/database';

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
  constructor(private readonly db: Db, private readonly now: () => Date = () => new Date()) {}

  record(actor: string, action: string, projectId: number | null, details: unknown = null): void {
    this.db.prepare('INSERT INTO audit (at, actor, action, project_id, details) VALUES (?, ?, ?, ?, ?)')
      .run(this.now().toISOString(), actor, action, projectId, details === null ? null : JSON.stringify(details));
  }

  /** Newest first. */
  list(filter: { projectId?: number; limit?: number } = {}): AuditEntry[] {
    const rows = this.db.prepare('SELECT * FROM audit WHERE (@projectId IS NULL OR project_id = @projectId) ORDER BY id DESC LIMIT @limit')
      .all({ projectId: filter.projectId ?? null, limit: filter.limit ?? 200 }) as Array<{ id: number; at: string; actor: string; action: string; project_id: number | null; details: string | null }>;
    return rows.map((r) => ({ id: r.id, at: r.at, actor: r.actor, action: r.action, projectId: r.project_id, details: r.details === null ? null : (JSON.parse(r.details) as unknown) }));
  }
}
