import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createEncoderRegistry, describeCompute, initCompute, PROJECTION_IDS, STRATEGY_IDS } from '@scanselect/plugin';
import { AuditLog } from './audit/auditLog';
import { createOidcVerifier } from './auth/oidcVerifier';
import { TokenStore } from './auth/tokenStore';
import { AppError } from './appError';
import type { ServerConfig } from './config/serverConfig';
import { openDatabase } from './db/database';
import { MIGRATIONS } from './db/schema';
import type { ServerContext } from './domain/context';
import { jobHandlers } from './domain/jobHandlers';
import { PoolAccess } from './domain/poolAccess';
import { createProject } from './domain/projectSettings';
import { createApp, type ServerInfo } from './http/app';
import type { ViewerFiles } from './http/routes/viewerRoutes';
import { JobRunner } from './jobs/jobRunner';
import { JobStore } from './jobs/jobStore';
import { Scheduler } from './jobs/scheduler';
import { MaskDecodePool } from './masks/maskDecodePool';
import { MaskStore } from './masks/maskStore';
import { Outbox } from './outbox/outbox';
import { OutboxWorker } from './outbox/outboxWorker';
import { createSource } from './pacs/createSource';
import type { ImageSource } from './pacs/source';
import { ProjectStore } from './projects/projectStore';
import { deliveries } from './publish/deliveries';
import { publishRound } from './publish/publishRound';
import { RoundStore } from './rounds/roundStore';
import { redactUids } from './logging/redactUids';
import { DataDir } from './storage/dataDir';
import { PixelCache } from './storage/pixelCache';

/** Options of {@link createServer} beyond the configuration file. */
export interface ServerOptions {
  readonly version: string;
  /** Operator log (one line per event; never patient data). Default: stderr. */
  readonly log?: (line: string) => void;
  /** Log every request (method, path, status, time). */
  readonly logRequests?: boolean;
  /** Token to create as the first admin token (e.g. from `SCANSELECT_ADMIN_TOKEN`). */
  readonly adminToken?: string;
  /** Milliseconds between outbox passes and schedule ticks (tests use short ones). */
  readonly outboxIntervalMs?: number;
  readonly schedulerIntervalMs?: number;
  readonly now?: () => Date;
  /** Where the viewer's files are (default: the repository's viewer-extension/). */
  readonly viewerFiles?: ViewerFiles;
}

/** A running ScanSelect service. */
export interface ScanSelectServer {
  readonly ctx: ServerContext;
  readonly tokens: TokenStore;
  readonly outboxWorker: OutboxWorker;
  readonly scheduler: Scheduler;
  readonly info: ServerInfo;
  /** Starts the workers and listens; resolves with the base URL. */
  listen(port: number, host: string): Promise<string>;
  /** Stops listening and the workers (a running job is aborted and resumed at the next start), closes the database. */
  close(): Promise<void>;
}

/**
 * The composition root: configuration → database (migrated) → stores → job runner with the sync
 * and round handlers → outbox worker → scheduler → HTTP app. Jobs a crash left running are
 * requeued before anything else runs.
 */
export async function createServer(config: ServerConfig, options: ServerOptions): Promise<ScanSelectServer> {
  const write = options.log ?? ((line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`));
  // UIDs can be traced back to a patient inside the hospital: the log shows none (the audit log,
  // inside the database, keeps what it needs).
  const log = (line: string): void => write(redactUids(line));
  const now = options.now ?? (() => new Date());
  mkdirSync(config.dataDir, { recursive: true });
  const dataDir = new DataDir(config.dataDir);
  const db = openDatabase(dataDir.database, MIGRATIONS);
  const compute = await initCompute({ backend: config.backend === 'auto' ? undefined : (config.backend as 'wasm' | 'cpu' | 'tensorflow') });
  const jobs = new JobStore(db, now);
  const recovered = jobs.recoverInterrupted(['sync', 'round']);
  if (recovered.requeued.length > 0) log(`requeued jobs interrupted by the last stop: ${recovered.requeued.join(', ')}`);
  const sources = new Map<string, ImageSource>(Object.entries(config.sources).map(([name, s]) => [name, createSource(s)]));
  const handlers: Parameters<typeof jobHandlers>[1] = { onRound: (project, round) => publishRound(ctx, project, round) };
  const runner = new JobRunner(jobs, {}, log);
  const rounds = new RoundStore(db, now);
  const cache = new PixelCache(dataDir.cacheDir(), config.cacheMaxMb * 1024 * 1024);
  const ctx: ServerContext = {
    config, db, dataDir, jobs, runner, rounds, now,
    projects: new ProjectStore(db, now),
    masks: new MaskStore(db),
    maskDecoder: new MaskDecodePool(),
    outbox: new Outbox(db, now),
    audit: new AuditLog(db, now),
    pool: new PoolAccess(db, dataDir, cache),
    encoderIds: createEncoderRegistry().list().map((e) => e.id),
    source: (name) => {
      const source = sources.get(name);
      if (!source) throw new AppError(404, 'not-found', `no configured source "${name}"`);
      return source;
    },
  };
  runner.setHandlers(jobHandlers(ctx, handlers));
  for (const project of config.projects) {
    if (!ctx.projects.find(project.name)) createProject(ctx, 'configuration', project);
  }
  const tokens = new TokenStore(db);
  if (options.adminToken) tokens.ensure('admin (configured)', 'admin', options.adminToken);
  const outboxWorker = new OutboxWorker(ctx.outbox, deliveries(config.sources, dataDir), options.outboxIntervalMs ?? 5000, log);
  const scheduler = new Scheduler(ctx, options.schedulerIntervalMs ?? 30_000, log);
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
    ctx, tokens, outboxWorker, scheduler, info,
    listen: async (port, host) => {
      runner.start();
      outboxWorker.start();
      scheduler.start();
      server = await new Promise<Server>((resolve, reject) => {
        const s = app.listen(port, host, () => resolve(s));
        s.on('error', reject);
      });
      const address = server.address() as AddressInfo;
      return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
    },
    close: async () => {
      scheduler.stop();
      if (server) {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server!.close(() => resolve()));
      }
      await runner.stop();
      await outboxWorker.stop();
      await ctx.maskDecoder.close();
      db.close();
    },
  };
}
