import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  EmbeddingCacheKey, embedWithCache, FileSystemEmbeddingCache, grayImageSha256, InMemoryEmbeddingCache, sha256Hex,
} from './embeddingCache';
import { phantom } from './testImages';
import { Encoder, GrayImage } from './types';

const key: EmbeddingCacheKey = { contentSha256: 'a'.repeat(64), encoderId: 'intensity-texture', encoderVersion: '1' };

/** An encoder that records how many images it was asked to embed. */
function countingEncoder(): Encoder & { calls: number[] } {
  const calls: number[] = [];
  return {
    id: 'counting', description: 'test', version: '1', calls,
    dimensions: () => 2,
    embed: async (images: readonly GrayImage[]) => {
      calls.push(images.length);
      return Float32Array.from(images.flatMap((im) => [im.width, im.data[0]]));
    },
    dispose: () => undefined,
  };
}

describe('embedding cache', () => {
  let dir: string;
  beforeEach(async () => { dir = await fs.mkdtemp(path.join(os.tmpdir(), 'scanselect-cache-')); });
  afterEach(async () => { await fs.rm(dir, { recursive: true, force: true }); });

  for (const [name, make] of [
    ['in-memory', () => new InMemoryEmbeddingCache()],
    ['file-system', () => new FileSystemEmbeddingCache(dir)],
  ] as const) {
    it(`${name}: round-trips exactly and misses on any key change`, async () => {
      const cache = make();
      const v = Float32Array.of(1.5, -2.25, 3e-8, Math.PI);
      expect(await cache.get(key)).toBeUndefined();
      await cache.set(key, v);
      expect(Array.from((await cache.get(key)) as Float32Array)).toEqual(Array.from(v));
      expect(await cache.get({ ...key, encoderVersion: '2' })).toBeUndefined();
      expect(await cache.get({ ...key, encoderId: 'tfjs-model' })).toBeUndefined();
      expect(await cache.get({ ...key, contentSha256: 'b'.repeat(64) })).toBeUndefined();
      expect(await cache.get({ ...key, optionsHash: 'x' })).toBeUndefined();
    });
  }

  it('file-system: one file per key, no temp files left, corrupt files are misses', async () => {
    const cache = new FileSystemEmbeddingCache(dir);
    await cache.set(key, Float32Array.of(1, 2));
    await cache.set({ ...key, encoderVersion: '2' }, Float32Array.of(3));
    const files: string[] = [];
    for (const sub of await fs.readdir(dir)) for (const f of await fs.readdir(path.join(dir, sub))) files.push(path.join(dir, sub, f));
    expect(files).toHaveLength(2);
    expect(files.every((f) => f.endsWith('.f32'))).toBe(true);
    await fs.writeFile(files[0], Buffer.from([1, 2, 3]));
    const remaining = [await cache.get(key), await cache.get({ ...key, encoderVersion: '2' })];
    expect(remaining.filter((r) => r === undefined)).toHaveLength(1);
  });

  it('hashes content: same pixels → same hash; any change → different', () => {
    const a = phantom(16);
    expect(grayImageSha256(a)).toBe(grayImageSha256({ ...a, data: a.data.slice() }));
    const b = { ...a, data: a.data.slice() };
    b.data[5] += 1;
    expect(grayImageSha256(b)).not.toBe(grayImageSha256(a));
    // Same bytes, different shape must not collide.
    expect(grayImageSha256({ width: 8, height: 32, data: a.data })).not.toBe(grayImageSha256(a));
    expect(sha256Hex(new Uint8Array(0))).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('embedWithCache encodes only the misses, in one batch, and keeps order', async () => {
    const cache = new InMemoryEmbeddingCache();
    const enc = countingEncoder();
    const imgs = [phantom(4), phantom(5), phantom(6)];
    const first = await embedWithCache(enc, imgs.slice(0, 2), cache);
    expect(first).toMatchObject({ hits: 0, misses: 2 });
    const second = await embedWithCache(enc, imgs, cache);
    expect(second).toMatchObject({ hits: 2, misses: 1 });
    expect(enc.calls).toEqual([2, 1]);
    expect(Array.from(second.embeddings)).toEqual(imgs.flatMap((im) => [im.width, im.data[0]]));
  });
});
