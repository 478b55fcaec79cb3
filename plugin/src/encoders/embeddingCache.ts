import { createHash } from 'crypto';
import { promises as fs } from 'fs';
import * as path from 'path';
import { ProgressCallback } from '../core/progress';
import { Encoder, GrayImage } from './types';

/**
 * Embedding cache: encoding is the slow step of a selection run, and the same scans are encoded
 * again every active-learning round. Entries are keyed by what determines the vector: the image
 * content, the encoder id and the encoder version (which folds in weights and options), so a
 * changed image, model or option can never return a stale vector.
 */
export interface EmbeddingCacheKey {
  /** sha256 (hex) of the image content: file bytes when known, else {@link grayImageSha256}. */
  readonly contentSha256: string;
  readonly encoderId: string;
  readonly encoderVersion: string;
  /** Hash of options not already folded into the version; '' if none. */
  readonly optionsHash?: string;
}

/** Where embeddings are kept between runs. Misses return `undefined`; nothing throws on a miss. */
export interface EmbeddingCache {
  get(key: EmbeddingCacheKey): Promise<Float32Array | undefined>;
  set(key: EmbeddingCacheKey, embedding: Float32Array): Promise<void>;
}

/** sha256 hex of raw bytes (e.g. a DICOM or PNG file as read from disk). */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** sha256 hex of a decoded image: its size and its float32 pixels (little-endian bytes). */
export function grayImageSha256(image: GrayImage): string {
  const header = new Uint32Array([image.width, image.height]);
  return createHash('sha256')
    .update(new Uint8Array(header.buffer))
    .update(new Uint8Array(image.data.buffer, image.data.byteOffset, image.data.byteLength))
    .digest('hex');
}

/** The key as one hex string (file name / map key): sha256 of the parts, unambiguously joined. */
export function embeddingCacheKeyString(key: EmbeddingCacheKey): string {
  return createHash('sha256')
    .update(JSON.stringify([key.contentSha256, key.encoderId, key.encoderVersion, key.optionsHash ?? '']))
    .digest('hex');
}

/** Process-local cache (tests, a server's hot set). Stores copies so callers cannot mutate entries. */
export class InMemoryEmbeddingCache implements EmbeddingCache {
  private readonly entries = new Map<string, Float32Array>();

  async get(key: EmbeddingCacheKey): Promise<Float32Array | undefined> {
    const hit = this.entries.get(embeddingCacheKeyString(key));
    return hit ? hit.slice() : undefined;
  }

  async set(key: EmbeddingCacheKey, embedding: Float32Array): Promise<void> {
    this.entries.set(embeddingCacheKeyString(key), embedding.slice());
  }

  get size(): number {
    return this.entries.size;
  }
}

const MAGIC = 0x424d4553; // "SEMB" little-endian: marks a complete cache file

/**
 * One file per key, `<dir>/<key[0..2]>/<key>.f32`: 4-byte magic, uint32 length, float32 values
 * (little-endian). Writes go to a unique temp file then `rename`, which is atomic on one file
 * system, so a crash or a concurrent writer never leaves a half-written entry under the key; a
 * file that is unreadable or malformed anyway counts as a miss and is rewritten on `set`.
 */
export class FileSystemEmbeddingCache implements EmbeddingCache {
  private tempCounter = 0;

  constructor(readonly dir: string) {}

  private fileFor(key: EmbeddingCacheKey): string {
    const k = embeddingCacheKeyString(key);
    return path.join(this.dir, k.slice(0, 2), `${k}.f32`);
  }

  async get(key: EmbeddingCacheKey): Promise<Float32Array | undefined> {
    let bytes: Buffer;
    try {
      bytes = await fs.readFile(this.fileFor(key));
    } catch {
      return undefined;
    }
    if (bytes.length < 8 || bytes.readUInt32LE(0) !== MAGIC) return undefined;
    const n = bytes.readUInt32LE(4);
    if (bytes.length !== 8 + 4 * n) return undefined;
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = bytes.readFloatLE(8 + 4 * i);
    return out;
  }

  async set(key: EmbeddingCacheKey, embedding: Float32Array): Promise<void> {
    const file = this.fileFor(key);
    await fs.mkdir(path.dirname(file), { recursive: true });
    const bytes = Buffer.alloc(8 + 4 * embedding.length);
    bytes.writeUInt32LE(MAGIC, 0);
    bytes.writeUInt32LE(embedding.length, 4);
    for (let i = 0; i < embedding.length; i++) bytes.writeFloatLE(embedding[i], 8 + 4 * i);
    const temp = `${file}.${process.pid}.${this.tempCounter++}.tmp`;
    try {
      await fs.writeFile(temp, bytes);
      await fs.rename(temp, file);
    } catch (e) {
      await fs.rm(temp, { force: true });
      throw e;
    }
  }
}

/** Result of {@link embedWithCache}. */
export interface CachedEmbeddings {
  /** `images.length × encoder.dimensions()`, row-major. */
  readonly embeddings: Float32Array;
  readonly hits: number;
  readonly misses: number;
}

/**
 * Embeds `images` with `encoder`, reading hits from `cache` and encoding all misses in one
 * `embed` call (so the encoder still batches), then storing them. `contentHashes[i]`, when given,
 * is the sha256 of image i's file bytes; otherwise the decoded pixels are hashed.
 */
export async function embedWithCache(
  encoder: Encoder, images: readonly GrayImage[], cache: EmbeddingCache,
  options: { contentHashes?: readonly string[]; optionsHash?: string; onProgress?: ProgressCallback } = {},
): Promise<CachedEmbeddings> {
  const dims = encoder.dimensions();
  const out = new Float32Array(images.length * dims);
  const keys = images.map((image, i): EmbeddingCacheKey => ({
    contentSha256: options.contentHashes?.[i] ?? grayImageSha256(image),
    encoderId: encoder.id,
    encoderVersion: encoder.version,
    optionsHash: options.optionsHash ?? '',
  }));
  const missing: number[] = [];
  for (let i = 0; i < images.length; i++) {
    const hit = await cache.get(keys[i]);
    if (hit && hit.length === dims) out.set(hit, i * dims);
    else missing.push(i);
  }
  if (missing.length > 0) {
    const fresh = await encoder.embed(missing.map((i) => images[i]), options.onProgress);
    for (let m = 0; m < missing.length; m++) {
      const row = fresh.subarray(m * dims, (m + 1) * dims);
      out.set(row, missing[m] * dims);
      await cache.set(keys[missing[m]], row.slice());
    }
  }
  return { embeddings: out, hits: images.length - missing.length, misses: missing.length };
}
