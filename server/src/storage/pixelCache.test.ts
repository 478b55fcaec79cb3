import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PixelCache } from './pixelCache';

const square = (size: number, value: number): Float32Array => new Float32Array(size * size).fill(value);
let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'scanselect-cache-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const files = (): string[] => readdirSync(path.join(dir, '1', '4'));

describe('PixelCache', () => {
  it('returns what was put, and null for what was not', async () => {
    const cache = new PixelCache(dir, 1024);
    await cache.put({ projectId: 1, sopUid: '1.2.3', size: 4 }, square(4, 7));
    expect(Array.from((await cache.get({ projectId: 1, sopUid: '1.2.3', size: 4 }))!)).toEqual(Array(16).fill(7));
    expect(await cache.get({ projectId: 1, sopUid: '1.2.4', size: 4 })).toBeNull();
    expect(await cache.get({ projectId: 1, sopUid: '1.2.3', size: 8 })).toBeNull(); // another size is another entry
  });

  it('stays within its bound by evicting the least recently used', async () => {
    const cache = new PixelCache(dir, 3 * 64); // three 4 × 4 float32 inputs
    for (const uid of ['1.1', '1.2', '1.3']) await cache.put({ projectId: 1, sopUid: uid, size: 4 }, square(4, 1));
    await cache.get({ projectId: 1, sopUid: '1.1', size: 4 }); // now the most recent
    await cache.put({ projectId: 1, sopUid: '1.4', size: 4 }, square(4, 1));
    expect(await cache.size()).toBe(3 * 64);
    expect(files().sort()).toEqual(['1.1.f32', '1.3.f32', '1.4.f32']);
    expect(await cache.get({ projectId: 1, sopUid: '1.2', size: 4 })).toBeNull();
  });

  it('picks up what an earlier process left, within the bound', async () => {
    const first = new PixelCache(dir, 10 * 64);
    for (const uid of ['1.1', '1.2']) await first.put({ projectId: 1, sopUid: uid, size: 4 }, square(4, 2));
    const second = new PixelCache(dir, 10 * 64);
    expect(await second.size()).toBe(2 * 64);
    expect(await second.get({ projectId: 1, sopUid: '1.2', size: 4 })).not.toBeNull();
  });

  it('keeps nothing larger than the whole bound', async () => {
    const cache = new PixelCache(dir, 10);
    await cache.put({ projectId: 1, sopUid: '1.1', size: 4 }, square(4, 1));
    expect(await cache.size()).toBe(0);
  });
});
