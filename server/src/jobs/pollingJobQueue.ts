import { EventEmitter } from 'node:events';
import type { SqlExecutor } from '../db/sqlClient';
import { untilIdle, type JobEvents, type JobQueue } from './jobRunner';
import type { CancelOutcome, Job, JobStore } from './jobStore';

/** The job kinds the service queues. */
export const JOB_KINDS = ['sync', 'round', 'train-encoder'] as const;

/** Refuses a kind the service has no handler for (a queue in another process cannot tell). */
export function assertJobKind(kind: string): void {
  if (!(JOB_KINDS as readonly string[]).includes(kind)) throw new Error(`no job kind "${kind}" (kinds: ${JOB_KINDS.join(', ')})`);
}

/**
 * The jobs as an API process sees them when worker processes run them: `enqueue` writes the
 * job (a worker takes it from the table), and every change a worker makes — state, progress,
 * stage — is read back from the table every `intervalMs` and announced as a `job` event, so SSE
 * clients of this process hear of it (SQLite mode: the processes share the database file).
 */
export class PollingJobQueue extends EventEmitter<JobEvents> implements JobQueue {
  private timer: NodeJS.Timeout | null = null;
  /** The last state seen of every job that was queued or running. */
  private readonly seen = new Map<number, string>();
  private polling = false;

  constructor(private readonly jobs: JobStore, private readonly intervalMs = 250) {
    super();
  }

  async enqueue(kind: string, projectId: number | null, payload: unknown = null, tx?: SqlExecutor): Promise<Job> {
    assertJobKind(kind);
    const job = await this.jobs.enqueue(kind, projectId, payload, tx);
    this.seen.set(job.id, signature(job));
    this.emit('job', job);
    return job;
  }

  /** Cancels a job: a queued one ends now; a running one's worker (another process) reads the request within seconds and stops it. */
  async cancel(id: number, actor: string): Promise<CancelOutcome | null> {
    const cancelled = await this.jobs.cancel(id, actor);
    if (cancelled?.outcome === 'cancelled' || cancelled?.outcome === 'requested') {
      if (cancelled.outcome === 'cancelled') this.seen.delete(id);
      else this.seen.set(id, signature(cancelled.job));
      this.emit('job', cancelled.job);
    }
    return cancelled;
  }

  start(): void {
    if (this.timer) return;
    void this.active().then((jobs) => jobs.forEach((job) => this.seen.set(job.id, signature(job))));
    this.timer = setInterval(() => void this.poll().catch(() => undefined), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  idle(): Promise<void> {
    return untilIdle(this.jobs, this);
  }

  /** Announces what changed since the last look: active jobs that changed, and those that ended. */
  async poll(): Promise<void> {
    if (this.polling) return;
    this.polling = true;
    try {
      const active = await this.active();
      const ids = new Set(active.map((j) => j.id));
      for (const job of active) {
        if (this.seen.get(job.id) !== signature(job)) {
          this.seen.set(job.id, signature(job));
          this.emit('job', job);
        }
      }
      for (const id of [...this.seen.keys()].filter((i) => !ids.has(i))) {
        this.seen.delete(id);
        const ended = await this.jobs.get(id);
        if (ended) this.emit('job', ended);
      }
    } finally {
      this.polling = false;
    }
  }

  private async active(): Promise<Job[]> {
    return this.jobs.listActive();
  }
}

const signature = (job: Job): string => `${job.state}|${job.progress}|${job.stage ?? ''}|${job.attempts}|${job.cancelRequestedBy ?? ''}`;
