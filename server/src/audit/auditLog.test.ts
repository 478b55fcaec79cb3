import { openTestSqlClient } from '../../../test/harness/testDatabase';
import { AuditLog } from './auditLog';

describe('AuditLog filters and paging', () => {
  // SQLite in memory; a PostgreSQL database of its own under SCANSELECT_TEST_DATABASE=postgres.
  let closeDatabase: () => Promise<void>;
  let audit: AuditLog;
  let clock = new Date('2026-11-25T12:00:00.000Z');
  const at = (minutes: number): string => new Date(Date.parse('2026-11-25T12:00:00.000Z') + minutes * 60_000).toISOString();

  beforeAll(async () => {
    const { sql, dispose } = await openTestSqlClient();
    closeDatabase = dispose;
    audit = new AuditLog(sql, () => clock);
    // One entry a minute: ids 1 … 8 at 12:00 … 12:07.
    const entries: Array<[string, string, number | null]> = [
      ['alice', 'project.create', 1], ['alice', 'case.claim', 1], ['bob', 'case.claim', 1], ['bob', 'case.release', 2],
      ['schedule', 'sync.queue', 2], ['alice', 'token.create', null], ['bob', 'case_claim', 1], ['Bob', 'CASE.claim', 1],
    ];
    for (const [i, [actor, action, project]] of entries.entries()) {
      clock = new Date(at(i));
      await audit.record(actor, action, project, { n: i + 1 });
    }
  });
  afterAll(() => closeDatabase?.());

  const ns = async (query: Parameters<AuditLog['list']>[0]): Promise<number[]> => (await audit.list(query)).map((e) => (e.details as { n: number }).n);

  it('lists newest first, 200 by default, and pages with limit and offset', async () => {
    expect(await ns({})).toEqual([8, 7, 6, 5, 4, 3, 2, 1]);
    expect(await ns({ limit: 3 })).toEqual([8, 7, 6]);
    expect(await ns({ limit: 3, offset: 3 })).toEqual([5, 4, 3]);
    expect(await ns({ limit: 3, offset: 7 })).toEqual([1]);
    expect(await ns({ offset: 8 })).toEqual([]);
    expect(await audit.count({ limit: 1, offset: 5 })).toBe(8); // the count ignores the page
    expect((await audit.list({ limit: 1 }))[0]).toEqual({ id: 8, at: at(7), actor: 'Bob', action: 'CASE.claim', projectId: 1, details: { n: 8 } });
  });

  it('filters by project, actor and action exactly (case-sensitive), or by an action prefix', async () => {
    expect(await ns({ projectId: 2 })).toEqual([5, 4]);
    expect(await ns({ actor: 'bob' })).toEqual([7, 4, 3]);
    expect(await ns({ action: 'case.claim' })).toEqual([3, 2]);
    // `_` and `%` are no wildcards, and case matters, on both databases.
    expect(await ns({ actionPrefix: 'case.' })).toEqual([4, 3, 2]);
    expect(await ns({ actionPrefix: 'case_' })).toEqual([7]);
    expect(await ns({ actionPrefix: '%' })).toEqual([]);
    expect(await ns({ actor: 'bob', actionPrefix: 'case.', projectId: 1 })).toEqual([3]);
    expect(await audit.count({ actor: 'bob', actionPrefix: 'case.' })).toBe(2);
    expect(await ns({ actor: 'nobody' })).toEqual([]);
  });

  it('filters by time: from inclusive, to exclusive', async () => {
    expect(await ns({ from: at(2), to: at(5) })).toEqual([5, 4, 3]);
    expect(await ns({ from: at(7) })).toEqual([8]);
    expect(await ns({ to: at(0) })).toEqual([]);
    expect(await ns({ from: at(1), to: at(1) })).toEqual([]);
    expect(await audit.count({ from: at(2), to: at(5), actor: 'bob' })).toBe(2);
  });

  it('lists the distinct actors and actions, sorted by code unit', async () => {
    expect(await audit.facets()).toEqual({
      actors: ['Bob', 'alice', 'bob', 'schedule'],
      actions: ['CASE.claim', 'case.claim', 'case.release', 'case_claim', 'project.create', 'sync.queue', 'token.create'],
    });
  });
});
