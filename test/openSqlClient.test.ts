/**
 * Which database the service opens: SQLite in the data directory without a URL, PostgreSQL with
 * one (from the configuration or DATABASE_URL), migrated either way; any other URL is refused.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { databaseUrl, openSqlClient } from '../server/src/db/openSqlClient';
import { MIGRATIONS } from '../server/src/db/schema';
import { PostgresProcess, postgresUnavailable } from './harness/postgres';

jest.setTimeout(120_000);

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'scanselect-open-db-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const latest = MIGRATIONS.length;

describe('opening the database', () => {
  it('takes the configured URL, else DATABASE_URL, else none', () => {
    expect(databaseUrl({ url: 'postgresql://a@h/db' }, { DATABASE_URL: 'postgresql://b@h/db' })).toBe('postgresql://a@h/db');
    expect(databaseUrl(undefined, { DATABASE_URL: ' postgresql://b@h/db ' })).toBe('postgresql://b@h/db');
    expect(databaseUrl(undefined, { DATABASE_URL: '' })).toBeNull();
  });

  it('opens SQLite in the data directory, migrated, without a URL', async () => {
    const client = await openSqlClient(dir, undefined, {});
    expect(client.dialect).toBe('sqlite');
    expect(await client.get('SELECT MAX(version) AS v FROM schema_migrations')).toEqual({ v: latest });
    await client.close();
  });

  it('refuses a URL that is not PostgreSQL’s, without echoing it', async () => {
    await expect(openSqlClient(dir, { url: 'mysql://root:secret@db/scanselect' }, {})).rejects.toThrow(/^the database URL must start with postgresql:\/\/[^]*$/);
    await expect(openSqlClient(dir, { url: 'mysql://root:secret@db/scanselect' }, {})).rejects.not.toThrow(/secret/);
  });

  const why = postgresUnavailable();
  if (why) process.stderr.write(`skipping PostgreSQL in the database choice test: ${why}\n`);
  (why ? it.skip : it)('opens PostgreSQL from DATABASE_URL, migrated, and says so when it cannot connect', async () => {
    const pg = await PostgresProcess.start();
    try {
      const client = await openSqlClient(dir, undefined, { DATABASE_URL: pg.url });
      expect(client.dialect).toBe('postgres');
      expect(await client.get('SELECT MAX(version) AS v FROM schema_migrations')).toEqual({ v: latest });
      await client.close();
    } finally {
      await pg.dispose();
    }
    await expect(openSqlClient(dir, { url: pg.url, poolSize: 1 }, {})).rejects.toThrow(/^cannot open the PostgreSQL database: /);
  });
});
