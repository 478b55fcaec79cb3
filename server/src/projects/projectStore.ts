import type { SqlClient, SqlExecutor } from '../db/sqlClient';
import { conflict, notFound } from '../appError';
import { normaliseSettings, type ProjectSettings } from './projectConfig';

/** A project as stored. */
export interface Project {
  readonly id: number;
  readonly name: string;
  readonly settings: ProjectSettings;
  readonly createdAt: string;
  /** The scheduled time of the last nightly run started (ISO), or null. */
  readonly lastScheduledRun: string | null;
}

interface Row { id: number; name: string; config: string; created_at: string; last_scheduled_run: string | null }

const toProject = (r: Row): Project => ({
  id: r.id, name: r.name, settings: normaliseSettings(JSON.parse(r.config) as ProjectSettings), createdAt: r.created_at, lastScheduledRun: r.last_scheduled_run,
});

/** Projects: name and settings (validated by the caller), plus the schedule's bookkeeping. */
export class ProjectStore {
  constructor(private readonly sql: SqlClient, private readonly now: () => Date = () => new Date()) {}

  async create(name: string, settings: ProjectSettings, tx: SqlExecutor = this.sql): Promise<Project> {
    if (await tx.get('SELECT 1 AS one FROM projects WHERE name = @name', { name })) throw conflict('name-taken', `a project named "${name}" exists`);
    const { id } = (await tx.get<{ id: number }>('INSERT INTO projects (name, config, created_at) VALUES (@name, @config, @at) RETURNING id',
      { name, config: JSON.stringify(settings), at: this.now().toISOString() }))!;
    return this.get(id, tx);
  }

  /** The project, or a 404 error. */
  async get(id: number, tx: SqlExecutor = this.sql): Promise<Project> {
    const row = await tx.get<Row>('SELECT * FROM projects WHERE id = @id', { id });
    if (!row) throw notFound(`project ${id}`);
    return toProject(row);
  }

  /**
   * Holds the project's row until `tx` ends, so that decisions about the project (is a round
   * already queued?) are taken one at a time across API replicas (SQLite: the transaction is
   * already the only writer).
   */
  async lock(id: number, tx: SqlExecutor): Promise<void> {
    if (tx.dialect === 'postgres') await tx.get('SELECT id FROM projects WHERE id = @id FOR UPDATE', { id });
  }

  async find(name: string): Promise<Project | null> {
    const row = await this.sql.get<Row>('SELECT * FROM projects WHERE name = @name', { name });
    return row ? toProject(row) : null;
  }

  async list(): Promise<Project[]> {
    return (await this.sql.all<Row>('SELECT * FROM projects ORDER BY id')).map(toProject);
  }

  async update(id: number, settings: ProjectSettings, tx: SqlExecutor = this.sql): Promise<Project> {
    await this.get(id, tx);
    await tx.run('UPDATE projects SET config = @config WHERE id = @id', { config: JSON.stringify(settings), id });
    return this.get(id, tx);
  }

  /**
   * Records that the run scheduled for `at` was started, unless one at or after it already was:
   * true for exactly one caller however many schedulers look at once.
   */
  async markScheduledRun(id: number, at: Date, tx: SqlExecutor = this.sql): Promise<boolean> {
    const stamp = at.toISOString();
    const { changes } = await tx.run('UPDATE projects SET last_scheduled_run = @stamp WHERE id = @id AND (last_scheduled_run IS NULL OR last_scheduled_run < @stamp)', { stamp, id });
    return changes === 1;
  }
}
