import { threadId } from 'node:worker_threads';
import { createEncoderRegistry } from '@scanselect/plugin';
import { makeInstance, withDoubledRows } from '../../../test/harness/dicomFixtures';
import { SyncWorkerPool } from './syncWorkerPool';

jest.setTimeout(120_000);

const uid = '1.2.826.0.1.3680043.10.1341.78';
const instance = makeInstance({ studyUid: `${uid}.1`, seriesUid: `${uid}.1.1`, sopUid: `${uid}.1.1.1`, rows: 40, columns: 40 });
const intensityTexture = { id: 'intensity-texture', options: {} };

let pool: SyncWorkerPool;
beforeAll(() => {
  pool = new SyncWorkerPool({ workers: 1 });
});
afterAll(async () => {
  await pool.close();
});

describe('SyncWorkerPool', () => {
  it('decodes and embeds in a worker thread, leaving the caller its bytes', async () => {
    const bytes = Uint8Array.from(instance);
    const { value, threadId: worker } = await pool.instance(bytes, `${uid}.1.1.1`, 32, intensityTexture);
    expect(worker).not.toBe(threadId); // the main thread's id is 0; each worker has its own
    expect(threadId).toBe(0);
    expect(bytes).toEqual(instance);
    const encoder = await createEncoderRegistry().get('intensity-texture').create({});
    expect(value).toMatchObject({ header: { sopUid: `${uid}.1.1.1`, rows: 40, columns: 40 } });
    expect('kind' in value && value.kind === 'embedded' && value.cases.map((c) => [c.frame, c.embedding.length])).toEqual([[null, encoder.dimensions()]]);

    const prepared = (await pool.instance(instance, `${uid}.1.1.1`, 32, null)).value;
    expect('kind' in prepared && prepared.kind === 'prepared' && prepared.cases.map((c) => [c.input.width, c.input.height, c.input.data.length])).toEqual([[32, 32, 32 * 32]]);
  });

  it('answers an instance that cannot be decoded with the reason', async () => {
    const { value } = await pool.instance(withDoubledRows(instance), `${uid}.1.1.1`, 32, intensityTexture);
    expect(value).toEqual({ error: expect.stringContaining(`instance ${uid}.1.1.1`) });
  });

  it('refuses a request the encoder cannot serve, and goes on serving', async () => {
    await expect(pool.instance(instance, `${uid}.1.1.1`, 32, { id: 'no-such-encoder', options: {} })).rejects.toThrow(/no-such-encoder/);
    const probe = await pool.probe(intensityTexture, { width: 8, height: 8, data: new Float32Array(64).map((_, i) => i % 7) });
    expect(probe.value.version).toBe('1');
  });

  it('drops a request whose sync stopped before a worker took it', async () => {
    const stopped = AbortSignal.abort();
    await expect(pool.instance(instance, `${uid}.1.1.1`, 32, intensityTexture, stopped)).rejects.toMatchObject({ reason: 'stopped' });
  });

  it('refuses requests once closed', async () => {
    const closing = new SyncWorkerPool({ workers: 1 });
    const first = closing.instance(instance, `${uid}.1.1.1`, 32, intensityTexture);
    const waiting = closing.instance(instance, `${uid}.1.1.1`, 32, intensityTexture);
    first.catch(() => undefined); // in a worker when the pool closes: ended with it
    const refused = expect(waiting).rejects.toMatchObject({ reason: 'closed' });
    await closing.close();
    await refused;
    await expect(closing.instance(instance, `${uid}.1.1.1`, 32, intensityTexture)).rejects.toMatchObject({ reason: 'closed' });
  });
});
