/**
 * The PostgreSQL test harness itself: a fresh cluster starts, answers SQL over TCP on 127.0.0.1,
 * and is gone after `stop` (its postmaster PID no longer runs). Skipped, saying why, where
 * PostgreSQL is not installed.
 */
import { Client } from 'pg';
import { PostgresProcess, postgresUnavailable } from './harness/postgres';

jest.setTimeout(120_000);

const why = postgresUnavailable();
if (why) process.stderr.write(`skipping the PostgreSQL harness test: ${why}\n`);
const describeIf = why ? describe.skip : describe;

describeIf('the PostgreSQL test harness', () => {
  it('starts a fresh cluster on loopback, runs SQL, and stops it', async () => {
    const pg = await PostgresProcess.start();
    let postmaster = 0;
    try {
      postmaster = pg.pid ?? 0;
      const client = new Client({ connectionString: pg.url });
      await client.connect();
      const version = await client.query<{ server_version_num: string }>('SHOW server_version_num');
      expect(Number(version.rows[0]!.server_version_num)).toBeGreaterThanOrEqual(130000);
      await client.query('CREATE TABLE t (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, v bytea)');
      await client.query('INSERT INTO t (v) VALUES ($1)', [Buffer.from([1, 2, 3])]);
      expect((await client.query<{ v: Buffer }>('SELECT v FROM t')).rows[0]!.v).toEqual(Buffer.from([1, 2, 3]));
      await client.end();
    } finally {
      await pg.dispose();
    }
    expect(postmaster).toBeGreaterThan(0);
    expect(() => process.kill(postmaster, 0)).toThrow();
  });
});
