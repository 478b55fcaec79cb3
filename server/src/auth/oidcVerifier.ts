import { constants, createPublicKey, verify as cryptoVerify, type JsonWebKey, type KeyObject } from 'node:crypto';
import { ROLES, type Principal, type Role } from './tokenStore';

/** Why an OIDC token was refused (or the verifier could not be built). */
export type OidcErrorCode =
  | 'malformed'
  | 'bad-signature'
  | 'expired'
  | 'not-yet-valid'
  | 'wrong-issuer'
  | 'wrong-audience'
  | 'unknown-key'
  | 'no-role'
  | 'jwks-unavailable'
  | 'unsupported-alg'
  | 'invalid-options';

/** A refused token: `code` for programs, `message` for people (never contains the token itself). */
export class OidcError extends Error {
  constructor(readonly code: OidcErrorCode, message: string) {
    super(message);
    this.name = 'OidcError';
  }
}

/** Options of {@link createOidcVerifier}. */
export interface OidcVerifierOptions {
  /** Expected `iss`, compared exactly. */
  readonly issuer: string;
  /** Expected `aud` (the token's `aud` may be a string or an array containing it). */
  readonly audience: string;
  /** URL of the identity provider's JSON Web Key Set. */
  readonly jwksUrl: string;
  /** Claim holding the roles; a dotted path such as `realm_access.roles` walks nested objects. Default `roles`. */
  readonly roleClaim?: string;
  /** IdP role name → ScanSelect role. When given it replaces the default (identity for admin, annotator, service). */
  readonly roleMap?: Readonly<Record<string, Role>>;
  /** Leeway for `exp` and `nbf`, in seconds. Default 60. */
  readonly clockToleranceSeconds?: number;
  /** Clock in milliseconds since the epoch. Default `Date.now`. */
  readonly now?: () => number;
  /** Fetch implementation used for the JWKS. Default the global `fetch`. */
  readonly fetch?: typeof fetch;
  /** How long a fetched JWKS is used before it is fetched again, in seconds. Default 600. */
  readonly jwksCacheSeconds?: number;
}

/**
 * The principal of a verified OIDC token. It is a {@link Principal} whose `tokenId` is always
 * {@link OIDC_TOKEN_ID} (0: no row of the tokens table), plus who the IdP says the user is.
 */
export interface OidcPrincipal extends Principal {
  readonly source: 'oidc';
  /** The token's `sub`. */
  readonly subject: string;
  /** When the token expires (its `exp`), in milliseconds since the epoch. */
  readonly expiresAt: number;
}

/** `tokenId` of every OIDC principal: SQLite row ids start at 1, so 0 is never an API token. */
export const OIDC_TOKEN_ID = 0;

/** Verifies OIDC bearer tokens. */
export interface OidcVerifier {
  /** The principal of a valid token; rejects with an {@link OidcError} otherwise. */
  verify(token: string): Promise<OidcPrincipal>;
}

type Alg = 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'ES256' | 'ES384';
interface AlgSpec { readonly hash: string; readonly kty: 'RSA' | 'EC'; readonly crv?: string; readonly pss?: boolean }
const ALGS: Readonly<Record<Alg, AlgSpec>> = {
  RS256: { hash: 'sha256', kty: 'RSA' },
  RS384: { hash: 'sha384', kty: 'RSA' },
  RS512: { hash: 'sha512', kty: 'RSA' },
  PS256: { hash: 'sha256', kty: 'RSA', pss: true },
  ES256: { hash: 'sha256', kty: 'EC', crv: 'P-256' },
  ES384: { hash: 'sha384', kty: 'EC', crv: 'P-384' },
};
const isAlg = (alg: string): alg is Alg => Object.hasOwn(ALGS, alg);

/** Most privileged first. */
const PRIVILEGE: readonly Role[] = ['admin', 'service', 'annotator'];
const REFETCH_MIN_INTERVAL_MS = 30_000;
const JWKS_TIMEOUT_MS = 5_000;
const MAX_TOKEN_LENGTH = 16_384;
const B64URL_SEGMENT = /^[A-Za-z0-9_-]+$/;

interface JwksKey { readonly kid?: string; readonly kty: string; readonly crv?: string; readonly alg?: string; readonly key: KeyObject }
interface JwksCache { readonly keys: readonly JwksKey[]; readonly fetchedAt: number }
type Claims = Readonly<Record<string, unknown>>;
interface DecodedJwt { readonly alg: string; readonly kid?: string; readonly claims: Claims; readonly signedPart: Buffer; readonly signature: Buffer }

/**
 * Whether a bearer token looks like a JWT (three non-empty base64url segments separated by dots),
 * so that the HTTP layer can send it to the OIDC verifier instead of the API token store.
 */
export function looksLikeJwt(token: string): boolean {
  const parts = token.split('.');
  return parts.length === 3 && parts.every((p) => B64URL_SEGMENT.test(p));
}

/**
 * An OIDC bearer-token verifier that uses node:crypto only. It checks the signature (RS256/384/512,
 * PS256, ES256/384) with the key of the token's `kid` from the IdP's JWKS, then `iss`, `aud`,
 * `exp`, `nbf`, and maps the role claim to the most privileged ScanSelect role. The JWKS is
 * cached for `jwksCacheSeconds`; an unknown `kid` makes it refetch (at most once every 30 s) to
 * pick up rotated keys.
 */
export function createOidcVerifier(options: OidcVerifierOptions): OidcVerifier {
  const config = checkOptions(options);
  const keys = createJwksSource(options.jwksUrl, config.now, options.fetch ?? globalThis.fetch, config.cacheMs);
  return {
    async verify(token: string): Promise<OidcPrincipal> {
      const jwt = decodeJwt(token);
      if (!isAlg(jwt.alg)) throw new OidcError('unsupported-alg', `token algorithm "${jwt.alg}" is not accepted; allowed: ${Object.keys(ALGS).join(', ')}`);
      const key = await keys.find(jwt.kid, jwt.alg);
      if (!checkSignature(jwt, jwt.alg, key)) throw new OidcError('bad-signature', 'the token signature is invalid');
      const expiresAt = checkClaims(jwt.claims, options, config);
      return {
        tokenId: OIDC_TOKEN_ID,
        name: principalName(jwt.claims),
        role: pickRole(jwt.claims, config.roleClaim, config.roleMap),
        source: 'oidc',
        subject: stringClaim(jwt.claims, 'sub')!,
        expiresAt,
      };
    },
  };
}

interface Config { readonly roleClaim: string; readonly roleMap: ReadonlyMap<string, Role>; readonly toleranceS: number; readonly cacheMs: number; readonly now: () => number }

function checkOptions(options: OidcVerifierOptions): Config {
  for (const name of ['issuer', 'audience', 'jwksUrl'] as const) {
    if (typeof options[name] !== 'string' || !options[name].trim()) throw new OidcError('invalid-options', `OIDC option ${name} is required`);
  }
  if (!URL.canParse(options.jwksUrl)) throw new OidcError('invalid-options', `OIDC jwksUrl "${options.jwksUrl}" is not a URL`);
  const toleranceS = options.clockToleranceSeconds ?? 60;
  const cacheS = options.jwksCacheSeconds ?? 600;
  if (!(toleranceS >= 0) || !(cacheS >= 0)) throw new OidcError('invalid-options', 'clockToleranceSeconds and jwksCacheSeconds must be ≥ 0');
  const entries = options.roleMap ? Object.entries(options.roleMap) : ROLES.map((r) => [r, r] as const);
  for (const [from, to] of entries) {
    if (!ROLES.includes(to)) throw new OidcError('invalid-options', `roleMap maps "${from}" to unknown role "${to}"; valid: ${ROLES.join(', ')}`);
  }
  return { roleClaim: options.roleClaim ?? 'roles', roleMap: new Map(entries), toleranceS, cacheMs: cacheS * 1000, now: options.now ?? Date.now };
}

function decodeJwt(token: string): DecodedJwt {
  if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) throw new OidcError('malformed', 'the token is not a JWT (too long or not a string)');
  const parts = token.split('.');
  if (parts.length !== 3 || !B64URL_SEGMENT.test(parts[0]!) || !B64URL_SEGMENT.test(parts[1]!) || !/^[A-Za-z0-9_-]*$/.test(parts[2]!)) {
    throw new OidcError('malformed', 'the token is not a JWT (expected three base64url segments)');
  }
  const header = parseJsonObject(parts[0]!, 'header');
  const claims = parseJsonObject(parts[1]!, 'payload');
  if (typeof header.alg !== 'string') throw new OidcError('malformed', 'the token header has no "alg"');
  if (header.kid !== undefined && typeof header.kid !== 'string') throw new OidcError('malformed', 'the token header "kid" is not a string');
  if (header.crit !== undefined) throw new OidcError('malformed', 'the token has critical header extensions, which are not supported');
  return {
    alg: header.alg,
    ...(header.kid !== undefined && { kid: header.kid }),
    claims,
    signedPart: Buffer.from(`${parts[0]}.${parts[1]}`, 'ascii'),
    signature: Buffer.from(parts[2]!, 'base64url'),
  };
}

function parseJsonObject(segment: string, what: string): Claims {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    throw new OidcError('malformed', `the token ${what} is not valid JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new OidcError('malformed', `the token ${what} is not a JSON object`);
  return value as Claims;
}

function checkSignature(jwt: DecodedJwt, alg: Alg, key: KeyObject): boolean {
  const spec = ALGS[alg];
  try {
    if (spec.kty === 'EC') return cryptoVerify(spec.hash, jwt.signedPart, { key, dsaEncoding: 'ieee-p1363' }, jwt.signature);
    if (spec.pss) return cryptoVerify(spec.hash, jwt.signedPart, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }, jwt.signature);
    return cryptoVerify(spec.hash, jwt.signedPart, key, jwt.signature);
  } catch {
    return false;
  }
}

/** Checks iss, aud, exp, nbf and that there is a `sub`; returns exp in milliseconds. */
function checkClaims(claims: Claims, options: OidcVerifierOptions, config: Config): number {
  if (claims.iss !== options.issuer) throw new OidcError('wrong-issuer', `the token was issued by "${String(claims.iss)}", not by "${options.issuer}"`);
  const aud = claims.aud;
  const audiences = typeof aud === 'string' ? [aud] : Array.isArray(aud) ? aud : [];
  if (!audiences.includes(options.audience)) throw new OidcError('wrong-audience', `the token is not meant for audience "${options.audience}"`);
  const nowS = config.now() / 1000;
  const { exp, nbf } = claims;
  if (typeof exp !== 'number' || !Number.isFinite(exp)) throw new OidcError('malformed', 'the token has no numeric "exp" claim');
  if (nowS >= exp + config.toleranceS) throw new OidcError('expired', `the token expired at ${when(exp)}`);
  if (nbf !== undefined) {
    if (typeof nbf !== 'number' || !Number.isFinite(nbf)) throw new OidcError('malformed', 'the token "nbf" claim is not a number');
    if (nowS + config.toleranceS < nbf) throw new OidcError('not-yet-valid', `the token is not valid before ${when(nbf)}`);
  }
  if (stringClaim(claims, 'sub') === undefined) throw new OidcError('malformed', 'the token has no "sub" claim');
  return exp * 1000;
}

/** A NumericDate for messages: ISO 8601 when representable, else the raw seconds. */
function when(seconds: number): string {
  const date = new Date(seconds * 1000);
  return Number.isNaN(date.getTime()) ? `${seconds} s after the epoch` : date.toISOString();
}

function stringClaim(claims: Claims, name: string): string | undefined {
  const value = claims[name];
  return typeof value === 'string' && value.trim() ? value.trim() : undefined;
}

/** `preferred_username`, else `email`, else `sub` (which {@link checkClaims} requires). */
function principalName(claims: Claims): string {
  return stringClaim(claims, 'preferred_username') ?? stringClaim(claims, 'email') ?? stringClaim(claims, 'sub')!;
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

function pickRole(claims: Claims, roleClaim: string, roleMap: ReadonlyMap<string, Role>): Role {
  const raw = claimAt(claims, roleClaim);
  const names = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw.filter((r): r is string => typeof r === 'string') : [];
  const mapped = new Set(names.map((n) => roleMap.get(n)).filter((r): r is Role => r !== undefined));
  const role = PRIVILEGE.find((r) => mapped.has(r));
  if (!role) {
    const seen = names.length ? `it has ${names.map((n) => `"${n}"`).join(', ')}` : 'it has none';
    throw new OidcError('no-role', `the token's "${roleClaim}" claim holds no role mapped to ScanSelect (${seen}; mapped: ${[...roleMap.keys()].join(', ')})`);
  }
  return role;
}

interface JwksSource { find(kid: string | undefined, alg: Alg): Promise<KeyObject> }

/** The JWKS of `url`, cached for `cacheMs`, refetched for an unknown kid at most every 30 s; concurrent fetches are shared. */
function createJwksSource(url: string, now: () => number, fetchImpl: typeof fetch, cacheMs: number): JwksSource {
  let cache: JwksCache | null = null;
  let lastFetchAt = Number.NEGATIVE_INFINITY;
  let inflight: Promise<JwksCache> | null = null;
  const load = (): Promise<JwksCache> => {
    if (!inflight) {
      lastFetchAt = now();
      inflight = fetchJwks(url, fetchImpl)
        .then((keys) => {
          cache = { keys, fetchedAt: now() };
          return cache;
        })
        .finally(() => {
          inflight = null;
        });
    }
    return inflight;
  };
  return {
    async find(kid, alg) {
      let current = cache && now() - cache.fetchedAt < cacheMs ? cache : await load();
      let key = selectKey(current.keys, kid, alg);
      if (key === undefined && now() - lastFetchAt >= REFETCH_MIN_INTERVAL_MS) {
        current = await load();
        key = selectKey(current.keys, kid, alg);
      }
      if (key === undefined) throw new OidcError('unknown-key', kid === undefined ? `the token has no "kid" and the JWKS has no single key for ${alg}` : `no key "${kid}" in the JWKS`);
      if (key === null) throw new OidcError('unknown-key', `key "${kid}" of the JWKS does not fit algorithm ${alg}`);
      return key;
    },
  };
}

/** The key for the token: undefined when there is none, null when the kid's key does not fit the algorithm. */
function selectKey(keys: readonly JwksKey[], kid: string | undefined, alg: Alg): KeyObject | null | undefined {
  const spec = ALGS[alg];
  const fits = (k: JwksKey): boolean => k.kty === spec.kty && (spec.crv === undefined || k.crv === spec.crv) && (k.alg === undefined || k.alg === alg);
  if (kid === undefined) {
    const candidates = keys.filter(fits);
    return candidates.length === 1 ? candidates[0]!.key : undefined;
  }
  const match = keys.find((k) => k.kid === kid);
  if (!match) return undefined;
  return fits(match) ? match.key : null;
}

async function fetchJwks(url: string, fetchImpl: typeof fetch): Promise<readonly JwksKey[]> {
  let body: unknown;
  try {
    const response = await fetchImpl(url, { headers: { Accept: 'application/json' }, signal: AbortSignal.timeout(JWKS_TIMEOUT_MS) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    body = await response.json();
  } catch (error) {
    throw new OidcError('jwks-unavailable', `cannot fetch the JWKS from ${url}: ${describe(error)}`);
  }
  const list = typeof body === 'object' && body !== null ? (body as { keys?: unknown }).keys : undefined;
  if (!Array.isArray(list)) throw new OidcError('jwks-unavailable', `the JWKS at ${url} has no "keys" array`);
  return list.flatMap((jwk: unknown) => {
    const key = importJwk(jwk);
    return key ? [key] : [];
  });
}

/** A signature key of the JWKS, or null for encryption keys, private keys and keys node:crypto cannot read. */
function importJwk(jwk: unknown): JwksKey | null {
  if (typeof jwk !== 'object' || jwk === null) return null;
  const { kid, kty, crv, alg, use, d } = jwk as Record<string, unknown>;
  if (typeof kty !== 'string' || (use !== undefined && use !== 'sig') || d !== undefined) return null;
  try {
    const key = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' });
    return {
      kty,
      key,
      ...(typeof kid === 'string' && { kid }),
      ...(typeof crv === 'string' && { crv }),
      ...(typeof alg === 'string' && { alg }),
    };
  } catch {
    return null;
  }
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}
