import type { OutboxWorker } from '../../outbox/outboxWorker';
import type { JobStore } from '../jobStore';
import type { Scheduler } from '../scheduler';
import { ENGINE_QUEUES, type EngineJobData, type JobEngine } from './jobEngine';

/** Options of {@link EnginePeriodicWork}. */
export interface EnginePeriodicOptions {
  readonly outbox: OutboxWorker | null;
  readonly scheduler: Scheduler | null;
  /** How often this process asks for an outbox pass [5 s]. */
  readonly outboxIntervalMs?: number;
  /** How often this process asks for a look at the schedules, besides the engine's cron every minute [30 s]. */
  readonly schedulerIntervalMs?: number;
}

/**
 * A worker's share of the cluster's periodic work, on PostgreSQL: the PACS outbox pass and the
 * look at the nightly schedules are jobs of the engine's `stately` queues, so that at most one
 * of each runs at a time in the whole cluster however many workers ask for them — the engine,
 * not a lease of ours, decides who. Each worker asks every few seconds (a request while one is
 * waiting is refused by the engine) and the schedule tick is also the engine's own cron job
 * every minute. A tick that runs twice is harmless: a nightly run is queued only by the scheduler
 * that records it (compare-and-set). Jobs the engine gave up on get their rows marked failed.
 */
export class EnginePeriodicWork {
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly queues: string[] = [];

  constructor(private readonly engine: JobEngine, private readonly jobs: JobStore, private readonly log: (line: string) => void, private readonly options: EnginePeriodicOptions) {}

  async start(): Promise<void> {
    const { boss } = this.engine;
    const { outbox, scheduler } = this.options;
    await this.work(ENGINE_QUEUES.abandoned, async (data) => {
      if (await this.jobs.abandon(data.jobId, 'interrupted: its worker stopped and its retries are used up')) this.log(`job ${data.jobId} given up: its worker stopped and its retries are used up`);
    });
    if (outbox) {
      await this.work(ENGINE_QUEUES.outbox, () => outbox.flush());
      this.every(this.options.outboxIntervalMs ?? 5000, ENGINE_QUEUES.outbox);
    }
    if (scheduler) {
      // The catch-up of a run missed while no worker ran, before this worker reports itself started.
      await scheduler.tick().catch((error: unknown) => this.log(`schedule: ${(error as Error).message}`));
      await this.work(ENGINE_QUEUES.scheduleTick, async () => void (await scheduler.tick()));
      await boss.schedule(ENGINE_QUEUES.scheduleTick, '* * * * *');
      this.every(this.options.schedulerIntervalMs ?? 30_000, ENGINE_QUEUES.scheduleTick);
    }
  }

  async stop(): Promise<void> {
    this.timers.splice(0).forEach((t) => clearInterval(t));
    for (const queue of this.queues.splice(0)) await this.engine.boss.offWork(queue).catch(() => undefined);
  }

  /** Asks for a run of `queue` now and every `ms` (refused by the engine while one is waiting). */
  private every(ms: number, queue: string): void {
    const ask = (): void => void this.engine.send(queue, {}).catch((error: unknown) => this.log(`job engine: cannot queue ${queue}: ${(error as Error).message}`));
    ask();
    const timer = setInterval(ask, ms);
    timer.unref();
    this.timers.push(timer);
  }

  private async work(queue: string, run: (data: EngineJobData) => Promise<void>): Promise<void> {
    await this.engine.boss.work<EngineJobData>(queue, { pollingIntervalSeconds: 0.5, batchSize: 1 }, async ([job]) => {
      try {
        if (job) await run(job.data);
      } catch (error) {
        this.log(`${queue}: ${(error as Error).message}`);
        throw error;
      }
    });
    this.queues.push(queue);
  }
}
