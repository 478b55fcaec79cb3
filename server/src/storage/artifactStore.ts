/**
 * Where the server keeps the files it produces or accepts — masks and SEGs, each round's model,
 * entropy maps and predictions — behind one interface, so that every replica and worker reads the
 * same artefacts whether they live in the data directory ({@link FileArtifactStore}) or in a store
 * several machines share. Callers name artefacts by key only (`artifactKeys.ts`); none builds a
 * path, so a second implementation plugs in without changing them.
 *
 * Whole values, no streaming: the largest artefact is an accepted upload (at most `uploadLimitMb`,
 * already held in memory by the upload and the decoder) or a round model's weights (a few MB).
 */
export interface ArtifactStore {
  /**
   * Stores `bytes` under `key`, replacing any value it had. Durable once it resolves: it survives a
   * crash or power cut of this machine. A put that fails leaves the key as it was (absent, or its
   * former value), never a part of the new value.
   */
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** The value of `key`; {@link ArtifactNotFoundError} when there is none. */
  get(key: string): Promise<Buffer>;
  exists(key: string): Promise<boolean>;
  /** Removes `key` (no error when it is already gone). */
  delete(key: string): Promise<void>;
  /** Every key below the folder `prefix` (itself a valid key: `rounds/1/3/model`), sorted. */
  list(prefix: string): Promise<string[]>;
}

/** The store has no value under the key (a caller answering a client maps it to 404). */
export class ArtifactNotFoundError extends Error {
  constructor(readonly key: string) {
    super(`no stored artefact ${key}`);
    this.name = 'ArtifactNotFoundError';
  }
}

/** A key that is not a relative, `/`-separated path of plain names. */
export class InvalidArtifactKeyError extends Error {
  constructor(readonly key: string, reason: string) {
    super(`invalid artefact key ${JSON.stringify(key)}: ${reason}`);
    this.name = 'InvalidArtifactKeyError';
  }
}

const SEGMENT = /^[A-Za-z0-9._-]+$/;
const MAX_KEY_LENGTH = 1024; // S3's limit; PostgreSQL text has none, a file path ≈ 4096

/**
 * Checks that `key` is a relative path of names made of letters, digits, `.`, `_` and `-`,
 * separated by single `/`: no absolute path, `..` or `.`, backslash, empty segment or other
 * character — so a key means the same in every implementation and never leaves the store's root.
 */
export function assertArtifactKey(key: string): string {
  if (typeof key !== 'string' || key === '') throw new InvalidArtifactKeyError(String(key), 'empty');
  if (key.length > MAX_KEY_LENGTH) throw new InvalidArtifactKeyError(key.slice(0, 40) + '…', `longer than ${MAX_KEY_LENGTH} characters`);
  if (key.includes('\\')) throw new InvalidArtifactKeyError(key, 'backslash');
  if (key.startsWith('/')) throw new InvalidArtifactKeyError(key, 'absolute');
  for (const segment of key.split('/')) {
    if (segment === '') throw new InvalidArtifactKeyError(key, 'empty segment');
    if (segment === '.' || segment === '..') throw new InvalidArtifactKeyError(key, `"${segment}" segment`);
    if (!SEGMENT.test(segment)) throw new InvalidArtifactKeyError(key, 'only letters, digits, ".", "_" and "-" between "/"');
  }
  return key;
}
