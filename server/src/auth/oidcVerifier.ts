import { createRemoteJWKSet, customFetch, decodeProtectedHeader, jwtVerify, type JWTPayload, type JWTVerifyGetKey, type ProtectedHeaderParameters } from 'jose';
import { pickRole, principalName, roleMapping, subjectOf } from './oidcClaims';
import { jwksError, OidcError, verifyError } from './oidcError';
import type { Principal, Role } from './tokenStore';

export { OidcError, type OidcErrorCode } from './oidcError';

/** Options of {@link createOidcVerifier}. */
export interface OidcVerifierOptions {
  /** Expected `iss`, compared exactly. */
  readonly issuer: string;
  /** Expected `aud` (the token's `aud` may be a string or an array containing it). */
  readonly audience: string;
  /** URL of the identity provider's JSON Web Key Set (http or https). */
  readonly jwksUrl: string;
  /** Claim holding the roles; a dotted path such as `realm_access.roles` walks nested objects. Default `roles`. */
  readonly roleClaim?: string;
  /** IdP role name → ScanSelect role. When given it replaces the default (identity for admin, annotator, service). */
  readonly roleMap?: Readonly<Record<string, Role>>;
  /** Leeway for `exp` and `nbf`, in seconds. Default 60. */
  readonly clockToleranceSeconds?: number;
  /**
   * Clock for the token's `exp` and `nbf`, in milliseconds since the epoch. Default `Date.now`.
   * The JWKS cache and its cooldown are jose's and follow `Date.now` whatever this is.
   */
  readonly now?: () => number;
  /** Fetch implementation used for the JWKS (it must answer 200 with the key set; redirects are not followed). Default the global `fetch`. */
  readonly fetch?: typeof fetch;
  /** How long a fetched JWKS is used before it is fetched again, in seconds. Default 600. */
  readonly jwksCacheSeconds?: number;
  /** How long a JWKS request may take before the token is refused with `jwks-unavailable`, in seconds. Default 5. */
  readonly jwksTimeoutSeconds?: number;
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

/** The signature algorithms accepted: asymmetric only (no HS*, whose secret would be the public key; no `none`). */
export const OIDC_ALGORITHMS: readonly string[] = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384'];
/** After a successful JWKS fetch, a token with an unknown `kid` makes jose refetch only once this has passed. */
const JWKS_COOLDOWN_MS = 30_000;
/** jose's (and RFC 7518's) minimum RSA modulus. */
const MIN_RSA_BITS = 2048;
const B64URL_SEGMENT = /^[A-Za-z0-9_-]+$/;

/**
 * Whether a bearer token looks like a JWT (three non-empty base64url segments separated by dots),
 * so that the HTTP layer can send it to the OIDC verifier instead of the API token store.
 */
export function looksLikeJwt(token: string): boolean {
  const parts = token.split('.');
  return parts.length === 3 && parts.every((p) => B64URL_SEGMENT.test(p));
}

/**
 * An OIDC bearer-token verifier built on jose: `jwtVerify` checks the signature with the key of the
 * token's `kid` and `alg` from the IdP's JWKS ({@link OIDC_ALGORITHMS} only), then `iss`, `aud`,
 * `exp` (required) and `nbf` within the clock tolerance; the verifier then requires a `sub` and maps
 * the role claim to the most privileged ScanSelect role. jose's `createRemoteJWKSet` caches the
 * JWKS for `jwksCacheSeconds`, shares concurrent fetches, and refetches for an unknown `kid` (key
 * rotation) at most once per 30 s. jose's errors become {@link OidcError}s.
 */
export function createOidcVerifier(options: OidcVerifierOptions): OidcVerifier {
  const { toleranceS, cacheMs, timeoutMs } = checkOptions(options);
  const roles = roleMapping(options.roleClaim, options.roleMap);
  const now = options.now ?? (() => Date.now());
  const getKey = remoteKeySet(options, cacheMs, timeoutMs);
  return {
    async verify(token: string): Promise<OidcPrincipal> {
      let claims: JWTPayload;
      try {
        ({ payload: claims } = await jwtVerify(token, getKey, {
          issuer: options.issuer,
          audience: options.audience,
          algorithms: [...OIDC_ALGORITHMS],
          clockTolerance: toleranceS,
          currentDate: new Date(now()),
          requiredClaims: ['exp', 'sub'],
        }));
      } catch (error) {
        throw verifyError(error, headerOf(token), OIDC_ALGORITHMS);
      }
      const subject = subjectOf(claims);
      // `exp` is a number here: jose requires it (requiredClaims) and checks its type.
      return { tokenId: OIDC_TOKEN_ID, name: principalName(claims), role: pickRole(claims, roles), source: 'oidc', subject, expiresAt: claims.exp! * 1000 };
    },
  };
}

/** jose's remote key set, with its errors translated by {@link jwksError} and RSA keys under 2048 bits refused. */
function remoteKeySet(options: OidcVerifierOptions, cacheMs: number, timeoutMs: number): JWTVerifyGetKey {
  const keySet = createRemoteJWKSet(new URL(options.jwksUrl), {
    timeoutDuration: timeoutMs,
    cooldownDuration: JWKS_COOLDOWN_MS,
    cacheMaxAge: cacheMs,
    ...(options.fetch && { [customFetch]: options.fetch }),
  });
  return async (header, token) => {
    let key;
    try {
      key = await keySet(header, token);
    } catch (error) {
      throw jwksError(error, header, options.jwksUrl);
    }
    // jose would refuse it with a TypeError (a 500); it is the IdP's key that is unfit for this token.
    const bits = (key.algorithm as { modulusLength?: number }).modulusLength;
    if (bits !== undefined && bits < MIN_RSA_BITS) throw new OidcError('unknown-key', `JWKS key "${header.kid ?? '(no kid)'}" has ${bits} bits; RSA keys need ≥ ${MIN_RSA_BITS}`);
    return key;
  };
}

/** The token's protected header for error messages; empty when it cannot be read. */
function headerOf(token: string): ProtectedHeaderParameters {
  try {
    return decodeProtectedHeader(token);
  } catch {
    return {};
  }
}

interface Durations { readonly toleranceS: number; readonly cacheMs: number; readonly timeoutMs: number }

function checkOptions(options: OidcVerifierOptions): Durations {
  for (const name of ['issuer', 'audience', 'jwksUrl'] as const) {
    if (typeof options[name] !== 'string' || !options[name].trim()) throw new OidcError('invalid-options', `OIDC option ${name} is required`);
  }
  const protocol = URL.canParse(options.jwksUrl) ? new URL(options.jwksUrl).protocol : undefined;
  if (protocol !== 'http:' && protocol !== 'https:') throw new OidcError('invalid-options', `OIDC jwksUrl "${options.jwksUrl}" is not an http(s) URL`);
  const toleranceS = options.clockToleranceSeconds ?? 60;
  const cacheS = options.jwksCacheSeconds ?? 600;
  const timeoutS = options.jwksTimeoutSeconds ?? 5;
  if (!(toleranceS >= 0 && Number.isFinite(toleranceS)) || !(cacheS >= 0)) {
    throw new OidcError('invalid-options', 'clockToleranceSeconds must be finite and ≥ 0, jwksCacheSeconds ≥ 0 (Infinity: never refetched but for an unknown kid)');
  }
  if (!(timeoutS > 0 && Number.isFinite(timeoutS))) throw new OidcError('invalid-options', 'jwksTimeoutSeconds must be finite and > 0');
  return { toleranceS, cacheMs: cacheS * 1000, timeoutMs: Math.ceil(timeoutS * 1000) };
}
