import type PgBoss from 'pg-boss';
import { InvalidInputError } from '@scanselect/plugin';
import { AppError } from '../../appError';
import { cancelledBy, cancelledText } from '../jobCancelled';
import { jobErrorText } from '../jobError';
import { JobLoop } from '../jobLoop';
import type { JobContext } from '../jobRunner';
import type { Job, JobStore } from '../jobStore';
import { parseProjectQueue, type EngineJobData, type JobEngine } from './jobEngine';

/** Options of an {@link EngineWorker}. */
export interface EngineWorkerOptions {
  /** This worker's name in the jobs table. */
  readonly worker: string;
  /** How often a running job checks that it is still its worker's (not taken up after a time-out) [10 s]. */
  readonly fenceMs?: number;
  /** How often a running job checks whether an admin cancelled it [2 s]. */
  readonly cancelCheckMs?: number;
}

/** A job's input is wrong (a 4xx AppError, an invalid image): trying again cannot help. */
const permanent = (error: unknown): boolean => (error instanceof AppError && error.status < 500) || error instanceof InvalidInputError;

/**
 * Runs the service's jobs from the job engine, one at a time (training takes the machine): it
 * takes the next job from the per-project queues of the kinds it serves (`fetch`), runs it and
 * reports the outcome (`complete`, `fail` → the engine retries with back-off, `cancel` when the
 * input is at fault). The engine decides who runs what and takes up the job of a worker that
 * died; this class only keeps our `jobs` row in step, fenced by the attempt number, so that a
 * worker whose job was taken up (it outlived its time-out) records nothing and stops. A job an
 * admin cancelled (its row says so) is stopped within seconds, its row failed and the engine's
 * copy cancelled, so that it is not retried; a copy fetched after its row was cancelled is skipped.
 */
export class EngineWorker extends JobLoop {
  private turn = 0;

  constructor(private readonly engine: JobEngine, private readonly jobs: JobStore, private readonly log: (line: string) => void, private readonly options: EngineWorkerOptions) {
    super();
  }

  protected async run(): Promise<void> {
    while (this.running) {
      let next: PgBoss.JobWithMetadata<EngineJobData> | null = null;
      try {
        next = await this.fetchNext();
      } catch (error) {
        this.log(`job engine: cannot fetch a job: ${(error as Error).message}`);
      }
      if (next) await this.execute(next);
      else await this.pause(this.engine.settings.pollSeconds * 1000);
    }
  }

  /** The next job of any project queue of our kinds, starting at a different queue each time (no project starves). */
  private async fetchNext(): Promise<PgBoss.JobWithMetadata<EngineJobData> | null> {
    const kinds = this.kinds;
    const queues = (await this.engine.boss.getQueues()).map((q) => q.name).filter((name) => kinds.includes(parseProjectQueue(name)?.kind ?? ''));
    this.turn++;
    for (let i = 0; i < queues.length && this.running; i++) {
      const name = queues[(i + this.turn) % queues.length]!;
      const [job] = await this.engine.boss.fetch<EngineJobData>(name, { includeMetadata: true, batchSize: 1 });
      if (job) return job;
    }
    return null;
  }

  private async execute(engineJob: PgBoss.JobWithMetadata<EngineJobData>): Promise<void> {
    const { boss } = this.engine;
    const attempt = engineJob.retryCount + 1;
    const id = engineJob.data.jobId;
    const job = await this.jobs.startAttempt(id, attempt, this.options.worker);
    if (!job) {
      // Its row has ended, a later attempt runs it, or it was cancelled: nothing left to do for this copy.
      if (await this.jobs.endCancelled(id)) this.log(`job ${id} cancelled: attempt ${attempt} not started`);
      await boss.complete(engineJob.name, engineJob.id).catch(() => undefined);
      return;
    }
    const handler = this.handlers[job.kind];
    const controller = new AbortController();
    this.current = controller;
    this.currentJob = id;
    const unwatch = this.watchCancel(this.jobs, id, controller, this.options.cancelCheckMs);
    let superseded = false;
    const fence = setInterval(() => {
      void this.jobs.holds(id, attempt).then((holds) => {
        if (holds || controller.signal.aborted) return;
        superseded = true;
        controller.abort(new Error('taken up by another worker'));
      }, () => undefined);
    }, this.options.fenceMs ?? 10_000);
    fence.unref();
    const context: JobContext = {
      signal: controller.signal,
      progress: this.progressReporter(id, (fraction, stage) => this.jobs.progress(id, fraction, stage, attempt), this.log),
    };
    try {
      if (!handler) throw new Error(`no handler for job kind "${job.kind}"`);
      const result = await handler(job, context);
      if (superseded) return this.log(`job ${id} (${job.kind}) attempt ${attempt} ended here after another worker took it up: its result is left to that worker`);
      // Cancelled: failed, even when the handler returned what it had done so far (a sync does).
      const actor = cancelledBy(controller.signal);
      if (actor !== null) return await this.cancelled(engineJob, job, attempt, actor);
      // Stopped midway (a sync returns what it stored so far): handed back, to be resumed.
      if (controller.signal.aborted && !this.running) return await this.failed(engineJob, job, attempt, new Error('the worker is stopping'), true);
      if (await this.jobs.finishAttempt(id, attempt, { result: result ?? null })) {
        await boss.complete(engineJob.name, engineJob.id);
        this.log(`job ${id} (${job.kind}) succeeded`);
      }
    } catch (error) {
      if (superseded) return this.log(`job ${id} (${job.kind}) attempt ${attempt} stopped: another worker took it up`);
      const actor = cancelledBy(controller.signal) ?? (await this.jobs.cancelRequestedBy(id).catch(() => null));
      if (actor !== null) return await this.cancelled(engineJob, job, attempt, actor);
      await this.failed(engineJob, job, attempt, error, controller.signal.aborted && !this.running);
    } finally {
      clearInterval(fence);
      unwatch();
      this.current = null;
      this.currentJob = null;
    }
  }

  /** Records an attempt an admin cancelled: the row failed `cancelled by <actor>`, the engine's copy cancelled (no retry). */
  private async cancelled(engineJob: PgBoss.JobWithMetadata<EngineJobData>, job: Job, attempt: number, actor: string): Promise<void> {
    const text = cancelledText(actor);
    if (await this.jobs.finishAttempt(job.id, attempt, { error: text, detail: text })) await this.engine.boss.cancel(engineJob.name, engineJob.id);
    this.log(`job ${job.id} (${job.kind}) attempt ${attempt} ${text}`);
  }

  /** Records a failed attempt: retried by the engine (a stop, a PACS or internal error) or final. */
  private async failed(engineJob: PgBoss.JobWithMetadata<EngineJobData>, job: Job, attempt: number, error: unknown, stopping: boolean): Promise<void> {
    const { boss } = this.engine;
    const text = jobErrorText(job.kind, error);
    const retriesLeft = engineJob.retryCount < engineJob.retryLimit;
    if (permanent(error) && !stopping) {
      if (await this.jobs.finishAttempt(job.id, attempt, { error: text.public, detail: text.detail })) await boss.cancel(engineJob.name, engineJob.id);
      this.log(`job ${job.id} (${job.kind}) failed: ${text.detail}`);
      return;
    }
    const outcome = retriesLeft
      ? { retry: stopping ? 'resumed: its worker stopped' : `attempt ${attempt} failed (${text.public}); retrying` }
      : { error: stopping ? 'interrupted: its worker stopped' : text.public, detail: stopping ? 'interrupted: its worker stopped' : text.detail };
    if (await this.jobs.finishAttempt(job.id, attempt, outcome)) await boss.fail(engineJob.name, engineJob.id, { error: text.detail });
    this.log(`job ${job.id} (${job.kind}) attempt ${attempt} ${stopping ? 'stopped with its worker' : `failed: ${text.detail}`}; ${retriesLeft ? 'the engine retries it' : 'no retries left'}`);
  }
}
