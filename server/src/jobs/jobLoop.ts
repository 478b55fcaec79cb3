import { EventEmitter } from 'node:events';
import type { JobContext, JobEvents, JobHandler, JobWorker } from './jobRunner';

/**
 * What both job workers share — the handlers and the kinds taken, a loop started once and
 * stopped by aborting the running job, an idle pause that a new job cuts short. Subclasses say
 * where jobs come from ({@link run}): the jobs table (SQLite) or the job engine (PostgreSQL).
 */
export abstract class JobLoop extends EventEmitter<JobEvents> implements JobWorker {
  protected running = false;
  /** The running job's stop signal. */
  protected current: AbortController | null = null;
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

  /** Takes and runs jobs while {@link running}. */
  protected abstract run(): Promise<void>;
}
