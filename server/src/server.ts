import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeCompute, PROJECTION_IDS, STRATEGY_IDS } from '@scanselect/plugin';
import { createOidcVerifier } from './auth/oidcVerifier';
import { TokenStore } from './auth/tokenStore';
import type { ServerConfig } from './config/serverConfig';
import type { ServerContext } from './domain/context';
import { createProject } from './domain/projectSettings';
import { createApp, type ServerInfo } from './http/app';
import type { ViewerFiles } from './http/routes/viewerRoutes';
import { hostname } from 'node:os';
import type { PostgresClient } from './db/postgresClient';
import { EngineJobQueue } from './jobs/engine/engineJobQueue';
import { EngineWorker } from './jobs/engine/engineWorker';
import { JobRunner, type JobWorker } from './jobs/jobRunner';
import { PollingJobQueue } from './jobs/pollingJobQueue';
import type { Scheduler } from './jobs/scheduler';
import type { OutboxWorker } from './outbox/outboxWorker';
import { EmbeddedWorker } from './runtime/embeddedWorker';
import { openContext, type RuntimeOptions } from './runtime/openContext';
import { RESUMABLE_KINDS, WorkerRuntime } from './runtime/workerRuntime';

/**
 * Where this server's jobs (sync, rounds), PACS deliveries and schedules run:
 * - `inline`: in this process (one process does everything; tests and scripts);
 * - `child`: in a worker process this server starts and restarts (the embedded default of
 *   `scanselect serve` on SQLite: training never holds up an API request);
 * - `external`: in `scanselect worker` processes started by the operator.
 */
export type JobsMode = 'inline' | 'child' | 'external';

/** Options of {@link createServer} beyond the configuration file. */
export interface ServerOptions extends RuntimeOptions {
  readonly version: string;
  /** Log every request (method, path, status, time). */
  readonly logRequests?: boolean;
  /** Token to create as the first admin token (e.g. from `SCANSELECT_ADMIN_TOKEN`). */
  readonly adminToken?: string;
  /** Milliseconds between outbox passes and schedule ticks (tests use short ones). */
  readonly outboxIntervalMs?: number;
  readonly schedulerIntervalMs?: number;
  /** Where the viewer's files are (default: the repository's viewer-extension/). */
  readonly viewerFiles?: ViewerFiles;
  /** Where jobs run [inline]. */
  readonly jobs?: JobsMode;
  /** More arguments for the `scanselect worker` process of `jobs: child` (e.g. `--stale-after-seconds 2`). */
  readonly workerArgs?: readonly string[];
}

/** A running ScanSelect service. */
export interface ScanSelectServer {
  readonly ctx: ServerContext;
  readonly tokens: TokenStore;
  /** The PACS outbox and the schedule of this process (`jobs: inline` only, else null). */
  readonly outboxWorker: OutboxWorker | null;
  readonly scheduler: Scheduler | null;
  /** The worker process this server supervises (`jobs: child` only). */
  readonly worker: EmbeddedWorker | null;
  readonly info: ServerInfo;
  /** Starts the workers and listens; resolves with the base URL. */
  listen(port: number, host: string): Promise<string>;
  /** Stops listening and the workers (a running job is aborted and resumed at the next start), closes the database. */
  close(): Promise<void>;
}

/**
 * The composition root of the API: configuration → context (database migrated, stores) → where
 * jobs run → HTTP app. With `jobs: inline` the jobs a crash left running are requeued before
 * anything else runs; with worker processes, a job whose worker went silent is taken up again
 * by another worker.
 */
export async function createServer(config: ServerConfig, options: ServerOptions): Promise<ScanSelectServer> {
  const mode = options.jobs ?? 'inline';
  let runner: JobWorker | null = null;
  let engineQueue: EngineJobQueue | null = null;
  const opened = await openContext(config, options, ({ jobs, sql, engine, databaseUrl, log: logLine }) => {
    if (engine) {
      // PostgreSQL: the job engine queues; with `inline`, this process is also one of its workers.
      if (mode === 'inline') runner = new EngineWorker(engine, jobs, logLine, { worker: `${hostname()}:${process.pid}:api` });
      return (engineQueue = new EngineJobQueue(sql as PostgresClient, jobs, engine, databaseUrl!, logLine));
    }
    if (mode !== 'inline') return new PollingJobQueue(jobs);
    const sqlRunner = new JobRunner(jobs, {}, logLine);
    runner = sqlRunner;
    return sqlRunner;
  }, { supervise: mode === 'inline', schedule: mode === 'inline' });
  const { ctx, compute, log } = opened;
  let workers: WorkerRuntime | null = null;
  if (runner) {
    if (!opened.engine) {
      const recovered = await ctx.jobs.recoverInterrupted([...RESUMABLE_KINDS]);
      if (recovered.requeued.length > 0) log(`requeued jobs interrupted by the last stop: ${recovered.requeued.join(', ')}`);
    }
    workers = new WorkerRuntime(ctx, runner, log, { outboxIntervalMs: options.outboxIntervalMs, schedulerIntervalMs: options.schedulerIntervalMs }, opened.engine);
  }
  const worker = mode === 'child' ? new EmbeddedWorker(config, log, options.workerArgs) : null;
  for (const project of config.projects) {
    if (await ctx.projects.find(project.name)) continue;
    try {
      await createProject(ctx, 'configuration', project);
    } catch (error) {
      // Replicas starting together: another one created it first.
      if (!(await ctx.projects.find(project.name))) throw error;
    }
  }
  const tokens = new TokenStore(ctx.sql);
  if (options.adminToken) await tokens.ensure('admin (configured)', 'admin', options.adminToken);
  const info: ServerInfo = {
    version: options.version,
    compute: { backend: compute.backend, device: compute.device, description: describeCompute(compute) },
    encoders: ctx.encoderIds,
    strategies: [...STRATEGY_IDS, 'entropy-diversity'],
    projections: [...PROJECTION_IDS],
    models: ['attention-unet'],
  };
  const oidc = config.oidc ? createOidcVerifier(config.oidc) : undefined;
  const app = createApp({ ctx, info, tokens, oidc, log, logRequests: options.logRequests, viewerFiles: options.viewerFiles });
  let server: Server | null = null;
  return {
    ctx, tokens, info, worker,
    outboxWorker: workers?.outboxWorker ?? null,
    scheduler: workers?.scheduler ?? null,
    listen: async (port, host) => {
      await engineQueue?.start();
      await workers?.start();
      if (ctx.queue instanceof PollingJobQueue) ctx.queue.start();
      worker?.start();
      server = await new Promise<Server>((resolve, reject) => {
        const s = app.listen(port, host, () => resolve(s));
        s.on('error', reject);
      });
      const address = server.address() as AddressInfo;
      return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
    },
    close: async () => {
      if (server) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server!.close(() => resolve()));
      }
      if (ctx.queue instanceof PollingJobQueue) ctx.queue.stop();
      await worker?.stop();
      await workers?.stop();
      await engineQueue?.stop();
      await opened.close();
    },
  };
}
