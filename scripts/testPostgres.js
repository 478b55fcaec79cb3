#!/usr/bin/env node
'use strict';
/**
 * `npm run test:postgres`: the tests whose servers and stores touch the database, again with
 * PostgreSQL in place of SQLite (SCANSELECT_TEST_DATABASE=postgres; jest's globalSetup starts one
 * cluster for the run, test/harness/testDatabase.ts gives each server a database of its own).
 *
 *   node scripts/testPostgres.js [jest options…]
 *
 * Where PostgreSQL is not installed this prints one line saying so and exits 0, as the other
 * tests that need a system package skip (CI installs it, so there it always runs); the rules are
 * those of postgresUnavailable() in test/harness/postgres.ts, which this plain script cannot
 * import. Run under jest directly (`SCANSELECT_TEST_DATABASE=postgres npx jest FILE`) the switch
 * is explicit, and a missing PostgreSQL fails the run instead.
 */
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

/**
 * What runs on PostgreSQL: the tests that start servers (and so open the database) or use the
 * stores. Not here: the browser tests (viewer*), the servers that only serve files or proxy a
 * PACS (folderDicomWeb, dicomWebProxy), the tests with no database (CLI, engine, DICOM, plugin),
 * and those that run both databases on their own (sqlClient, migrateSql, openSqlClient,
 * postgresHarness, the artefact store's contract, migrateCommand) or PostgreSQL alone (jobEngine,
 * cluster).
 */
const TESTS = [
  'test/http.test.ts',
  'test/malformedHttp.test.ts',
  'test/maskOwnership.test.ts',
  'test/modelAllowList.test.ts',
  'test/oidc.test.ts',
  'test/uploadLimits.test.ts',
  'test/schedule.test.ts',
  'test/serverLoop.test.ts',
  'test/export.test.ts',
  'test/learningCurve.test.ts',
  'test/projectSettings.test.ts',
  'test/folderRestart.test.ts',
  'test/orthancLoop.test.ts',
  'test/workerProcess.test.ts',
  'test/externalWorker.test.ts',
  'test/jobCancel.test.ts',
  'test/sync.test.ts',
  'server/src/outbox/outbox.test.ts',
  'server/src/domain/validationSet.test.ts',
  'server/src/domain/runRound.test.ts',
  'server/src/domain/roundAlpha.test.ts',
  'server/src/audit/auditLog.test.ts',
  'test/adminOperations.test.ts',
  'test/volumes.test.ts',
  'test/siteEncoder.test.ts',
];

/** Why PostgreSQL cannot run here, or null (as postgresUnavailable() decides). */
function unavailable() {
  const base = '/usr/lib/postgresql';
  const installed = fs.existsSync(base) && fs.readdirSync(base).some((v) => /^\d+$/.test(v) && fs.existsSync(path.join(base, v, 'bin', 'postgres')));
  if (!installed) return 'PostgreSQL is not installed (apt-get install -y postgresql)';
  if (process.getuid?.() === 0 && spawnSync('id', ['-u', 'postgres']).status !== 0) return 'running as root and there is no "postgres" user to run PostgreSQL as';
  return null;
}

/** `test/http.test.ts` → a path pattern that matches that file only. */
const pattern = (file) => `/${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`;

function main() {
  const why = unavailable();
  if (why) {
    process.stdout.write(`test:postgres skipped: ${why}\n`);
    return;
  }
  const jest = require.resolve('jest/bin/jest');
  const args = [jest, '--testPathPatterns', ...TESTS.map(pattern), ...process.argv.slice(2)];
  const child = spawn(process.execPath, args, { cwd: path.join(__dirname, '..'), stdio: 'inherit', env: { ...process.env, SCANSELECT_TEST_DATABASE: 'postgres' } });
  child.on('exit', (code, signal) => {
    if (signal) process.kill(process.pid, signal);
    else process.exitCode = code ?? 1;
  });
}

main();
