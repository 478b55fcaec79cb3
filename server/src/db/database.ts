import Database from 'better-sqlite3';

/** The server's SQLite handle (better-sqlite3: synchronous, one connection per process). */
export type Db = Database.Database;

/** One schema change. Versions are 1, 2, 3, … in order; a released migration is never edited. */
export interface Migration {
  readonly version: number;
  readonly name: string;
  /** SQL run in one transaction with the version bump. */
  readonly up: string;
}

/** A database whose schema is newer than this server's migrations (a downgrade). */
export class SchemaVersionError extends Error {
  constructor(readonly found: number, readonly known: number) {
    super(`the database is at schema version ${found}, newer than this server knows (${known}); use the server version that wrote it`);
    this.name = 'SchemaVersionError';
  }
}

/**
 * Opens (creating if needed) a database file — `:memory:` for tests — with write-ahead logging,
 * foreign keys enforced and a busy timeout, and brings its schema up to date.
 */
export function openDatabase(file: string, migrations: readonly Migration[]): Db {
  const db = new Database(file);
  try {
    if (file !== ':memory:') db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('busy_timeout = 5000');
    migrate(db, migrations);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * Applies the migrations not yet applied, each in its own transaction together with its row in
 * `schema_migrations`, so that a crash leaves the schema at a whole version. Returns the versions
 * applied now.
 */
export function migrate(db: Db, migrations: readonly Migration[]): number[] {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new Error(`migration ${m.name} has version ${m.version}; expected ${i + 1} (versions are 1, 2, 3, … in order)`);
  });
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`);
  const current = (db.prepare('SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations').get() as { v: number }).v;
  if (current > migrations.length) throw new SchemaVersionError(current, migrations.length);
  const applied: number[] = [];
  const record = db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  for (const m of migrations.slice(current)) {
    db.transaction(() => {
      db.exec(m.up);
      record.run(m.version, m.name, new Date().toISOString());
    })();
    applied.push(m.version);
  }
  return applied;
}

/** The schema version of a database (0 when none applied). */
export function schemaVersion(db: Db): number {
  return (db.prepare('SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations').get() as { v: number }).v;
}

