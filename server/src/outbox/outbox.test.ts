import { openTestSqlClient } from '../../../test/harness/testDatabase';
import { MAX_BACKOFF_MS, Outbox } from './outbox';
import { OutboxWorker } from './outboxWorker';

describe('Outbox and OutboxWorker', () => {
  let clock = new Date('2026-11-25T12:00:00Z');
  let outbox: Outbox;
  // SQLite in memory; a PostgreSQL database of its own under SCANSELECT_TEST_DATABASE=postgres.
  let closeDatabase: () => Promise<void>;
  beforeAll(async () => {
    const { sql, dispose } = await openTestSqlClient();
    closeDatabase = dispose;
    outbox = new Outbox(sql, () => clock);
  });
  afterAll(() => closeDatabase?.());

  it('retries a failing delivery with doubling back-off up to the cap, then delivers it once', async () => {
    const entry = (await outbox.add('stow-file', 'pacs', { file: 'x' }, null));
    let fail = true;
    const delivered: number[] = [];
    const worker = new OutboxWorker(outbox, { 'stow-file': async (e) => {
      if (fail) throw new Error('PACS unreachable');
      delivered.push(e.id);
    } }, 1_000_000);
    const waits: number[] = [];
    for (let attempt = 0; attempt < 9; attempt++) {
      await worker.flush();
      const now = (await outbox.get(entry.id))!;
      waits.push(Date.parse(now.nextAttemptAt) - clock.getTime());
      await worker.flush(); // not due yet: nothing happens
      expect((await outbox.get(entry.id))!.attempts).toBe(attempt + 1);
      clock = new Date(Date.parse(now.nextAttemptAt));
    }
    expect(waits).toEqual([5000, 10000, 20000, 40000, 80000, 160000, 320000, MAX_BACKOFF_MS, MAX_BACKOFF_MS]);
    expect((await outbox.get(entry.id))).toMatchObject({ state: 'pending', lastError: 'PACS unreachable' });
    fail = false;
    await worker.flush();
    await worker.flush();
    expect(delivered).toEqual([entry.id]);
    expect((await outbox.get(entry.id))).toMatchObject({ state: 'done', lastError: null, attempts: 10 });
  });

  it('keeps an entry nobody can deliver pending, with the reason', async () => {
    const entry = (await outbox.add('carrier-pigeon', 'pacs', {}, null));
    await new OutboxWorker(outbox, {}, 1_000_000).flush();
    expect((await outbox.get(entry.id))).toMatchObject({ state: 'pending', lastError: 'no delivery for outbox entries of kind "carrier-pigeon"' });
  });

  it('delivers in order and makes everything due again on retryNow', async () => {
    const a = (await outbox.add('k', 'pacs', { n: 1 }, null));
    const b = (await outbox.add('k', 'pacs', { n: 2 }, null));
    const seen: number[] = [];
    let down = true;
    const worker = new OutboxWorker(outbox, { k: async (e) => {
      if (down) throw new Error('down');
      seen.push((e.payload as { n: number }).n);
    } }, 1_000_000);
    await worker.flush();
    down = false;
    await worker.flush();
    expect(seen).toEqual([]); // backing off
    expect((await outbox.retryNow())).toBeGreaterThanOrEqual(2);
    await worker.flush();
    expect(seen).toEqual([1, 2]);
    expect([(await outbox.get(a.id))!.state, (await outbox.get(b.id))!.state]).toEqual(['done', 'done']);
  });
});
