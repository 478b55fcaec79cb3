import { createHash } from 'node:crypto';
import { Pool, types, type PoolClient, type PoolConfig } from 'pg';
import { SqlConstraintError, toPositional, type SqlClient, type SqlExecutor, type SqlParams, type SqlRunResult } from './sqlClient';

// BIGINT (ids, counts) as numbers, as SQLite gives them: ids stay far below 2^53.
types.setTypeParser(20, (value: string) => Number(value));

/**
 * {@link SqlClient} on a node-postgres pool: statements on any pooled connection, a transaction
 * on one connection from BEGIN to COMMIT (ROLLBACK when its callback throws). `@name` parameters
 * become `$n` ({@link toPositional}).
 */
export class PostgresClient implements SqlClient {
  readonly dialect = 'postgres' as const;
  readonly pool: Pool;

  constructor(config: PoolConfig) {
    this.pool = new Pool(config);
    // An idle connection that breaks (the server restarts) must not crash the process.
    this.pool.on('error', () => {});
  }

  all<T>(sql: string, params: SqlParams = {}): Promise<T[]> {
    return executor(this.pool).all<T>(sql, params);
  }

  get<T>(sql: string, params: SqlParams = {}): Promise<T | undefined> {
    return executor(this.pool).get<T>(sql, params);
  }

  run(sql: string, params: SqlParams = {}): Promise<SqlRunResult> {
    return executor(this.pool).run(sql, params);
  }

  exec(sql: string): Promise<void> {
    return executor(this.pool).exec(sql);
  }

  inList(column: string, param: string): string {
    return executor(this.pool).inList(column, param);
  }

  listParam(values: readonly (string | number)[]): unknown {
    return executor(this.pool).listParam(values);
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      try {
        const result = await fn(executor(client));
        await client.query('COMMIT');
        return result;
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    } finally {
      client.release();
    }
  }

  /** Statements with `$n` parameters on the pool (the job engine's own SQL). */
  native(text: string, values?: unknown[]): Promise<{ rows: unknown[] }> {
    return this.pool.query(text, values);
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/**
 * The name a statement is prepared under on each connection: the same text, the same name, so
 * PostgreSQL parses and plans it once per connection instead of at every execution (the stores'
 * statements are a fixed set).
 */
const statementNames = new Map<string, string>();
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (name === undefined) statementNames.set(text, (name = `s${createHash('sha1').update(text).digest('hex').slice(0, 20)}`));
  return name;
}

function executor(target: Pool | PoolClient): SqlExecutor {
  const query = async (sql: string, params: SqlParams) => {
    const { text, values } = toPositional(sql, params);
    try {
      return await target.query({ name: statementName(text), text, values });
    } catch (error) {
      // SQLSTATE class 23: integrity constraint violations.
      const code = (error as { code?: string }).code;
      const kind = code === '23505' ? 'unique' : code === '23503' ? 'foreign-key' : code === '23502' ? 'not-null' : code === '23514' ? 'check' : null;
      if (kind) throw new SqlConstraintError(kind, (error as Error).message);
      throw error;
    }
  };
  return {
    dialect: 'postgres',
    all: async <T>(sql: string, params: SqlParams = {}) => (await query(sql, params)).rows as T[],
    get: async <T>(sql: string, params: SqlParams = {}) => (await query(sql, params)).rows[0] as T | undefined,
    run: async (sql: string, params: SqlParams = {}) => ({ changes: (await query(sql, params)).rowCount ?? 0 }),
    // No values: node-postgres sends it as a simple query, which may hold several statements.
    exec: async (sql: string) => void (await target.query(sql)),
    inList: (column, param) => `${column} = ANY(@${param})`,
    listParam: (values) => [...values],
    native: async (text, values) => target.query(text, values),
  };
}
