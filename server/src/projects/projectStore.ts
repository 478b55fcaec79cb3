import { statement, type Db } from '../db/database';
import { conflict, notFound } from '../appError';
import type { ProjectSettings } from './projectConfig';

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
  id: r.id, name: r.name, settings: JSON.parse(r.config) as ProjectSettings, createdAt: r.created_at, lastScheduledRun: r.last_scheduled_run,
});

/** Projects: name and settings (validated by the caller), plus the schedule's bookkeeping. */
export class ProjectStore {
  constructor(private readonly db: Db, private readonly now: () => Date = () => new Date()) {}

  create(name: string, settings: ProjectSettings): Project {
    if (statement(this.db, 'SELECT 1 FROM projects WHERE name = ?').get(name)) throw conflict('name-taken', `a project named "${name}" exists`);
    const info = statement(this.db, 'INSERT INTO projects (name, config, created_at) VALUES (?, ?, ?)').run(name, JSON.stringify(settings), this.now().toISOString());
    return this.get(Number(info.lastInsertRowid));
  }

  /** The project, or a 404 error. */
  get(id: number): Project {
    const row = statement(this.db, 'SELECT * FROM projects WHERE id = ?').get(id) as Row | undefined;
    if (!row) throw notFound(`project ${id}`);
    return toProject(row);
  }

  find(name: string): Project | null {
    const row = statement(this.db, 'SELECT * FROM projects WHERE name = ?').get(name) as Row | undefined;
    return row ? toProject(row) : null;
  }

  list(): Project[] {
    return (statement(this.db, 'SELECT * FROM projects ORDER BY id').all() as Row[]).map(toProject);
  }

  update(id: number, settings: ProjectSettings): Project {
    this.get(id);
    statement(this.db, 'UPDATE projects SET config = ? WHERE id = ?').run(JSON.stringify(settings), id);
    return this.get(id);
  }

  markScheduledRun(id: number, at: Date): void {
    statement(this.db, 'UPDATE projects SET last_scheduled_run = ? WHERE id = ?').run(at.toISOString(), id);
  }
}
