import type Database from 'better-sqlite3';
import { SqlConstraintError, type SqlClient, type SqlExecutor, type SqlParams, type SqlRunResult } from './sqlClient';

/**
 * {@link SqlClient} on one better-sqlite3 connection. better-sqlite3 is synchronous, so a
 * transaction whose callback awaits could let another request's statements run on the same
 * connection inside it: while a transaction is open, every other statement of this client waits
 * for it (a promise chain), and the transaction itself is BEGIN IMMEDIATE (another process on the
 * same file waits for the write lock instead of failing later with SQLITE_BUSY).
 */
export class SqliteClient implements SqlClient {
  readonly dialect = 'sqlite' as const;
  private readonly statements = new Map<string, Database.Statement>();
  /** Resolves when the open transaction (if any) has ended. */
  private gate: Promise<void> = Promise.resolve();
  private inTransaction = false;

  constructor(readonly db: Database.Database) {}

  async all<T>(sql: string, params: SqlParams = {}): Promise<T[]> {
    await this.turn();
    return this.direct.all<T>(sql, params);
  }

  async get<T>(sql: string, params: SqlParams = {}): Promise<T | undefined> {
    await this.turn();
    return this.direct.get<T>(sql, params);
  }

  async run(sql: string, params: SqlParams = {}): Promise<SqlRunResult> {
    await this.turn();
    return this.direct.run(sql, params);
  }

  async exec(sql: string): Promise<void> {
    await this.turn();
    return this.direct.exec(sql);
  }

  inList(column: string, param: string): string {
    return `${column} IN (SELECT value FROM json_each(@${param}))`;
  }

  listParam(values: readonly (string | number)[]): unknown {
    return JSON.stringify(values);
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const previous = this.gate;
    let release!: () => void;
    this.gate = new Promise<void>((resolve) => (release = resolve));
    await previous;
    this.inTransaction = true;
    try {
      this.prepare('BEGIN IMMEDIATE').run();
      try {
        const result = await fn(this.direct);
        this.prepare('COMMIT').run();
        return result;
      } catch (error) {
        if (this.db.inTransaction) this.prepare('ROLLBACK').run();
        throw error;
      }
    } finally {
      this.inTransaction = false;
      release();
    }
  }

  async close(): Promise<void> {
    await this.gate;
    this.db.close();
  }

  /** Waits while another caller's transaction is open. */
  private async turn(): Promise<void> {
    while (this.inTransaction) await this.gate;
  }

  /** Statements without waiting (used inside the transaction that holds the gate). */
  private readonly direct: SqlExecutor = {
    dialect: 'sqlite',
    all: async <T>(sql: string, params: SqlParams = {}) => this.translate(() => this.prepare(sql).all(params) as T[]),
    get: async <T>(sql: string, params: SqlParams = {}) => this.translate(() => this.prepare(sql).get(params) as T | undefined),
    run: async (sql: string, params: SqlParams = {}) => this.translate(() => ({ changes: this.prepare(sql).run(params).changes })),
    exec: async (sql: string) => this.translate(() => void this.db.exec(sql)),
    inList: (column, param) => this.inList(column, param),
    listParam: (values) => this.listParam(values),
  };

  private prepare(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) this.statements.set(sql, (statement = this.db.prepare(sql)));
    return statement;
  }

  private translate<T>(fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      const kind = code.includes('UNIQUE') || code.includes('PRIMARYKEY') ? 'unique' : code.includes('FOREIGNKEY') ? 'foreign-key' : code.includes('NOTNULL') ? 'not-null' : code.includes('CHECK') ? 'check' : null;
      if (kind) throw new SqlConstraintError(kind, (error as Error).message);
      throw error;
    }
  }
}
