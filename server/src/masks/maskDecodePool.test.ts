import { threadId } from 'node:worker_threads';
import * as zlib from 'node:zlib';
import { writeGrayPng } from '@scanselect/plugin';
import { greyPngWith } from '../../../test/harness/maskBombs';
import { AppError } from '../appError';
import type { MaskDecodeRequest } from './decodeMask';
import { MaskDecodePool } from './maskDecodePool';

jest.setTimeout(120_000);

const target = (size: number) => ({ sopUid: '1.2.3.4', rows: size, columns: size });
const pngRequest = (size: number, labels = new Uint8Array(size * size)): MaskDecodeRequest => ({
  format: 'png', bytes: writeGrayPng(labels, size, size), target: target(size), classes: ['lung'], maxInflatedBytes: 1 << 20,
});
/** A legal all-background mask of size², made without pngjs's encoder (slow under Jest at this size). */
const largeRequest = (size: number): MaskDecodeRequest => ({
  ...pngRequest(1), bytes: greyPngWith(size, size, zlib.deflateSync(Buffer.alloc(size * (size + 1)))), target: target(size),
});

let pool: MaskDecodePool;
beforeAll(() => {
  pool = new MaskDecodePool({ workers: 1 });
});
afterAll(async () => {
  await pool.close();
});

describe('MaskDecodePool', () => {
  it('decodes in a worker thread, not on the main thread', async () => {
    const labels = Uint8Array.from({ length: 64 * 64 }, (_, i) => i % 2);
    const decoded = await pool.decode(pngRequest(64, labels));
    expect(decoded).toMatchObject({ labels, classesPresent: [1], segSopUid: null });
    expect(decoded.labelPng.byteLength).toBeGreaterThan(0);
    expect(decoded.threadId).not.toBe(threadId); // the main thread's id is 0; each worker has its own
    expect(threadId).toBe(0);
  });

  it('leaves the event loop free while a large mask decodes', async () => {
    let settled = false;
    const pending = pool.decode(largeRequest(3000)).finally(() => {
      settled = true;
    });
    // A decode on this thread would have settled before any further turn of the event loop.
    await new Promise((resolve) => setImmediate(resolve));
    expect(settled).toBe(false);
    expect((await pending).labels.length).toBe(3000 * 3000);
  });

  it('keeps the status and code of a refusal made in the worker', async () => {
    const refusal = await pool.decode({ ...pngRequest(64), target: target(32) }).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(AppError);
    expect(refusal).toMatchObject({ status: 400, code: 'wrong-size', message: 'the mask is 64 × 64 pixels; the case is 32 × 32' });
  });

  it('refuses more waiting uploads than the queue holds with 503 decoder-busy', async () => {
    const small = new MaskDecodePool({ workers: 1, maxQueued: 1 });
    try {
      const running = small.decode(pngRequest(8)); // taken by the worker at once
      const waiting = small.decode(pngRequest(8)); // waits
      await expect(small.decode(pngRequest(8))).rejects.toMatchObject({ status: 503, code: 'decoder-busy' });
      expect((await running).labels.length).toBe(64);
      expect((await waiting).labels.length).toBe(64);
    } finally {
      await small.close();
    }
  });

  it('ends a worker that takes too long and refuses its upload with 413 too-large', async () => {
    const hasty = new MaskDecodePool({ workers: 1, timeoutMs: 1 }); // a worker cannot even start in 1 ms
    try {
      await expect(hasty.decode(pngRequest(8))).rejects.toMatchObject({ status: 413, code: 'too-large', message: expect.stringMatching(/took longer than/) });
    } finally {
      await hasty.close();
    }
  });
});
