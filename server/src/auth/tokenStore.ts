import { createHash, randomBytes } from 'node:crypto';
import { statement, type Db } from '../db/database';

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
  constructor(private readonly db: Db) {}

  create(name: string, role: Role): { id: number; token: string } {
    if (!ROLES.includes(role)) throw new Error(`unknown role "${role}"; valid: ${ROLES.join(', ')}`);
    if (!name.trim()) throw new Error('a token needs a name (who or what uses it)');
    const token = `ss_${randomBytes(32).toString('base64url')}`;
    const info = statement(this.db, 'INSERT INTO tokens (name, role, hash, created_at) VALUES (?, ?, ?, ?)').run(name.trim(), role, hash(token), new Date().toISOString());
    return { id: Number(info.lastInsertRowid), token };
  }

  /** The principal of a token, or null when unknown or revoked. */
  verify(token: string): Principal | null {
    const row = statement(this.db, 'SELECT id, name, role FROM tokens WHERE hash = ? AND revoked_at IS NULL').get(hash(token)) as { id: number; name: string; role: Role } | undefined;
    return row ? { tokenId: row.id, name: row.name, role: row.role } : null;
  }

  /** Every token's id, name, role and dates (never the token or its hash). */
  list(): Array<{ id: number; name: string; role: Role; createdAt: string; revokedAt: string | null }> {
    return (statement(this.db, 'SELECT id, name, role, created_at, revoked_at FROM tokens ORDER BY id').all() as Array<{ id: number; name: string; role: Role; created_at: string; revoked_at: string | null }>)
      .map((r) => ({ id: r.id, name: r.name, role: r.role, createdAt: r.created_at, revokedAt: r.revoked_at }));
  }

  /**
   * Makes sure a token given by the operator (e.g. `SCANSELECT_ADMIN_TOKEN` at first start)
   * exists with this role; stores only its hash. Returns its id.
   */
  ensure(name: string, role: Role, token: string): number {
    if (token.length < 24) throw new Error('a configured token must be at least 24 characters long');
    const existing = statement(this.db, 'SELECT id FROM tokens WHERE hash = ?').get(hash(token)) as { id: number } | undefined;
    if (existing) return existing.id;
    return Number(statement(this.db, 'INSERT INTO tokens (name, role, hash, created_at) VALUES (?, ?, ?, ?)').run(name, role, hash(token), new Date().toISOString()).lastInsertRowid);
  }

  /** Whether any token is active (at first start there is none and one is made for the admin). */
  any(): boolean {
    return statement(this.db, 'SELECT 1 FROM tokens WHERE revoked_at IS NULL LIMIT 1').get() !== undefined;
  }

  revoke(id: number): boolean {
    return statement(this.db, 'UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(new Date().toISOString(), id).changes === 1;
  }
}
