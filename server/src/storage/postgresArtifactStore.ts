import type { SqlClient } from '../db/sqlClient';
import { ArtifactNotFoundError, assertArtifactKey, type ArtifactStore } from './artifactStore';

/**
 * The artefact store of the PostgreSQL cluster mode: each key is a row of the `artifacts` table
 * (migration 7), its value a `bytea` in the same database as the rows that name it, so every
 * replica and worker reads the same artefacts and a backup or replica of the database holds them
 * too. Not large objects: values are whole (an upload or a round model's weights, MiBs), a put is
 * then one statement, and a deleted row leaves no object behind to `lo_unlink`.
 *
 * Limits: a `bytea` holds at most 1 GB, and a read, which node-postgres receives hex-encoded as
 * text, fails from about half of that; every value passes through memory whole.
 */
export class PostgresArtifactStore implements ArtifactStore {
  /**
   * A client, not a transaction's executor: a put must commit by itself to be durable when it
   * resolves. PostgreSQL only (`starts_with`, `COLLATE "C"`); on SQLite the files are the store.
   */
  constructor(private readonly db: SqlClient) {
    if (db.dialect !== 'postgres') throw new Error(`PostgresArtifactStore needs a PostgreSQL client, not ${db.dialect}`);
  }

  /**
   * One upsert in its own transaction: the old row stays visible until the new one commits, and a
   * statement that fails (or a connection or server lost before the commit) leaves no part of it.
   * Durable when the commit returns, with PostgreSQL's default `synchronous_commit = on`.
   * Concurrent puts of one key queue on its row lock; the last to commit wins, whole.
   */
  async put(key: string, bytes: Uint8Array): Promise<void> {
    await this.db.run(
      `INSERT INTO artifacts (key, bytes, size, updated_at) VALUES (@key, @bytes, @size, @at)
       ON CONFLICT (key) DO UPDATE SET bytes = excluded.bytes, size = excluded.size, updated_at = excluded.updated_at`,
      { key: assertArtifactKey(key), bytes: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), size: bytes.byteLength, at: new Date().toISOString() },
    );
  }

  async get(key: string): Promise<Buffer> {
    const row = await this.db.get<{ bytes: Buffer }>('SELECT bytes FROM artifacts WHERE key = @key', { key: assertArtifactKey(key) });
    if (!row) throw new ArtifactNotFoundError(key);
    return row.bytes;
  }

  async exists(key: string): Promise<boolean> {
    return (await this.db.get('SELECT 1 AS found FROM artifacts WHERE key = @key', { key: assertArtifactKey(key) })) !== undefined;
  }

  async delete(key: string): Promise<void> {
    await this.db.run('DELETE FROM artifacts WHERE key = @key', { key: assertArtifactKey(key) });
  }

  /**
   * `starts_with` rather than LIKE: `_` is a key character and a LIKE wildcard. Sorted by code
   * point (`COLLATE "C"`), whatever the database's collation, as FileArtifactStore's
   * `Array.prototype.sort` sorts them: keys are ASCII, so both orders are byte order.
   */
  async list(prefix: string): Promise<string[]> {
    const rows = await this.db.all<{ key: string }>('SELECT key FROM artifacts WHERE starts_with(key, @folder) ORDER BY key COLLATE "C"', {
      folder: `${assertArtifactKey(prefix)}/`,
    });
    return rows.map((r) => r.key);
  }
}
