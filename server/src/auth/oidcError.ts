import { errors } from 'jose';

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

/** The header parameters that name the key of a token. */
interface KeyHint { readonly alg?: string | undefined; readonly kid?: string | undefined }

/**
 * An error of jose's remote JWKS as an {@link OidcError}: no (single) key for the token's `kid` and
 * `alg` is `unknown-key`; anything else (unreachable, timeout, not HTTP 200, not a key set, a key
 * that cannot be imported) means the identity provider's keys cannot be used: `jwks-unavailable`.
 */
export function jwksError(error: unknown, hint: KeyHint, jwksUrl: string): OidcError {
  if (error instanceof OidcError) return error;
  const alg = hint.alg ?? 'its algorithm';
  if (error instanceof errors.JWKSNoMatchingKey) {
    return new OidcError('unknown-key', hint.kid === undefined ? `the token has no "kid" and no key of the JWKS fits ${alg}` : `the JWKS has no key "${hint.kid}" for ${alg}`);
  }
  if (error instanceof errors.JWKSMultipleMatchingKeys) return new OidcError('unknown-key', `the token has no "kid" and the JWKS has several keys for ${alg}`);
  return new OidcError('jwks-unavailable', `cannot fetch the JWKS from ${jwksUrl}: ${describe(error)}`);
}

/**
 * An error of jose's `jwtVerify` as an {@link OidcError}. Errors of the key lookup arrive already
 * translated by {@link jwksError}. An error that is not jose's (a TypeError for options jose
 * refuses …) is returned unchanged: a bug, not a bad token.
 */
export function verifyError(error: unknown, hint: KeyHint, algorithms: readonly string[]): unknown {
  if (error instanceof OidcError || !(error instanceof errors.JOSEError)) return error;
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return new OidcError('unsupported-alg', `token algorithm "${hint.alg ?? '?'}" is not accepted; allowed: ${algorithms.join(', ')}`);
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) return new OidcError('bad-signature', 'the token signature is invalid');
  if (error instanceof errors.JWTExpired) return new OidcError('expired', `the token expired at ${when(error.payload.exp)}`);
  if (error instanceof errors.JWTClaimValidationFailed) return claimError(error);
  // JWSInvalid, JWTInvalid, JOSENotSupported (an unknown `crit` extension) …
  return new OidcError('malformed', `the token is not a valid JWT: ${error.message}`);
}

function claimError(error: errors.JWTClaimValidationFailed): OidcError {
  const { claim, reason, payload } = error;
  if (claim === 'iss') return new OidcError('wrong-issuer', `the token was issued by "${String(payload.iss)}", not by the configured issuer`);
  if (claim === 'aud') return new OidcError('wrong-audience', 'the token is not meant for the configured audience');
  if (claim === 'nbf' && reason === 'check_failed') return new OidcError('not-yet-valid', `the token is not valid before ${when(payload.nbf)}`);
  return new OidcError('malformed', `the token's "${claim}" claim is ${reason === 'missing' ? 'missing' : 'invalid'}`);
}

/** A NumericDate for messages: ISO 8601 when representable, else the raw value. */
function when(seconds: unknown): string {
  const date = new Date(Number(seconds) * 1000);
  return Number.isNaN(date.getTime()) ? `${String(seconds)} s after the epoch` : date.toISOString();
}

/** jose's own message, else the most telling part of a fetch failure: the system error code (ECONNREFUSED …). */
function describe(error: unknown): string {
  if (error instanceof errors.JWKSTimeout) return 'the request timed out';
  if (error instanceof errors.JOSEError) return error.message;
  const cause = (error as { cause?: { code?: string; message?: string } } | null)?.cause;
  return cause?.code ?? cause?.message ?? (error instanceof Error ? error.message : String(error));
}
