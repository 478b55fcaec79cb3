import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createEncoderRegistry, initCompute, type ComputeInfo } from '@scanselect/plugin';
import { AppError } from '../appError';
import { AuditLog } from '../audit/auditLog';
import type { ServerConfig } from '../config/serverConfig';
import { databaseUrl, openSqlClient } from '../db/openSqlClient';
import type { PostgresClient } from '../db/postgresClient';
import type { SqlClient } from '../db/sqlClient';
import { JobEngine, type EngineRole } from '../jobs/engine/jobEngine';
import type { ServerContext } from '../domain/context';
import type { JobQueue } from '../jobs/jobRunner';
import { JobStore } from '../jobs/jobStore';
import { redactUids } from '../logging/redactUids';
import { MaskDecodePool } from '../masks/maskDecodePool';
import { MaskStore } from '../masks/maskStore';
import { Outbox } from '../outbox/outbox';
import { createSource } from '../pacs/createSource';
import type { ImageSource } from '../pacs/source';
import { PoolAccess } from '../domain/poolAccess';
import { ProjectStore } from '../projects/projectStore';
import { RoundStore } from '../rounds/roundStore';
import { MetricsStore } from '../rounds/metricsStore';
import { closeSharedSyncWorkerPools } from '../sync/syncWorkerPool';
import type { ArtifactStore } from '../storage/artifactStore';
import { FileArtifactStore } from '../storage/fileArtifactStore';
import { PostgresArtifactStore } from '../storage/postgresArtifactStore';
import { PixelCache } from '../storage/pixelCache';
import { SiteEncoderStore } from '../storage/siteEncoderStore';

/** What both process roles — the API (`serve`) and a `worker` — are built from. */
export interface RuntimeOptions {
  /** Operator log (one line per event; never patient data). Default: stderr. */
  readonly log?: (line: string) => void;
  readonly now?: () => Date;
}

/** What a process's job queue is built from. */
export interface QueueParts {
  readonly jobs: JobStore;
  readonly sql: SqlClient;
  /** The job engine (PostgreSQL), or null (SQLite: the jobs table is the queue). */
  readonly engine: JobEngine | null;
  /** The PostgreSQL URL (for the job-events connection), or null. */
  readonly databaseUrl: string | null;
  readonly log: (line: string) => void;
}

/** The context of one process, and what it opened. */
export interface OpenedContext {
  readonly ctx: ServerContext;
  /** The job engine on PostgreSQL, else null. */
  readonly engine: JobEngine | null;
  readonly compute: ComputeInfo;
  /** The operator log, UIDs redacted. */
  readonly log: (line: string) => void;
  /** Closes what the context opened (the decode workers, the database). */
  close(): Promise<void>;
}

/**
 * Opens the data directory and the database (SQLite there, or PostgreSQL; migrated), the stores, the sources and the compute
 * backend. `queue(jobs)` says how this process queues and hears of jobs: runs them itself (a
 * JobRunner) or leaves them to worker processes (a PollingJobQueue).
 */
export async function openContext(config: ServerConfig, options: RuntimeOptions, queue: (parts: QueueParts) => JobQueue, engineRole: EngineRole = { supervise: false, schedule: false }): Promise<OpenedContext> {
  const write = options.log ?? ((line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`));
  // UIDs can be traced back to a patient inside the hospital: the log shows none (the audit log,
  // inside the database, keeps what it needs).
  const log = (line: string): void => write(redactUids(line));
  const now = options.now ?? (() => new Date());
  mkdirSync(config.dataDir, { recursive: true });
  const sql = await openSqlClient(config.dataDir, config.database);
  let compute: ComputeInfo;
  let engine: JobEngine | null = null;
  try {
    compute = await initCompute({ backend: config.backend === 'auto' ? undefined : (config.backend as 'wasm' | 'cpu' | 'tensorflow') });
    if (sql.dialect === 'postgres') {
      engine = new JobEngine(sql as PostgresClient, config.jobs, engineRole, log);
      await engine.start();
    }
  } catch (error) {
    await sql.close();
    throw error;
  }
  const jobs = new JobStore(sql, now);
  const sources = new Map<string, ImageSource>(Object.entries(config.sources).map(([name, s]) => [name, createSource(s)]));
  // Node-local on purpose: model inputs recomputed from the source on a miss, never the only copy of anything.
  const cache = new PixelCache(path.join(config.dataDir, 'cache'), config.cacheMaxMb * 1024 * 1024);
  // Shared by every replica and worker on PostgreSQL; the data directory otherwise.
  const artifacts: ArtifactStore = sql.dialect === 'postgres' ? new PostgresArtifactStore(sql) : new FileArtifactStore(config.dataDir);
  const ctx: ServerContext = {
    config, sql, artifacts, jobs, now,
    queue: queue({ jobs, sql, engine, databaseUrl: databaseUrl(config.database), log }),
    rounds: new RoundStore(sql, now),
    metrics: new MetricsStore(sql),
    projects: new ProjectStore(sql, now),
    masks: new MaskStore(sql),
    maskDecoder: new MaskDecodePool(),
    outbox: new Outbox(sql, now),
    audit: new AuditLog(sql, now),
    pool: new PoolAccess(sql, artifacts, cache),
    encoderIds: createEncoderRegistry().list().map((e) => e.id),
    siteEncoders: new SiteEncoderStore(artifacts, path.join(config.dataDir, 'site-encoders')),
    source: (name) => {
      const source = sources.get(name);
      if (!source) throw new AppError(404, 'not-found', `no configured source "${name}"`);
      return source;
    },
  };
  return {
    ctx, compute, log, engine,
    close: async () => {
      await engine?.stop();
      await ctx.maskDecoder.close();
      await closeSharedSyncWorkerPools();
      await sql.close();
    },
  };
}
