import { EventEmitter } from 'node:events';
import { JobCancelledError } from './jobCancelled';
import type { JobContext, JobEvents, JobHandler, JobWorker } from './jobRunner';
import type { JobStore } from './jobStore';

/** How often a running job's worker looks whether an admin asked for the job to be cancelled [ms]. */
export const CANCEL_CHECK_MS = 2000;

/**
 * What both job workers share — the handlers and the kinds taken, a loop started once and
 * stopped by aborting the running job, an idle pause that a new job cuts short. Subclasses say
 * where jobs come from ({@link run}): the jobs table (SQLite) or the job engine (PostgreSQL).
 */
export abstract class JobLoop extends EventEmitter<JobEvents> implements JobWorker {
  protected running = false;
  /** The running job's stop signal. */
  protected current: AbortController | null = null;
  /** The running job's id. */
  protected currentJob: number | null = null;
  private restricted: readonly string[] | null = null;
  private loop: Promise<void> | null = null;
  private wakeUp: (() => void) | null = null;

  constructor(protected handlers: Readonly<Record<string, JobHandler>> = {}) {
    super();
  }

  /** Sets the handlers (they need the context the worker is part of). */
  setHandlers(handlers: Readonly<Record<string, JobHandler>>): void {
    this.handlers = handlers;
  }

  get kinds(): string[] {
    return Object.keys(this.handlers).filter((k) => this.restricted === null || this.restricted.includes(k));
  }

  /** Takes only jobs of these kinds (a worker dedicated to, say, training). */
  only(kinds: readonly string[]): void {
    this.restricted = kinds;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops taking jobs and aborts the running one; resolves when the loop has ended. */
  async stop(): Promise<void> {
    this.running = false;
    this.current?.abort(new Error('the worker is stopping'));
    this.wake();
    await this.loop;
  }

  /** Ends an idle pause now (a job was queued). */
  wake(): void {
    this.wakeUp?.();
  }

  /** Waits `ms`, or until {@link wake}. */
  protected async pause(ms: number): Promise<void> {
    await new Promise<void>((resolve) => {
      this.wakeUp = resolve;
      setTimeout(resolve, ms).unref();
    });
    this.wakeUp = null;
  }

  /**
   * Job `id`'s progress reporter: `record` runs at most every 250 ms (the job table is written
   * that often per job, not at every training step); a failure to record is logged, never thrown.
   */
  protected progressReporter(id: number, record: (fraction: number, stage: string) => Promise<void>, log: (line: string) => void): JobContext['progress'] {
    let last = 0;
    return (fraction, stage) => {
      const now = Date.now();
      if (now - last < 250) return;
      last = now;
      record(fraction, stage).catch((e: unknown) => log(`job ${id}: progress not recorded: ${(e as Error).message}`));
    };
  }

  /**
   * Watches running job `id` for a cancellation: every `ms` it reads whether an admin asked for
   * the job to stop and, once one did, aborts `controller` with a {@link JobCancelledError} (the
   * handler stops at its next look at the signal). Returns the function that ends the watch.
   */
  protected watchCancel(jobs: Pick<JobStore, 'cancelRequestedBy'>, id: number, controller: AbortController, ms = CANCEL_CHECK_MS): () => void {
    const timer = setInterval(() => {
      if (controller.signal.aborted) return;
      void jobs.cancelRequestedBy(id).then((actor) => {
        if (actor !== null && !controller.signal.aborted) controller.abort(new JobCancelledError(actor));
      }, () => undefined); // a failed look is repeated at the next tick
    }, ms);
    timer.unref();
    return () => clearInterval(timer);
  }

  /** Stops job `id` now if this worker runs it (an admin cancelled it in this process); false if it does not. */
  protected abortCancelled(id: number, actor: string): boolean {
    if (this.currentJob !== id || !this.current || this.current.signal.aborted) return false;
    this.current.abort(new JobCancelledError(actor));
    return true;
  }

  /** Takes and runs jobs while {@link running}. */
  protected abstract run(): Promise<void>;
}
