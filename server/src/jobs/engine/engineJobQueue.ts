import { EventEmitter } from 'node:events';
import type { PostgresClient } from '../../db/postgresClient';
import type { SqlExecutor } from '../../db/sqlClient';
import { untilIdle, type JobEvents, type JobQueue } from '../jobRunner';
import type { CancelOutcome, Job, JobStore } from '../jobStore';
import { assertJobKind } from '../pollingJobQueue';
import { JobListener } from './jobListener';
import { projectQueue, type JobEngine } from './jobEngine';

/**
 * The jobs on PostgreSQL, as every process sees them: `enqueue` writes the job's row and sends it
 * to the engine in one transaction; every change any process makes to a job reaches this
 * process's listeners (SSE clients) through LISTEN/NOTIFY, whichever replica or worker made it.
 * `cancel` ends a queued job's row and cancels the engine's copy in one transaction; a running
 * job's worker, wherever it runs, reads the request from the row and stops the job.
 */
export class EngineJobQueue extends EventEmitter<JobEvents> implements JobQueue {
  private readonly listener: JobListener;

  constructor(private readonly sql: PostgresClient, private readonly jobs: JobStore, private readonly engine: JobEngine, url: string, log: (line: string) => void) {
    super();
    this.listener = new JobListener(url, (id) => void this.announce(id), () => void this.announceActive(), log);
  }

  async start(): Promise<void> {
    await this.listener.start();
  }

  async stop(): Promise<void> {
    await this.listener.stop();
  }

  async enqueue(kind: string, projectId: number | null, payload: unknown = null, tx?: SqlExecutor): Promise<Job> {
    assertJobKind(kind);
    if (projectId === null) throw new Error(`a ${kind} job needs a project`);
    await this.engine.ensureProjectQueue(kind, projectId);
    const send = async (t: SqlExecutor): Promise<Job> => {
      const job = await this.jobs.enqueue(kind, projectId, payload, t);
      if ((await this.engine.send(projectQueue(kind, projectId), { jobId: job.id }, t)) === null) throw new Error(`the job engine refused job ${job.id} (${kind})`);
      return job;
    };
    const job = tx ? await send(tx) : await this.sql.transaction(send);
    this.emit('job', job);
    return job;
  }

  async cancel(id: number, actor: string): Promise<CancelOutcome | null> {
    const cancelled = await this.jobs.cancel(id, actor, async (job, tx) => {
      if (job.projectId !== null) await this.engine.cancelJob(job.kind, job.projectId, job.id, tx);
    });
    if (cancelled?.outcome === 'cancelled' || cancelled?.outcome === 'requested') this.emit('job', cancelled.job);
    return cancelled;
  }

  idle(): Promise<void> {
    return untilIdle(this.jobs, this);
  }

  private async announce(id: number): Promise<void> {
    const job = await this.jobs.get(id).catch(() => null);
    if (job) this.emit('job', job);
  }

  /** After (re)connecting: what changed while nobody listened is read again. */
  private async announceActive(): Promise<void> {
    for (const job of await this.jobs.listActive().catch(() => [])) this.emit('job', job);
  }
}
