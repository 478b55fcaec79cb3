import { mkdirSync } from 'node:fs';
import { Command } from 'commander';
import { loadServerConfig } from '../../config/serverConfig';
import { openSqlClient } from '../../db/openSqlClient';
import type { PostgresClient } from '../../db/postgresClient';
import { MIGRATIONS } from '../../db/schema';
import { JobEngine } from '../../jobs/engine/jobEngine';

/**
 * `scanselect migrate --config FILE`: brings the database's schema up to date and ends — for a
 * deployment that migrates in a step of its own (a Kubernetes Job or init container) before the
 * new version's replicas start. `serve` and `worker` migrate at start too (under an advisory lock,
 * so replicas starting together migrate once); this only makes it a separate, visible step. On
 * PostgreSQL it also creates or migrates the job engine's schema. A database newer than this
 * version is refused (exit 1), as at any start.
 */
export function migrateCommand(): Command {
  return new Command('migrate')
    .description("Bring the database's schema up to date (SQLite or PostgreSQL) and exit.")
    .requiredOption('--config <file>', 'the configuration `serve` uses (docs/server.md)')
    .action(async (options: { config: string }) => {
      const config = loadServerConfig(options.config);
      mkdirSync(config.dataDir, { recursive: true });
      const sql = await openSqlClient(config.dataDir, config.database);
      try {
        if (sql.dialect === 'postgres') {
          const engine = new JobEngine(sql as PostgresClient, config.jobs, { supervise: false, schedule: false }, (line) => process.stderr.write(`${line}\n`));
          await engine.start();
          await engine.stop();
        }
        const { v } = (await sql.get<{ v: number }>('SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations'))!;
        process.stdout.write(`database (${sql.dialect}) at schema version ${v} of ${MIGRATIONS.length}\n`);
      } finally {
        await sql.close();
      }
    });
}
