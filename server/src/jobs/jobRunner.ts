import { EventEmitter } from 'node:events';
import { jobErrorText } from './jobError';
import type { Job, JobStore } from './jobStore';

/** What a job handler gets: a stop signal and a progress reporter. */
export interface JobContext {
  readonly signal: AbortSignal;
  progress(fraction: number, stage: string): void;
}

/** Runs one kind of job; returns the job's result (stored as JSON). */
export type JobHandler = (job: Job, context: JobContext) => Promise<unknown>;

/** Events of a {@link JobRunner}: `job` with the job's current state after every change. */
export interface JobEvents {
  job: [Job];
}

/**
 * Runs queued jobs one at a time (training takes a whole core; two rounds at once would only
 * halve each other's speed), oldest first. Progress is written to the job table at most every
 * 250 ms per job and announced as a `job` event, which the HTTP layer streams to clients (SSE).
 * `stop()` aborts the running job; as sync and round jobs are resumable, a restart requeues it.
 */
export class JobRunner extends EventEmitter<JobEvents> {
  private running = false;
  private wakeUp: (() => void) | null = null;
  private current: AbortController | null = null;
  private loop: Promise<void> | null = null;

  constructor(private readonly jobs: JobStore, private handlers: Readonly<Record<string, JobHandler>>, private readonly log: (line: string) => void = () => {}) {
    super();
  }

  /** Sets the handlers (they need the context the runner is part of). */
  setHandlers(handlers: Readonly<Record<string, JobHandler>>): void {
    this.handlers = handlers;
  }

  get kinds(): string[] {
    return Object.keys(this.handlers);
  }

  /** Queues a job and wakes the runner. */
  enqueue(kind: string, projectId: number | null, payload: unknown = null): Job {
    if (!this.handlers[kind]) throw new Error(`no handler for job kind "${kind}"`);
    const job = this.jobs.enqueue(kind, projectId, payload);
    this.emit('job', job);
    this.wake();
    return job;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops taking jobs and aborts the running one; resolves when the loop has ended. */
  async stop(): Promise<void> {
    this.running = false;
    this.current?.abort(new Error('the server is stopping'));
    this.wake();
    await this.loop;
  }

  wake(): void {
    this.wakeUp?.();
  }

  /** Resolves when no job is queued or running (for tests and the demo). */
  async idle(): Promise<void> {
    while (this.jobs.list({ state: 'queued' }).length + this.jobs.list({ state: 'running' }).length > 0) {
      await new Promise<void>((resolve) => {
        const done = (job: Job): void => {
          if (job.state === 'succeeded' || job.state === 'failed') {
            this.off('job', done);
            resolve();
          }
        };
        this.on('job', done);
      });
    }
  }

  private async run(): Promise<void> {
    while (this.running) {
      const job = this.jobs.claimNext(this.kinds);
      if (!job) {
        await new Promise<void>((resolve) => {
          this.wakeUp = resolve;
          setTimeout(resolve, 1000).unref();
        });
        this.wakeUp = null;
        continue;
      }
      await this.execute(job);
    }
  }

  private async execute(job: Job): Promise<void> {
    this.emit('job', job);
    const controller = new AbortController();
    this.current = controller;
    let last = 0;
    const context: JobContext = {
      signal: controller.signal,
      progress: (fraction, stage) => {
        const now = Date.now();
        if (now - last < 250) return;
        last = now;
        this.jobs.progress(job.id, fraction, stage);
        this.emit('job', this.jobs.get(job.id)!);
      },
    };
    try {
      const result = await this.handlers[job.kind]!(job, context);
      if (controller.signal.aborted && !this.running) return; // left running: requeued at the next start
      this.jobs.succeed(job.id, result ?? null);
      this.log(`job ${job.id} (${job.kind}) succeeded`);
    } catch (error) {
      if (controller.signal.aborted && !this.running) return;
      const text = jobErrorText(job.kind, error);
      this.jobs.fail(job.id, text.public, text.detail);
      this.log(`job ${job.id} (${job.kind}) failed: ${text.detail}`);
    } finally {
      this.current = null;
    }
    this.emit('job', this.jobs.get(job.id)!);
  }
}
