import PgBoss from 'pg-boss';
import type { JobEngineConfig } from '../../config/serverConfig';
import type { PostgresClient } from '../../db/postgresClient';
import type { SqlExecutor } from '../../db/sqlClient';
import { JOB_KINDS } from '../pollingJobQueue';

/** The engine's own queues besides the per-project job queues. */
export const ENGINE_QUEUES = {
  /** One pass of the PACS outbox at a time, cluster-wide. */
  outbox: 'scanselect-outbox',
  /** One look at the nightly schedules at a time, cluster-wide (fired every minute by the engine's cron). */
  scheduleTick: 'scanselect-schedule-tick',
  /** Where a job the engine gave up on (its worker died, retries used up) goes: its row is marked failed. */
  abandoned: 'scanselect-abandoned',
} as const;

/** What one of our jobs is to the engine: the id of its row in `jobs`. */
export interface EngineJobData {
  readonly jobId: number;
}

/** Any fixed number, not the migrations' lock: the engine's schema changes are made one at a time across processes. */
const ENGINE_SCHEMA_LOCK = 7_310_215_932;

/** `<kind>__<project>` for every job kind the service queues. */
const QUEUE_NAME = new RegExp(`^(${JOB_KINDS.join('|')})__(\\d+)$`);

/**
 * The queue of a project's jobs of one kind. One queue per project and kind (policy `singleton`:
 * one active job at a time) keeps one project's long round from holding up another's, which a
 * shared queue with singleton keys does in pg-boss 10 (docs/jobEngine.md, point 2).
 */
export function projectQueue(kind: string, projectId: number): string {
  return `${kind}__${projectId}`;
}

/** The engine's statements inside our transaction `tx`, when given. */
function connection(tx: SqlExecutor | undefined): PgBoss.ConnectionOptions {
  const native = tx?.native;
  return native ? { db: { executeSql: (text: string, values: unknown[]) => native(text, values) } } : {};
}

/** The kind and project of a per-project queue's name, or null for any other queue. */
export function parseProjectQueue(name: string): { kind: string; projectId: number } | null {
  const match = QUEUE_NAME.exec(name);
  return match ? { kind: match[1]!, projectId: Number(match[2]) } : null;
}

/**
 * How long the engine lets one outbox pass run before it counts it as abandoned. A `stately`
 * queue runs one pass at a time in the cluster, so a pass whose worker was killed blocks every
 * delivery until it expires: this is kept to a pass's budget (OUTBOX_PASS_BUDGET_MS, 60 s) plus
 * one slow delivery (two DICOMweb attempts of the default 30 s) and a margin. A pass that still
 * overruns it may meet a second one; a delivery repeated then stores the same object again (its
 * UIDs are fixed when queued).
 */
export const OUTBOX_PASS_EXPIRY_SECONDS = 180;

/** Which parts of the engine a process runs. */
export interface EngineRole {
  /** Expire jobs whose worker died (take-over), archive and delete old jobs: workers. */
  readonly supervise: boolean;
  /** Fire the cron schedule of the schedule tick: workers. */
  readonly schedule: boolean;
}

/**
 * pg-boss (docs/jobEngine.md explains the choice) on the service's own PostgreSQL pool, in the
 * `pgboss` schema it creates and migrates itself. Queues are created on first use with the
 * configured retries, back-off and time-outs; a job is sent inside the transaction that writes
 * its row, so a job exists in the engine if and only if its row exists.
 */
export class JobEngine {
  readonly boss: PgBoss;
  private readonly ensured = new Map<string, Promise<void>>();

  constructor(private readonly sql: PostgresClient, readonly settings: JobEngineConfig, role: EngineRole, log: (line: string) => void) {
    this.boss = new PgBoss({
      db: { executeSql: (text: string, values: unknown[]) => sql.native(text, values) },
      schema: 'pgboss',
      supervise: role.supervise,
      schedule: role.schedule,
      maintenanceIntervalSeconds: settings.maintenanceIntervalSeconds,
      // Our rows keep the history; the engine's copies go after a week.
      deleteAfterDays: 7,
    });
    this.boss.on('error', (error: Error) => log(`job engine: ${error.message}`));
  }

  async start(): Promise<void> {
    // pg-boss creates its schema when it finds none; two processes starting at once on a new
    // database would both try. Its start is made one at a time, as our migrations are.
    await this.serialised(() => this.boss.start());
    await this.ensure(ENGINE_QUEUES.abandoned, { policy: 'standard', retryLimit: 5 });
    await this.ensure(ENGINE_QUEUES.outbox, { policy: 'stately', retryLimit: 0, expireInSeconds: OUTBOX_PASS_EXPIRY_SECONDS });
    await this.ensure(ENGINE_QUEUES.scheduleTick, { policy: 'stately', retryLimit: 0, expireInSeconds: 5 * 60 });
  }

  /**
   * Runs `work` while holding a cluster-wide advisory lock (on a connection of its own). Creating
   * a queue attaches a partition to the engine's job table: two processes doing it at once can
   * deadlock each other, so schema changes of the engine are made one at a time.
   */
  private async serialised<T>(work: () => Promise<T>): Promise<T> {
    const lock = await this.sql.pool.connect();
    try {
      await lock.query('SELECT pg_advisory_lock($1)', [ENGINE_SCHEMA_LOCK]);
      return await work();
    } finally {
      await lock.query('SELECT pg_advisory_unlock($1)', [ENGINE_SCHEMA_LOCK]).catch(() => undefined);
      lock.release();
    }
  }

  /** Stops the engine's timers and workers (the pool is the service's: left open). */
  async stop(): Promise<void> {
    await this.boss.stop({ graceful: false, close: false, wait: true, timeout: 1000 });
  }

  /** Creates a project's queue of a kind if it does not exist yet (idempotent, also across processes). */
  ensureProjectQueue(kind: string, projectId: number): Promise<void> {
    // Training jobs (rounds, site encoders) get the round's time; a sync its own.
    const timeout = kind === 'sync' ? this.settings.timeoutSeconds.sync : this.settings.timeoutSeconds.round;
    return this.ensure(projectQueue(kind, projectId), {
      policy: 'singleton',
      retryLimit: this.settings.retryLimit,
      retryDelay: this.settings.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: timeout,
      deadLetter: ENGINE_QUEUES.abandoned,
    });
  }

  /** Sends a job to a queue, inside `tx` when given (it exists only if that transaction commits); null when the queue's policy refused it. */
  async send(queue: string, data: object, tx?: SqlExecutor): Promise<string | null> {
    return this.boss.send(queue, data, connection(tx));
  }

  /**
   * Cancels the engine's copies of our job `jobId` (of `kind`, for `projectId`) that wait, wait
   * for a retry or run, inside `tx` when given: no worker fetches it any more. The engine keeps no
   * id of ours, so its copies are found in the project's queue by the job id their data carries;
   * the cancellation itself is the engine's `cancel`. Resolves with how many it cancelled.
   */
  async cancelJob(kind: string, projectId: number, jobId: number, tx?: SqlExecutor): Promise<number> {
    const name = projectQueue(kind, projectId);
    const copies = await (tx ?? this.sql).all<{ id: string }>(
      "SELECT id FROM pgboss.job WHERE name = @name AND state IN ('created', 'retry', 'active') AND data ->> 'jobId' = CAST(@jobId AS TEXT)", { name, jobId });
    if (copies.length > 0) await this.boss.cancel(name, copies.map((c) => c.id), connection(tx));
    return copies.length;
  }

  private ensure(name: string, options: Omit<PgBoss.Queue, 'name'>): Promise<void> {
    let ensured = this.ensured.get(name);
    if (!ensured) {
      // Created once; an existing queue takes the current settings (they may have changed in the configuration).
      ensured = this.serialised(async () => {
        await this.boss.createQueue(name, { name, ...options });
        await this.boss.updateQueue(name, { name, ...options });
      });
      ensured.catch(() => this.ensured.delete(name));
      this.ensured.set(name, ensured);
    }
    return ensured;
  }
}
