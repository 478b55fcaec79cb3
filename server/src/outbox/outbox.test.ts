import { openTestSqlClient } from '../../../test/harness/testDatabase';
import { MAX_BACKOFF_MS, MAX_ERROR_LENGTH, Outbox } from './outbox';
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
    for (const id of [7, 8]) await sql.run("INSERT INTO projects (id, name, config, created_at) VALUES (@id, @name, '{}', 'now')", { id, name: `p${id}` });
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

  it('starts no delivery after the pass budget: the rest waits for the next pass', async () => {
    const ids = [];
    for (let n = 0; n < 3; n++) ids.push((await outbox.add('slow', 'pacs', { n }, null)).id);
    let now = 0;
    const seen: number[] = [];
    // Each delivery takes 40 s of the worker's clock; the budget is 60 s.
    const worker = new OutboxWorker(outbox, { slow: async (e) => {
      seen.push((e.payload as { n: number }).n);
      now += 40_000;
    } }, 1_000_000, () => {}, 60_000, () => now);
    await worker.flush();
    expect(seen).toEqual([0, 1]); // started at 0 and 40 s; not at 80 s
    expect((await outbox.get(ids[2]!))).toMatchObject({ state: 'pending', attempts: 0 });
    await worker.flush();
    expect(seen).toEqual([0, 1, 2]);
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

  it('lists failed deliveries (pending after a failed attempt) and pages, with the count', async () => {
    const fresh = await outbox.add('paging', 'pacs', {}, 7);
    const failing = await outbox.add('paging', 'pacs', {}, 7);
    const delivered = await outbox.add('paging', 'pacs', {}, 7);
    await outbox.retryLater(failing.id, `PACS answered 500: ${'x'.repeat(5000)}`);
    await outbox.done(delivered.id);
    const ids = async (query: Parameters<Outbox['list']>[0]): Promise<number[]> => (await outbox.list(query)).map((e) => e.id);
    expect(await ids({ projectId: 7 })).toEqual([fresh.id, failing.id, delivered.id]);
    expect(await ids({ projectId: 7, state: 'failed' })).toEqual([failing.id]);
    expect(await ids({ projectId: 7, state: 'pending' })).toEqual([fresh.id, failing.id]);
    expect(await ids({ projectId: 7, state: 'done' })).toEqual([delivered.id]);
    expect(await ids({ projectId: 7, limit: 2, offset: 1 })).toEqual([failing.id, delivered.id]);
    expect(await outbox.count({ projectId: 7, limit: 1 })).toBe(3);
    expect(await outbox.count({ projectId: 7, state: 'failed' })).toBe(1);
    const [failed] = await outbox.list({ projectId: 7, state: 'failed' });
    expect(failed!.lastError).toHaveLength(MAX_ERROR_LENGTH);
    expect(failed!.lastError).toMatch(/^PACS answered 500: x+…$/);
  });

  it('makes one pending entry due now and wakes the started worker of this process, not a delivered one', async () => {
    const entry = await outbox.add('wake', 'pacs', {}, 8);
    const attempts: number[] = [];
    const worker = new OutboxWorker(outbox, { wake: async (e) => {
      attempts.push(e.id);
      throw new Error('still down');
    } }, 1_000_000);
    worker.start(); // a first pass at once: one failed attempt, the next one in 5 s
    await worker.flush();
    expect(attempts).toEqual([entry.id]);
    const due = await outbox.makeDue(entry.id);
    expect(due).toMatchObject({ id: entry.id, state: 'pending', nextAttemptAt: clock.toISOString() });
    outbox.wake(); // no flush here: the wake alone makes the worker pass (its timer is 1000 s away)
    for (let i = 0; i < 200 && attempts.length < 2; i++) await new Promise((r) => setTimeout(r, 5));
    expect(attempts).toEqual([entry.id, entry.id]);
    await worker.stop();
    await outbox.makeDue(entry.id);
    outbox.wake(); // a stopped worker no longer listens
    await new Promise((r) => setTimeout(r, 50));
    expect(attempts).toHaveLength(2);
    await outbox.done(entry.id);
    expect(await outbox.makeDue(entry.id)).toBeNull();
    expect(await outbox.makeDue(999_999)).toBeNull();
  });
});
