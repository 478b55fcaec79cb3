import { randomUUID } from 'node:crypto';

/** Longest UID the standard allows (PS3.5 §9.1). */
export const MAX_UID_LENGTH = 64;

const UID_PATTERN = /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))+$/;

/**
 * A new globally unique DICOM UID of the form `2.25.<decimal>` (PS3.5 §B.2), where the decimal
 * is the 128-bit value of a random (version 4) UUID from `crypto.randomUUID()`. At most 44
 * characters, so there is room under the 64-character limit.
 */
export function newUid(): string {
  const hex = randomUUID().replace(/-/g, '');
  return `2.25.${BigInt(`0x${hex}`).toString(10)}`;
}

/**
 * Whether `s` is a syntactically valid UID: at most 64 characters, at least two dot-separated
 * numeric components, no leading zeros in a component (a single `0` is allowed).
 */
export function isValidUid(s: unknown): boolean {
  return typeof s === 'string' && s.length <= MAX_UID_LENGTH && UID_PATTERN.test(s);
}
