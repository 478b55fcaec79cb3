import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { ServerConfig } from '../config/serverConfig';
import type { PostgresClient } from '../db/postgresClient';
import { EngineJobQueue } from '../jobs/engine/engineJobQueue';
import { EngineWorker } from '../jobs/engine/engineWorker';
import { JobRunner, type JobWorker } from '../jobs/jobRunner';
import { openContext, type OpenedContext, type RuntimeOptions } from './openContext';
import { RESUMABLE_KINDS, WorkerRuntime, type WorkerRuntimeOptions } from './workerRuntime';

/** Options of a worker process (`scanselect worker`). */
export interface WorkerOptions extends RuntimeOptions, WorkerRuntimeOptions {
  /** Job kinds it takes [all]. */
  readonly kinds?: readonly string[];
  /** Its name in the jobs table [host:pid:random]. */
  readonly name?: string;
  readonly heartbeatMs?: number;
  readonly staleAfterMs?: number;
  readonly pollMs?: number;
}

/** A running worker: takes jobs from the shared database until stopped. */
export interface ScanSelectWorker {
  readonly name: string;
  readonly opened: OpenedContext;
  start(): Promise<void>;
  /** Stops taking jobs; the running one is aborted and left to be resumed. */
  stop(): Promise<void>;
}

/**
 * A process that does the work — sync, rounds (training runs here, never in an API process),
 * PACS deliveries, schedules — on the same configuration and database as the API. Several may
 * run. On PostgreSQL the job engine hands out the jobs and takes up those of a worker that died
 * (its time-out). On SQLite (the embedded default's child worker) each job is claimed in one
 * transaction, its worker says so every few seconds, and a job whose worker went silent is taken up by another.
 */
export async function createWorker(config: ServerConfig, options: WorkerOptions = {}): Promise<ScanSelectWorker> {
  const name = options.name ?? `${hostname()}:${process.pid}:${randomBytes(3).toString('hex')}`;
  let runner: JobWorker | null = null;
  const opened = await openContext(config, options, ({ jobs, sql, engine, databaseUrl, log }) => {
    if (engine) {
      runner = new EngineWorker(engine, jobs, log, { worker: name });
      return new EngineJobQueue(sql as PostgresClient, jobs, engine, databaseUrl!, log);
    }
    const sqlRunner = new JobRunner(jobs, {}, log, {
      worker: name, heartbeatMs: options.heartbeatMs, staleAfterMs: options.staleAfterMs, pollMs: options.pollMs ?? 500, resumable: RESUMABLE_KINDS,
    });
    runner = sqlRunner;
    return sqlRunner;
  }, { supervise: true, schedule: options.schedule !== false });
  const workers = new WorkerRuntime(opened.ctx, runner!, opened.log, options, opened.engine);
  if (options.kinds) runner!.only(options.kinds);
  return {
    name, opened,
    start: async () => {
      await workers.start();
      opened.log(`worker ${name} started: jobs ${runner!.kinds.join(', ')}${options.outbox === false ? '' : ', PACS outbox'}${options.schedule === false ? '' : ', schedules'}`);
    },
    stop: async () => {
      await workers.stop();
      await opened.close();
    },
  };
}
