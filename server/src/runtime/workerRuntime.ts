import type { ServerContext } from '../domain/context';
import { jobHandlers } from '../domain/jobHandlers';
import { EnginePeriodicWork } from '../jobs/engine/enginePeriodic';
import type { JobEngine } from '../jobs/engine/jobEngine';
import type { JobWorker } from '../jobs/jobRunner';
import { Scheduler } from '../jobs/scheduler';
import { OutboxWorker } from '../outbox/outboxWorker';
import { deliveries } from '../publish/deliveries';
import { publishRound } from '../publish/publishRound';

/** The job kinds that are resumed, not failed, when the worker that ran them stopped. */
export const RESUMABLE_KINDS = ['sync', 'round', 'train-encoder'] as const;

/** What a process that does the work runs besides the job runner. */
export interface WorkerRuntimeOptions {
  /** Deliver the PACS outbox here [true]. */
  readonly outbox?: boolean;
  /** Fire the nightly schedules here [true]. */
  readonly schedule?: boolean;
  readonly outboxIntervalMs?: number;
  readonly schedulerIntervalMs?: number;
}

/**
 * The work of the service: the jobs (sync, rounds) with the context's handlers, the PACS outbox
 * and the nightly schedules — in the API process (`jobs: inline`) or in a worker process. On
 * SQLite the outbox and the schedules run on timers of this process; on PostgreSQL the job
 * engine runs them, one at a time in the whole cluster ({@link EnginePeriodicWork}).
 */
export class WorkerRuntime {
  readonly outboxWorker: OutboxWorker | null;
  readonly scheduler: Scheduler | null;
  private readonly periodic: EnginePeriodicWork | null;

  constructor(ctx: ServerContext, private readonly runner: JobWorker, log: (line: string) => void, options: WorkerRuntimeOptions = {}, engine: JobEngine | null = null) {
    runner.setHandlers(jobHandlers(ctx, { onRound: async (project, round, tx) => void (await publishRound(ctx, project, round, tx)) }));
    this.outboxWorker = options.outbox === false ? null : new OutboxWorker(ctx.outbox, deliveries(ctx.config.sources, ctx.artifacts), options.outboxIntervalMs ?? 5000, log);
    this.scheduler = options.schedule === false ? null : new Scheduler(ctx, options.schedulerIntervalMs ?? 30_000, log);
    this.periodic = engine && new EnginePeriodicWork(engine, ctx.jobs, log, {
      outbox: this.outboxWorker, scheduler: this.scheduler, outboxIntervalMs: options.outboxIntervalMs, schedulerIntervalMs: options.schedulerIntervalMs,
    });
  }

  /** Starts the work; resolves once the schedule's first look (catch-up) is done (SQLite) or asked for (PostgreSQL). */
  async start(): Promise<void> {
    this.runner.start();
    if (this.periodic) return this.periodic.start();
    this.outboxWorker?.start();
    await this.scheduler?.start();
  }

  /** Stops taking work; a running job is aborted (and resumed by the next worker). */
  async stop(): Promise<void> {
    await this.periodic?.stop();
    this.scheduler?.stop();
    await this.runner.stop();
    await this.outboxWorker?.stop();
  }
}
