import { OidcError } from './oidcError';
import { ROLES, type Role } from './tokenStore';

/** The claims of a verified token. */
export type Claims = Readonly<Record<string, unknown>>;

/** Where the roles are in a token and what they mean to ScanSelect. */
export interface RoleMapping {
  /** Claim holding the roles; a dotted path such as `realm_access.roles` walks nested objects. */
  readonly claim: string;
  /** IdP role name → ScanSelect role. */
  readonly map: ReadonlyMap<string, Role>;
}

/** Most privileged first. */
const PRIVILEGE: readonly Role[] = ['admin', 'service', 'annotator'];

/**
 * The role mapping of the options: claim `roles` by default; without a `roleMap` the ScanSelect
 * role names map to themselves. Throws `invalid-options` for a map to an unknown role.
 */
export function roleMapping(roleClaim: string | undefined, roleMap: Readonly<Record<string, Role>> | undefined): RoleMapping {
  const entries = roleMap ? Object.entries(roleMap) : ROLES.map((r) => [r, r] as const);
  for (const [from, to] of entries) {
    if (!ROLES.includes(to)) throw new OidcError('invalid-options', `roleMap maps "${from}" to unknown role "${to}"; valid: ${ROLES.join(', ')}`);
  }
  return { claim: roleClaim ?? 'roles', map: new Map(entries) };
}

/** The most privileged ScanSelect role among the token's mapped roles; `no-role` when there is none. */
export function pickRole(claims: Claims, mapping: RoleMapping): Role {
  const raw = claimAt(claims, mapping.claim);
  const names = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw.filter((r): r is string => typeof r === 'string') : [];
  const mapped = new Set(names.map((n) => mapping.map.get(n)).filter((r): r is Role => r !== undefined));
  const role = PRIVILEGE.find((r) => mapped.has(r));
  if (!role) {
    const seen = names.length ? `it has ${names.map((n) => `"${n}"`).join(', ')}` : 'it has none';
    throw new OidcError('no-role', `the token's "${mapping.claim}" claim holds no role mapped to ScanSelect (${seen}; mapped: ${[...mapping.map.keys()].join(', ')})`);
  }
  return role;
}

/** The token's `sub`; `malformed` when it is not a non-blank string. */
export function subjectOf(claims: Claims): string {
  const sub = stringClaim(claims, 'sub');
  if (sub === undefined) throw new OidcError('malformed', 'the token has no "sub" claim');
  return sub;
}

/** `preferred_username`, else `email`, else `sub`. */
export function principalName(claims: Claims): string {
  return stringClaim(claims, 'preferred_username') ?? stringClaim(claims, 'email') ?? subjectOf(claims);
}

function stringClaim(claims: Claims, name: string): string | undefined {
  const value = claims[name];
  return typeof value === 'string' && value.trim() ? value.trim() : undefined;
}

/** The claim at `path`: an own property of that exact name first (URL-like claim names contain dots), else the dotted path. */
function claimAt(claims: Claims, path: string): unknown {
  if (Object.hasOwn(claims, path)) return claims[path];
  let value: unknown = claims;
  for (const step of path.split('.')) {
    if (typeof value !== 'object' || value === null || Array.isArray(value) || !Object.hasOwn(value, step)) return undefined;
    value = (value as Claims)[step];
  }
  return value;
}
