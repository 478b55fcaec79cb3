/**
 * Jest's globalSetup (jest.config.js; its globalTeardown is globalPostgresTeardown.ts): under
 * `SCANSELECT_TEST_DATABASE=postgres`, ONE PostgreSQL cluster for the whole run — one per test
 * file would cost seconds each — whose admin URL the test processes read from
 * `SCANSELECT_TEST_POSTGRES_URL` (jest's workers inherit this process's environment) to create a
 * database per test server (test/harness/testDatabase.ts). The switch is asked for explicitly,
 * so a PostgreSQL that cannot run fails the run with the reason instead of quietly testing
 * SQLite again. Without the switch both do nothing. A URL already in
 * `SCANSELECT_TEST_POSTGRES_URL` (a cluster of one's own, a CI service) is used as it is and
 * left running.
 */
import { rmSync } from 'node:fs';
import { PostgresProcess, postgresUnavailable } from './postgres';
import { TEST_DATABASE_ENV, TEST_POSTGRES_URL_ENV, testingPostgres } from './testDatabase';

/** Where setup leaves the cluster for teardown (both run in jest's main process). */
const started = globalThis as { scanselectTestPostgres?: PostgresProcess };

/** globalSetup: starts the cluster in PostgreSQL mode. */
export default async function startGlobalPostgres(): Promise<void> {
  if (!testingPostgres() || process.env[TEST_POSTGRES_URL_ENV]) return;
  const why = postgresUnavailable();
  if (why) throw new Error(`${TEST_DATABASE_ENV}=postgres, but PostgreSQL cannot run here: ${why}`);
  const pg = await PostgresProcess.start();
  started.scanselectTestPostgres = pg;
  process.env[TEST_POSTGRES_URL_ENV] = pg.url;
  process.once('exit', () => abandon(pg));
}

/**
 * When jest's process ends without its globalTeardown (a crash, an uncaught error of a test that
 * runs in band), the cluster must not outlive it: 'exit' allows no waiting, so an immediate
 * shutdown (SIGQUIT to the postmaster) and the folder removed as far as it can be.
 */
function abandon(pg: PostgresProcess): void {
  if (started.scanselectTestPostgres !== pg) return;
  const pid = pg.pid;
  if (pid !== null) {
    try {
      process.kill(pid, 'SIGQUIT');
    } catch {
      // already gone
    }
  }
  rmSync(pg.dir, { recursive: true, force: true, maxRetries: 3 });
}

/** globalTeardown: stops the cluster setup started and deletes it. */
export async function stopGlobalPostgres(): Promise<void> {
  const pg = started.scanselectTestPostgres;
  if (!pg) return;
  delete started.scanselectTestPostgres;
  delete process.env[TEST_POSTGRES_URL_ENV];
  await pg.dispose();
}
