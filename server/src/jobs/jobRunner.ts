import type { SqlExecutor } from '../db/sqlClient';
import { cancelledBy, cancelledText } from './jobCancelled';
import { jobErrorText } from './jobError';
import { JobLoop } from './jobLoop';
import type { CancelOutcome, Job, JobStore } from './jobStore';

/**
 * What a job handler gets: a stop signal and a progress reporter. The signal is aborted when the
 * worker stops (the job is resumed later) or an admin cancels the job (it ends failed).
 */
export interface JobContext {
  readonly signal: AbortSignal;
  progress(fraction: number, stage: string): void;
}

/** Runs one kind of job; returns the job's result (stored as JSON). */
export type JobHandler = (job: Job, context: JobContext) => Promise<unknown>;

/** Events of a {@link JobQueue}: `job` with the job's current state after every change. */
export interface JobEvents {
  job: [Job];
}

/**
 * What the API and the use cases need of the jobs: queue one, cancel one, hear of every change,
 * wait until none is left. A {@link JobRunner} is one (jobs run in this process); a `PollingJobQueue` is the
 * other (jobs run in worker processes, changes read from the database).
 */
export interface JobQueue {
  /** Queues a job; with `tx`, inside that transaction (the job exists only if it commits). */
  enqueue(kind: string, projectId: number | null, payload?: unknown, tx?: SqlExecutor): Promise<Job>;
  /**
   * `actor` cancels job `id`: a queued job ends failed `cancelled by <actor>` at once (and leaves
   * the job engine's queue); a running one is asked to stop, and its worker — in this process or
   * another — stops it within seconds. Null when there is no such job.
   */
  cancel(id: number, actor: string): Promise<CancelOutcome | null>;
  on(event: 'job', listener: (job: Job) => void): unknown;
  off(event: 'job', listener: (job: Job) => void): unknown;
  /** Resolves when no job is queued or running (for tests and the demo). */
  idle(): Promise<void>;
}

/** What runs the jobs in a worker process: the SQL {@link JobRunner} (SQLite) or the job engine's worker (PostgreSQL). */
export interface JobWorker {
  /** Sets the handlers (they need the context the worker is part of). */
  setHandlers(handlers: Readonly<Record<string, JobHandler>>): void;
  /** Takes only jobs of these kinds. */
  only(kinds: readonly string[]): void;
  readonly kinds: string[];
  start(): void;
  /** Stops taking jobs and aborts the running one (it is resumed by another worker). */
  stop(): Promise<void>;
}

/** How a runner shares the jobs table with other workers. */
export interface RunnerOptions {
  /** This worker's name in the jobs table (null: the only process that runs jobs). */
  readonly worker?: string | null;
  /** How often it says it still runs its job [5 s]. */
  readonly heartbeatMs?: number;
  /** A running job whose worker was silent this long is taken up again [60 s]; only with `worker`. */
  readonly staleAfterMs?: number;
  /** Kinds that are resumed (not failed) when taken up again. */
  readonly resumable?: readonly string[];
  /** How often an idle runner looks for queued jobs [1 s]. */
  readonly pollMs?: number;
  /** How often a running job's worker looks whether it was cancelled [2 s]. */
  readonly cancelCheckMs?: number;
}

/** Resolves when `source` has no queued or running job. */
export async function untilIdle(jobs: JobStore, source: Pick<JobQueue, 'on' | 'off'>): Promise<void> {
  while ((await jobs.active()) > 0) {
    await new Promise<void>((resolve) => {
      const done = (job: Job): void => {
        if (job.state === 'succeeded' || job.state === 'failed') {
          source.off('job', done);
          resolve();
        }
      };
      source.on('job', done);
    });
  }
}

/**
 * Runs queued jobs one at a time (training takes a whole core; two rounds at once would only
 * halve each other's speed), oldest first. Progress is written to the job table at most every
 * 250 ms per job and announced as a `job` event, which the HTTP layer streams to clients (SSE).
 * `stop()` aborts the running job; as sync and round jobs are resumable, a restart requeues it.
 * A job an admin cancels stops at its handler's next look at the signal and ends failed.
 */
export class JobRunner extends JobLoop implements JobQueue {
  private readonly worker: string | null;
  private lastStaleCheck = 0;

  constructor(
    private readonly jobs: JobStore,
    handlers: Readonly<Record<string, JobHandler>>,
    private readonly log: (line: string) => void = () => {},
    private readonly options: RunnerOptions = {},
  ) {
    super(handlers);
    this.worker = options.worker ?? null;
  }

  /** Queues a job and wakes the runner. */
  async enqueue(kind: string, projectId: number | null, payload: unknown = null, tx?: SqlExecutor): Promise<Job> {
    if (!this.handlers[kind]) throw new Error(`no handler for job kind "${kind}"`);
    const job = await this.jobs.enqueue(kind, projectId, payload, tx);
    this.emit('job', job);
    this.wake();
    return job;
  }

  /** Resolves when no job is queued or running (for tests and the demo). */
  idle(): Promise<void> {
    return untilIdle(this.jobs, this);
  }

  /** Cancels a job; one this runner runs is stopped at once, one another worker runs when that worker next looks. */
  async cancel(id: number, actor: string): Promise<CancelOutcome | null> {
    const cancelled = await this.jobs.cancel(id, actor);
    if (cancelled?.outcome === 'cancelled' || cancelled?.outcome === 'requested') {
      if (cancelled.outcome === 'requested') this.abortCancelled(id, actor);
      this.emit('job', cancelled.job);
    }
    return cancelled;
  }

  /** With other workers: takes up the jobs of workers that went silent (at most every few seconds). */
  private async takeUpStale(): Promise<void> {
    const staleAfter = this.options.staleAfterMs ?? 60_000;
    if (this.worker === null || Date.now() - this.lastStaleCheck < Math.min(staleAfter / 4, 10_000)) return;
    this.lastStaleCheck = Date.now();
    const { requeued, failed } = await this.jobs.requeueStale(this.options.resumable ?? [], new Date(Date.now() - staleAfter));
    if (requeued.length + failed.length > 0) this.log(`jobs whose worker went silent: requeued ${requeued.join(', ') || 'none'}, failed ${failed.join(', ') || 'none'}`);
    for (const id of [...requeued, ...failed]) this.emit('job', (await this.jobs.get(id))!);
  }

  protected async run(): Promise<void> {
    while (this.running) {
      await this.takeUpStale();
      const job = await this.jobs.claimNext(this.kinds, this.worker);
      if (!job) {
        await this.pause(this.options.pollMs ?? 1000);
        continue;
      }
      await this.execute(job);
    }
  }

  private async execute(job: Job): Promise<void> {
    this.emit('job', job);
    const controller = new AbortController();
    this.current = controller;
    this.currentJob = job.id;
    const unwatch = this.watchCancel(this.jobs, job.id, controller, this.options.cancelCheckMs);
    const worker = this.worker;
    const heartbeat = worker === null ? null : setInterval(() => void this.jobs.heartbeat([job.id], worker).catch((e: unknown) => this.log(`job ${job.id}: heartbeat failed: ${(e as Error).message}`)), this.options.heartbeatMs ?? 5000);
    heartbeat?.unref();
    const context: JobContext = {
      signal: controller.signal,
      progress: this.progressReporter(job.id, async (fraction, stage) => {
        await this.jobs.progress(job.id, fraction, stage);
        const current = await this.jobs.get(job.id);
        if (current) this.emit('job', current);
      }, this.log),
    };
    const cancelled = (): string | null => cancelledBy(controller.signal);
    try {
      const result = await this.handlers[job.kind]!(job, context);
      // Cancelled: failed, even when the handler returned what it had done so far (a sync does).
      if (cancelled() !== null) await this.finishCancelled(job, cancelled()!);
      else if (controller.signal.aborted && !this.running) return; // left running: requeued at the next start
      else await this.finish(job, () => this.jobs.succeed(job.id, result ?? null, worker), 'succeeded');
    } catch (error) {
      if (cancelled() !== null) await this.finishCancelled(job, cancelled()!);
      else if (controller.signal.aborted && !this.running) return;
      else {
        const text = jobErrorText(job.kind, error);
        await this.finish(job, () => this.jobs.fail(job.id, text.public, text.detail, worker), `failed: ${text.detail}`);
      }
    } finally {
      if (heartbeat) clearInterval(heartbeat);
      unwatch();
      this.current = null;
      this.currentJob = null;
    }
    this.emit('job', (await this.jobs.get(job.id))!);
  }

  /** Records that an admin cancelled the job: failed `cancelled by <actor>`, never resumed. */
  private finishCancelled(job: Job, actor: string): Promise<void> {
    const text = cancelledText(actor);
    return this.finish(job, () => this.jobs.fail(job.id, text, text, this.worker), text);
  }

  /** Records the outcome; a job another worker took up meanwhile (this one was silent too long) is left to it. */
  private async finish(job: Job, record: () => Promise<void>, outcome: string): Promise<void> {
    try {
      await record();
      this.log(`job ${job.id} (${job.kind}) ${outcome}`);
    } catch (error) {
      this.log(`job ${job.id} (${job.kind}) ${outcome.split(':')[0]} here, but ${(error as Error).message}: its result is left to the worker that took it up`);
    }
  }
}
