import path from 'node:path';
import { openDatabase } from './database';
import { migrateSql } from './migrateSql';
import { PostgresClient } from './postgresClient';
import { MIGRATIONS } from './schema';
import type { SqlClient } from './sqlClient';
import { SqliteClient } from './sqliteClient';

/** Where the service keeps its state: a PostgreSQL URL (several processes and machines), else SQLite in the data directory. */
export interface DatabaseChoice {
  /** `postgresql://user:password@host:5432/db` (also `postgres://`); from the configuration or `DATABASE_URL`. */
  readonly url?: string;
  /** Connections per process to PostgreSQL [10]. */
  readonly poolSize?: number;
}

/** The database URL in force: the configuration's, else the `DATABASE_URL` environment variable, else none (SQLite). */
export function databaseUrl(choice: DatabaseChoice | undefined, env: NodeJS.ProcessEnv = process.env): string | null {
  const url = choice?.url ?? env.DATABASE_URL;
  return url !== undefined && url.trim() !== '' ? url.trim() : null;
}

/**
 * Opens the service's database with its schema brought up to date: PostgreSQL when a URL is
 * configured (migrated under an advisory lock, so replicas starting together migrate once),
 * otherwise `scanselect.db` in the data directory (SQLite, WAL). A URL that is not PostgreSQL's
 * is refused.
 */
export async function openSqlClient(dataDir: string, choice: DatabaseChoice | undefined, env: NodeJS.ProcessEnv = process.env): Promise<SqlClient> {
  const url = databaseUrl(choice, env);
  if (url === null) return new SqliteClient(openDatabase(path.join(dataDir, 'scanselect.db'), MIGRATIONS));
  if (!/^postgres(ql)?:\/\//i.test(url)) throw new Error('the database URL must start with postgresql:// (or leave it out for SQLite in the data directory)');
  const client = new PostgresClient({ connectionString: url, max: choice?.poolSize ?? 10 });
  try {
    await migrateSql(client, MIGRATIONS);
  } catch (error) {
    await client.close();
    throw new Error(`cannot open the PostgreSQL database: ${(error as Error).message}`);
  }
  return client;
}
