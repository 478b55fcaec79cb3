import { Command } from 'commander';
import { loadServerConfig } from '../../config/serverConfig';
import { createServer, type JobsMode, type ScanSelectServer } from '../../server';
import { UsageError } from '../errors';

const JOBS_MODES: readonly JobsMode[] = ['child', 'external', 'inline'];
import { integer } from '../options';
import { packageVersion } from '../version';

interface ServeOptions {
  config: string;
  port?: number;
  host?: string;
  logRequests: boolean;
  jobs: string;
}

/** The port: `--port`, else `PORT`, else the configuration's (default 8080). */
export function resolvePort(option: number | undefined, env: string | undefined, configured: number): number {
  if (option !== undefined) return option;
  if (env !== undefined && env.trim() !== '') {
    const port = Number(env);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT="${env}" is not a port number`);
    return port;
  }
  return configured;
}

/**
 * `scanselect serve --config FILE`: the service against the sources of a configuration file
 * (a PACS over DICOMweb, local folders). Prints a first admin token when the database has none
 * (or uses `SCANSELECT_ADMIN_TOKEN`). Stops cleanly on SIGINT/SIGTERM: a running job is resumed
 * at the next start.
 */
export function serveCommand(): Command {
  return new Command('serve')
    .description('Run the ScanSelect service (REST API, sync and round jobs, nightly schedule, PACS outbox).')
    .requiredOption('--config <file>', 'JSON configuration: sources, data directory, projects, OIDC (see docs/server.md)')
    .option('--port <n>', 'port (default: PORT, else the configuration, else 8080)', integer)
    .option('--host <address>', 'address to listen on (default: the configuration, else 127.0.0.1)')
    .option('--log-requests', 'log every request (method, path, status, time)', false)
    .option('--jobs <where>', 'where jobs run: child (a worker process this server starts), external (`scanselect worker` processes you run), inline (in this process)', 'child')
    .action(async (options: ServeOptions) => {
      if (!JOBS_MODES.includes(options.jobs as JobsMode)) throw new UsageError(`--jobs must be one of ${JOBS_MODES.join(', ')}`);
      const config = loadServerConfig(options.config);
      const server = await createServer(config, { version: packageVersion(), adminToken: process.env.SCANSELECT_ADMIN_TOKEN, logRequests: options.logRequests, jobs: options.jobs as JobsMode });
      const url = await server.listen(resolvePort(options.port, process.env.PORT, config.port), options.host ?? config.host);
      await announce(server, url);
      await untilSignal();
      process.stderr.write('stopping …\n');
      await server.close();
    });
}

/** Prints where the service is and, at first start, the admin token (shown once). */
export async function announce(server: ScanSelectServer, url: string): Promise<void> {
  if (!(await server.tokens.any())) {
    const { token } = await server.tokens.create('first admin', 'admin');
    process.stdout.write(`First start: an admin token was created. It is shown only now; keep it:\n  ${token}\n`);
  }
  process.stdout.write(`ScanSelect ${server.info.version} listening on ${url}\n  API: ${url}/api  (OpenAPI: ${url}/openapi.json)\n  admin console: ${url}/admin\n  compute: ${server.info.compute.description[0]}\n`);
}

/** Resolves at the first SIGINT or SIGTERM. */
export function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      resolve();
    };
    process.on('SIGINT', done);
    process.on('SIGTERM', done);
  });
}
