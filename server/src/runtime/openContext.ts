import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createEncoderRegistry, initCompute, type ComputeInfo } from '@scanselect/plugin';
import { AppError } from '../appError';
import { AuditLog } from '../audit/auditLog';
import type { ServerConfig } from '../config/serverConfig';
import { openDatabase } from '../db/database';
import { MIGRATIONS } from '../db/schema';
import { SqliteClient } from '../db/sqliteClient';
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
import { closeSharedSyncWorkerPools } from '../sync/syncWorkerPool';
import { FileArtifactStore } from '../storage/fileArtifactStore';
import { PixelCache } from '../storage/pixelCache';

/** What both process roles — the API (`serve`) and a `worker` — are built from. */
export interface RuntimeOptions {
  /** Operator log (one line per event; never patient data). Default: stderr. */
  readonly log?: (line: string) => void;
  readonly now?: () => Date;
}

/** The context of one process, and what it opened. */
export interface OpenedContext {
  readonly ctx: ServerContext;
  readonly compute: ComputeInfo;
  /** The operator log, UIDs redacted. */
  readonly log: (line: string) => void;
  /** Closes what the context opened (the decode workers, the database). */
  close(): Promise<void>;
}

/**
 * Opens the data directory and database (migrated), the stores, the sources and the compute
 * backend. `queue(jobs)` says how this process queues and hears of jobs: runs them itself (a
 * JobRunner) or leaves them to worker processes (a PollingJobQueue).
 */
export async function openContext(config: ServerConfig, options: RuntimeOptions, queue: (jobs: JobStore) => JobQueue): Promise<OpenedContext> {
  const write = options.log ?? ((line: string) => process.stderr.write(`${new Date().toISOString()} ${line}\n`));
  // UIDs can be traced back to a patient inside the hospital: the log shows none (the audit log,
  // inside the database, keeps what it needs).
  const log = (line: string): void => write(redactUids(line));
  const now = options.now ?? (() => new Date());
  mkdirSync(config.dataDir, { recursive: true });
  const db = openDatabase(path.join(config.dataDir, 'scanselect.db'), MIGRATIONS);
  const compute = await initCompute({ backend: config.backend === 'auto' ? undefined : (config.backend as 'wasm' | 'cpu' | 'tensorflow') });
  const sql = new SqliteClient(db);
  const jobs = new JobStore(sql, now);
  const sources = new Map<string, ImageSource>(Object.entries(config.sources).map(([name, s]) => [name, createSource(s)]));
  // Node-local on purpose: model inputs recomputed from the source on a miss, never the only copy of anything.
  const cache = new PixelCache(path.join(config.dataDir, 'cache'), config.cacheMaxMb * 1024 * 1024);
  const artifacts = new FileArtifactStore(config.dataDir);
  const ctx: ServerContext = {
    config, db, sql, artifacts, jobs, now,
    queue: queue(jobs),
    rounds: new RoundStore(sql, now),
    projects: new ProjectStore(sql, now),
    masks: new MaskStore(sql),
    maskDecoder: new MaskDecodePool(),
    outbox: new Outbox(sql, now),
    audit: new AuditLog(sql, now),
    pool: new PoolAccess(sql, artifacts, cache),
    encoderIds: createEncoderRegistry().list().map((e) => e.id),
    source: (name) => {
      const source = sources.get(name);
      if (!source) throw new AppError(404, 'not-found', `no configured source "${name}"`);
      return source;
    },
  };
  return {
    ctx, compute, log,
    close: async () => {
      await ctx.maskDecoder.close();
      await closeSharedSyncWorkerPools();
      db.close();
    },
  };
}
