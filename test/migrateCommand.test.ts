/**
 * `scanselect migrate`: the deployment step that migrates before new replicas start — on SQLite
 * (the data directory) and on PostgreSQL (our schema and the job engine's), twice in a row (the
 * second finds nothing to do). PostgreSQL part skipped, with the reason printed, without it.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { MIGRATIONS } from '../server/src/db/schema';
import { PostgresProcess, postgresUnavailable } from './harness/postgres';
import { requireBuiltCli, runCli } from './helpers';

jest.setTimeout(120_000);

let dir: string;
beforeAll(() => {
  requireBuiltCli();
  dir = mkdtempSync(path.join(os.tmpdir(), 'scanselect-migrate-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const config = (extra: Record<string, unknown>): string => {
  const file = path.join(dir, `config-${Object.keys(extra).join('-') || 'sqlite'}.json`);
  writeFileSync(file, JSON.stringify({ dataDir: path.join(dir, 'data'), sources: { f: { kind: 'folder', path: dir } }, ...extra }));
  return file;
};

it('migrates the SQLite database of the data directory, and again finds it current', () => {
  for (let i = 0; i < 2; i++) {
    const run = runCli(dir, ['migrate', '--config', config({})]);
    expect(run).toMatchObject({ code: 0, stdout: `database (sqlite) at schema version ${MIGRATIONS.length} of ${MIGRATIONS.length}\n` });
  }
});

const why = postgresUnavailable();
if (why) process.stderr.write(`migrateCommand.test.ts: PostgreSQL part skipped: ${why}\n`);
(why ? it.skip : it)('migrates a PostgreSQL database and creates the job engine’s schema', async () => {
  const pg = await PostgresProcess.start();
  try {
    const file = config({ database: { url: pg.url } });
    for (let i = 0; i < 2; i++) expect(runCli(dir, ['migrate', '--config', file])).toMatchObject({ code: 0, stdout: `database (postgres) at schema version ${MIGRATIONS.length} of ${MIGRATIONS.length}\n` });
    const client = new Client({ connectionString: pg.url });
    await client.connect();
    const schemas = (await client.query<{ nspname: string }>("SELECT nspname FROM pg_namespace WHERE nspname = 'pgboss'")).rows;
    await client.end();
    expect(schemas).toEqual([{ nspname: 'pgboss' }]);
  } finally {
    await pg.dispose();
  }
});
