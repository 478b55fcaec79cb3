/**
 * One asynchronous SQL interface over the two databases the service runs on: SQLite (the
 * embedded default, better-sqlite3) and PostgreSQL (cluster mode, node-postgres). Stores write
 * their SQL once, with named parameters (`@name`); what differs between the dialects is asked of
 * the executor ({@link SqlExecutor.inList}, {@link SqlExecutor.dialect}) rather than spelled twice.
 */

/** Named parameters of a statement: `@name` in the SQL → `params.name`. */
export type SqlParams = Readonly<Record<string, unknown>>;

export type SqlDialect = 'sqlite' | 'postgres';

/** What a statement changed. */
export interface SqlRunResult {
  readonly changes: number;
}

/** Runs statements (on the database, or inside a transaction). */
export interface SqlExecutor {
  readonly dialect: SqlDialect;
  /** Every row. */
  all<T>(sql: string, params?: SqlParams): Promise<T[]>;
  /** The first row, or undefined. */
  get<T>(sql: string, params?: SqlParams): Promise<T | undefined>;
  /** A statement without rows (or whose rows are not needed). */
  run(sql: string, params?: SqlParams): Promise<SqlRunResult>;
  /** Several statements without parameters (schema migrations). */
  exec(sql: string): Promise<void>;
  /**
   * `column IN (the values of parameter @param)`, the parameter given by {@link listParam}:
   * SQLite reads a JSON array (json_each), PostgreSQL an array (= ANY).
   */
  inList(column: string, param: string): string;
  /** The value to bind for a parameter used with {@link inList}. */
  listParam(values: readonly (string | number)[]): unknown;
  /**
   * PostgreSQL only: a statement with `$n` parameters on this executor's connection, for a
   * library that writes its own SQL and must join our transaction (the job engine's `send`).
   */
  readonly native?: (text: string, values?: unknown[]) => Promise<{ rows: unknown[] }>;
}

/** The database: statements, and transactions in which a group of them commits or none does. */
export interface SqlClient extends SqlExecutor {
  /**
   * Runs `fn` in a transaction that holds the write lock from its start (SQLite: BEGIN
   * IMMEDIATE, with every other statement of this client waiting until it ends; PostgreSQL: one
   * pooled connection, BEGIN … COMMIT) and commits when `fn` resolves, rolls back when it throws.
   */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** The database's answer to a statement that broke a rule (unique key, foreign key, …). */
export class SqlConstraintError extends Error {
  constructor(readonly kind: 'unique' | 'foreign-key' | 'not-null' | 'check', message: string) {
    super(message);
    this.name = 'SqlConstraintError';
  }
}

/**
 * `@name` → `$1, $2 …` for PostgreSQL (a name used twice gets one number), leaving string
 * literals, quoted identifiers and comments alone; also returns the values in that order.
 */
export function toPositional(sql: string, params: SqlParams = {}): { text: string; values: unknown[] } {
  const order: string[] = [];
  const text = sql.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|--[^\n]*|\/\*[\s\S]*?\*\/|@([A-Za-z_][A-Za-z0-9_]*)/g, (match, name: string | undefined) => {
    if (name === undefined) return match;
    if (!Object.hasOwn(params, name)) throw new Error(`SQL parameter @${name} has no value`);
    let index = order.indexOf(name);
    if (index < 0) index = order.push(name) - 1;
    return `$${index + 1}`;
  });
  return { text, values: order.map((name) => params[name]) };
}
