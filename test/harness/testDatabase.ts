/**
 * Which database the tests' servers use. By default none is configured: a server opens SQLite in
 * its data directory. With `SCANSELECT_TEST_DATABASE=postgres` (`npm run test:postgres`) each
 * test server gets a fresh database of its own in the one PostgreSQL cluster the run started
 * (test/harness/globalPostgresSetup.ts publishes its admin URL in `SCANSELECT_TEST_POSTGRES_URL`):
 * tests stay as independent as with a SQLite file per data directory, and a server restarted on
 * the same directory finds its data again, because the database's name is kept in that directory.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client } from 'pg';
import { openDatabase } from '../../server/src/db/database';
import { migrateSql } from '../../server/src/db/migrateSql';
import { openSqlClient } from '../../server/src/db/openSqlClient';
import { PostgresClient } from '../../server/src/db/postgresClient';
import { MIGRATIONS } from '../../server/src/db/schema';
import type { SqlClient } from '../../server/src/db/sqlClient';
import { SqliteClient } from '../../server/src/db/sqliteClient';

/** The switch: which database the test servers run on. */
export const TEST_DATABASE_ENV = 'SCANSELECT_TEST_DATABASE';
/** The admin URL (superuser, database `postgres`) of the run's PostgreSQL cluster. */
export const TEST_POSTGRES_URL_ENV = 'SCANSELECT_TEST_POSTGRES_URL';
/** The file in a test server's directory that names its database. */
const NAME_FILE = 'test-database';

/** True when the tests run against PostgreSQL (`SCANSELECT_TEST_DATABASE=postgres`). */
export function testingPostgres(env: NodeJS.ProcessEnv = process.env): boolean {
  const choice = env[TEST_DATABASE_ENV]?.trim() ?? '';
  if (choice === '' || choice === 'sqlite') return false;
  if (choice === 'postgres') return true;
  throw new Error(`${TEST_DATABASE_ENV} must be "postgres" or "sqlite" (or unset), not "${choice}"`);
}

/** The cluster's admin URL; throws when the run started none (the switch is on without jest's globalSetup). */
function adminUrl(): string {
  const url = process.env[TEST_POSTGRES_URL_ENV];
  if (!url) throw new Error(`${TEST_DATABASE_ENV}=postgres but ${TEST_POSTGRES_URL_ENV} is not set: run jest with its globalSetup (jest.config.js), e.g. npm run test:postgres`);
  return url;
}

/** The admin URL with another database. */
function urlOf(database: string): string {
  const url = new URL(adminUrl());
  url.pathname = `/${database}`;
  return url.href;
}

/** Runs one statement as the cluster's superuser, on a connection of its own. */
async function admin(statement: string): Promise<void> {
  const client = new Client({ connectionString: adminUrl() });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** A fresh, empty database (its name: letters, digits and `_` only, so it needs no quoting). */
async function createDatabase(): Promise<{ name: string; url: string }> {
  const name = `scanselect_test_${process.pid}_${randomBytes(6).toString('hex')}`;
  await admin(`CREATE DATABASE ${name}`);
  return { name, url: urlOf(name) };
}

/** Drops a database even while connections to it are open (a server that was not stopped). */
async function dropDatabase(name: string): Promise<void> {
  await admin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
}

/**
 * The database of a test server whose files are in `dir`: undefined on SQLite (the server opens
 * its own file); on PostgreSQL the one named in `dir` by an earlier call (a restart), else a new one.
 */
export async function testDatabaseFor(dir: string): Promise<{ url: string } | undefined> {
  if (!testingPostgres()) return undefined;
  const file = path.join(dir, NAME_FILE);
  if (existsSync(file)) return { url: urlOf(readFileSync(file, 'utf8').trim()) };
  const { name, url } = await createDatabase();
  writeFileSync(file, `${name}\n`);
  return { url };
}

/** Drops the database {@link testDatabaseFor} made for `dir`, if any (call it after the server has stopped). */
export async function dropTestDatabase(dir: string): Promise<void> {
  const file = path.join(dir, NAME_FILE);
  if (!existsSync(file)) return;
  await dropDatabase(readFileSync(file, 'utf8').trim());
  rmSync(file, { force: true });
}

/**
 * The database of the test server whose files are in `dir`, opened beside the server (while it
 * is stopped, to leave what a crash would): its SQLite file, or its PostgreSQL database.
 */
export async function openTestServerSql(dir: string): Promise<SqlClient> {
  return openSqlClient(path.join(dir, 'data'), await testDatabaseFor(dir));
}

/**
 * The migrated database of a test that uses the stores without a server: a fresh PostgreSQL
 * database in PostgreSQL mode, else SQLite in memory; `dispose` closes it (and drops the former).
 */
export async function openTestSqlClient(): Promise<{ sql: SqlClient; dispose(): Promise<void> }> {
  if (!testingPostgres()) {
    const sql = new SqliteClient(openDatabase(':memory:', MIGRATIONS));
    return { sql, dispose: () => sql.close() };
  }
  const { name, url } = await createDatabase();
  const sql = new PostgresClient({ connectionString: url, max: 4 });
  await migrateSql(sql, MIGRATIONS);
  return { sql, dispose: async () => {
    await sql.close();
    await dropDatabase(name);
  } };
}
