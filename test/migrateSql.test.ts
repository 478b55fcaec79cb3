/**
 * The server's migrations on both databases: every version applies to SQLite and to a real
 * PostgreSQL, gives the same tables and columns in both, applies once (a second run and a
 * concurrent run find it done), and a database newer than the server is refused.
 */
import Database from 'better-sqlite3';
import { openDatabase, SchemaVersionError } from '../server/src/db/database';
import { migrateSql } from '../server/src/db/migrateSql';
import { PostgresClient } from '../server/src/db/postgresClient';
import { MIGRATIONS } from '../server/src/db/schema';
import { SqliteClient } from '../server/src/db/sqliteClient';
import { PostgresProcess, postgresUnavailable } from './harness/postgres';

jest.setTimeout(120_000);

type Columns = Record<string, string[]>;

function sqliteColumns(db: Database.Database): Columns {
  const tables = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").all() as Array<{ name: string }>).map((t) => t.name);
  return Object.fromEntries(tables.map((t) => [t, (db.prepare(`PRAGMA table_info(${t})`).all() as Array<{ name: string }>).map((c) => c.name).sort()]));
}

describe('migrations on SQLite through SqlClient', () => {
  it('give the schema the synchronous migrator gives, once', async () => {
    const client = new SqliteClient(new Database(':memory:'));
    expect(await migrateSql(client, MIGRATIONS)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(await migrateSql(client, MIGRATIONS)).toEqual([]);
    const reference = openDatabase(':memory:', MIGRATIONS);
    expect(sqliteColumns(client.db)).toEqual(sqliteColumns(reference));
    reference.close();
    await expect(migrateSql(client, MIGRATIONS.slice(0, 3))).rejects.toThrow(SchemaVersionError);
    await client.close();
  });
});

const why = postgresUnavailable();
if (why) process.stderr.write(`skipping the migrations on PostgreSQL: ${why}\n`);
(why ? describe.skip : describe)('migrations on PostgreSQL', () => {
  let pg: PostgresProcess;
  beforeAll(async () => {
    pg = await PostgresProcess.start();
  });
  afterAll(async () => {
    await pg?.dispose();
  });

  it('apply once, even when two processes start at the same moment, to the same tables and columns as SQLite', async () => {
    const a = new PostgresClient({ connectionString: pg.url, max: 2 });
    const b = new PostgresClient({ connectionString: pg.url, max: 2 });
    const [first, second] = await Promise.all([migrateSql(a, MIGRATIONS), migrateSql(b, MIGRATIONS)]);
    expect([first, second].map((r) => r.length).sort()).toEqual([0, MIGRATIONS.length]);
    expect(await a.all('SELECT version FROM schema_migrations ORDER BY version')).toEqual(MIGRATIONS.map((m) => ({ version: m.version })));
    const rows = await a.all<{ table_name: string; column_name: string }>("SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' ORDER BY table_name, column_name");
    const columns: Columns = {};
    for (const r of rows) (columns[r.table_name] ??= []).push(r.column_name);
    for (const list of Object.values(columns)) list.sort();
    const reference = openDatabase(':memory:', MIGRATIONS);
    expect(columns).toEqual(sqliteColumns(reference));
    reference.close();
    // Identity ids, 8-byte reals and bytes as SQLite stores them.
    await a.run("INSERT INTO projects (name, config, created_at) VALUES ('p', '{}', 'now')");
    await a.run("INSERT INTO jobs (project_id, kind, state, progress, created_at) VALUES (1, 'sync', 'queued', 0.123456789012, 'now')");
    expect(await a.get('SELECT id, progress FROM jobs')).toEqual({ id: 1, progress: 0.123456789012 });
    await Promise.all([a.close(), b.close()]);
  });
});
