import { createHash, randomBytes } from 'node:crypto';
import type { SqlClient } from '../db/sqlClient';

export type Role = 'admin' | 'annotator' | 'service';
export const ROLES: readonly Role[] = ['admin', 'annotator', 'service'];

/** Who a valid token belongs to. */
export interface Principal {
  readonly tokenId: number;
  readonly name: string;
  readonly role: Role;
}

const hash = (token: string): string => createHash('sha256').update(token, 'utf8').digest('hex');

/**
 * API bearer tokens with roles. A token is 32 random bytes (base64url, prefixed `ss_`), returned
 * once by `create`; only its SHA-256 is stored, so a copy of the database does not leak tokens.
 */
export class TokenStore {
  constructor(private readonly sql: SqlClient) {}

  async create(name: string, role: Role): Promise<{ id: number; token: string }> {
    if (!ROLES.includes(role)) throw new Error(`unknown role "${role}"; valid: ${ROLES.join(', ')}`);
    if (!name.trim()) throw new Error('a token needs a name (who or what uses it)');
    const token = `ss_${randomBytes(32).toString('base64url')}`;
    return { id: await this.insert(name.trim(), role, token), token };
  }

  /** The principal of a token, or null when unknown or revoked. */
  async verify(token: string): Promise<Principal | null> {
    const row = await this.sql.get<{ id: number; name: string; role: Role }>('SELECT id, name, role FROM tokens WHERE hash = @hash AND revoked_at IS NULL', { hash: hash(token) });
    return row ? { tokenId: row.id, name: row.name, role: row.role } : null;
  }

  /** Every token's id, name, role and dates (never the token or its hash). */
  async list(): Promise<Array<{ id: number; name: string; role: Role; createdAt: string; revokedAt: string | null }>> {
    return (await this.sql.all<{ id: number; name: string; role: Role; created_at: string; revoked_at: string | null }>('SELECT id, name, role, created_at, revoked_at FROM tokens ORDER BY id'))
      .map((r) => ({ id: r.id, name: r.name, role: r.role, createdAt: r.created_at, revokedAt: r.revoked_at }));
  }

  /**
   * Makes sure a token given by the operator (e.g. `SCANSELECT_ADMIN_TOKEN` at first start)
   * exists with this role; stores only its hash. Returns its id.
   */
  async ensure(name: string, role: Role, token: string): Promise<number> {
    if (token.length < 24) throw new Error('a configured token must be at least 24 characters long');
    const find = (): Promise<{ id: number } | undefined> => this.sql.get<{ id: number }>('SELECT id FROM tokens WHERE hash = @hash', { hash: hash(token) });
    const existing = await find();
    if (existing) return existing.id;
    try {
      return await this.insert(name, role, token);
    } catch (error) {
      // Replicas starting together: one of them stored it first.
      const stored = await find();
      if (stored) return stored.id;
      throw error;
    }
  }

  /** Whether any token is active (at first start there is none and one is made for the admin). */
  async any(): Promise<boolean> {
    return (await this.sql.get('SELECT 1 AS one FROM tokens WHERE revoked_at IS NULL LIMIT 1')) !== undefined;
  }

  async revoke(id: number): Promise<boolean> {
    return (await this.sql.run('UPDATE tokens SET revoked_at = @at WHERE id = @id AND revoked_at IS NULL', { at: new Date().toISOString(), id })).changes === 1;
  }

  private async insert(name: string, role: Role, token: string): Promise<number> {
    return (await this.sql.get<{ id: number }>('INSERT INTO tokens (name, role, hash, created_at) VALUES (@name, @role, @hash, @at) RETURNING id',
      { name, role, hash: hash(token), at: new Date().toISOString() }))!.id;
  }
}
