import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db/database';

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
    const info = this.db.prepare('INSERT INTO tokens (name, role, hash, created_at) VALUES (?, ?, ?, ?)').run(name.trim(), role, hash(token), new Date().toISOString());
    return { id: Number(info.lastInsertRowid), token };
  }

  /** The principal of a token, or null when unknown or revoked. */
  verify(token: string): Principal | null {
    const row = this.db.prepare('SELECT id, name, role FROM tokens WHERE hash = ? AND revoked_at IS NULL').get(hash(token)) as { id: number; name: string; role: Role } | undefined;
    return row ? { tokenId: row.id, name: row.name, role: row.role } : null;
  }

  revoke(id: number): boolean {
    return this.db.prepare('UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(new Date().toISOString(), id).changes === 1;
  }
}
