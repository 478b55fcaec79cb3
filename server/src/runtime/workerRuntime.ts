import type { ServerContext } from '../domain/context';
import { jobHandlers } from '../domain/jobHandlers';
import type { JobRunner } from '../jobs/jobRunner';
import { Scheduler } from '../jobs/scheduler';
import { OutboxWorker } from '../outbox/outboxWorker';
import { deliveries } from '../publish/deliveries';
import { publishRound } from '../publish/publishRound';

/** The job kinds that are resumed, not failed, when the worker that ran them stopped. */
export const RESUMABLE_KINDS = ['sync', 'round'] as const;

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
 * The work of the service: the job runner (sync, rounds) with the context's handlers, the PACS
 * outbox and the nightly scheduler — in the API process (`jobs: inline`) or in a worker process.
 */
export class WorkerRuntime {
  readonly outboxWorker: OutboxWorker | null;
  readonly scheduler: Scheduler | null;

  constructor(ctx: ServerContext, private readonly runner: JobRunner, log: (line: string) => void, options: WorkerRuntimeOptions = {}) {
    runner.setHandlers(jobHandlers(ctx, { onRound: async (project, round, tx) => void (await publishRound(ctx, project, round, tx)) }));
    this.outboxWorker = options.outbox === false ? null : new OutboxWorker(ctx.outbox, deliveries(ctx.config.sources, ctx.artifacts), options.outboxIntervalMs ?? 5000, log);
    this.scheduler = options.schedule === false ? null : new Scheduler(ctx, options.schedulerIntervalMs ?? 30_000, log);
  }

  /** Starts the work; resolves once the schedule's first look (catch-up) is done. */
  async start(): Promise<void> {
    this.runner.start();
    this.outboxWorker?.start();
    await this.scheduler?.start();
  }

  /** Stops taking work; a running job is aborted (and resumed by the next worker). */
  async stop(): Promise<void> {
    this.scheduler?.stop();
    await this.runner.stop();
    await this.outboxWorker?.stop();
  }
}
