/**
 * A small pool of worker threads running one module ({@link startWorkerThread}), one request at a
 * time per thread: the worker answers each message it is sent with exactly one message.
 *
 * At most `workers` threads, started on demand and ended after `idleMs` unused; requests beyond
 * them wait in order. A worker keeps the process alive only while it works. A worker that fails
 * — an uncaught error, out of memory (`resourceLimits`), exit, or a request longer than
 * `timeoutMs` — is ended and replaced, and its request refused with a {@link WorkerThreadFailure}
 * saying why; so is a request whose signal aborted before a worker took it, and every request
 * once the pool is closed. The caller words these for its own users.
 */
import type { ResourceLimits, Worker } from 'node:worker_threads';
import { startWorkerThread } from './startWorkerThread';

/** Settings of a {@link WorkerThreadPool}. */
export interface WorkerThreadPoolOptions {
  /** The worker module: `<dir>/<name>.js`, or its `.ts` source where there is no build. */
  readonly dir: string;
  readonly name: string;
  /** Worker threads at most (≥ 1). */
  readonly workers: number;
  /** A worker unused this long is ended. */
  readonly idleMs: number;
  /** V8 heap limits of each worker. */
  readonly resourceLimits?: ResourceLimits;
  /** A request taking longer ends its worker (default: no limit). */
  readonly timeoutMs?: number;
}

/** Why the pool refused a request (the worker's own answer is the reply, whatever it says). */
export type WorkerThreadFailureReason = 'closed' | 'stopped' | 'timeout' | 'out-of-memory' | 'exited' | 'error';

/** A request the pool could not have answered; see {@link WorkerThreadFailureReason}. */
export class WorkerThreadFailure extends Error {
  constructor(readonly reason: WorkerThreadFailureReason, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WorkerThreadFailure';
  }
}

interface Job<Request, Reply> {
  readonly request: Request;
  readonly transfer: readonly ArrayBuffer[];
  readonly signal: AbortSignal | undefined;
  resolve(reply: Reply): void;
  reject(error: Error): void;
}

/** See the module comment. */
export class WorkerThreadPool<Request, Reply> {
  private readonly idle: Array<{ worker: Worker; timer: NodeJS.Timeout }> = [];
  private readonly queue: Array<Job<Request, Reply>> = [];
  private readonly live = new Set<Worker>();
  private closed = false;

  constructor(private readonly options: WorkerThreadPoolOptions) {}

  /** Requests waiting for a worker. */
  get waiting(): number {
    return this.queue.length;
  }

  /**
   * Sends `request` (with `transfer` moved, not copied) to a worker and resolves with its answer.
   * A request still waiting when `signal` aborts is refused (`stopped`) without running.
   */
  run(request: Request, transfer: readonly ArrayBuffer[] = [], signal?: AbortSignal): Promise<Reply> {
    if (this.closed) return Promise.reject(new WorkerThreadFailure('closed', 'the worker pool is closed'));
    return new Promise((resolve, reject) => {
      this.queue.push({ request, transfer, signal, resolve, reject });
      this.pump();
    });
  }

  /** Ends every worker; waiting requests are refused (`closed`), running ones too (`exited`). */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new WorkerThreadFailure('closed', 'the worker pool is closed'));
    for (const { timer } of this.idle.splice(0)) clearTimeout(timer);
    await Promise.all([...this.live].map((w) => w.terminate()));
    this.live.clear();
  }

  private pump(): void {
    while (this.queue.length > 0 && (this.idle.length > 0 || this.live.size < this.options.workers)) {
      const job = this.queue.shift()!;
      if (job.signal?.aborted) {
        job.reject(new WorkerThreadFailure('stopped', 'the request was withdrawn before a worker took it'));
        continue;
      }
      const reused = this.idle.pop();
      if (reused) clearTimeout(reused.timer);
      this.dispatch(reused?.worker ?? this.spawn(), job);
    }
  }

  private spawn(): Worker {
    const { dir, name, resourceLimits } = this.options;
    const worker = startWorkerThread(dir, name, resourceLimits ? { resourceLimits } : {});
    this.live.add(worker);
    return worker;
  }

  private dispatch(worker: Worker, job: Job<Request, Reply>): void {
    let settled = false;
    const finish = (outcome: () => void, keepWorker: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      if (keepWorker) this.release(worker);
      else this.discard(worker);
      outcome();
      this.pump();
    };
    const onMessage = (reply: Reply): void => finish(() => job.resolve(reply), true);
    const onError = (error: Error & { code?: string }): void => finish(() => job.reject(error.code === 'ERR_WORKER_OUT_OF_MEMORY'
      ? new WorkerThreadFailure('out-of-memory', 'the worker thread ran out of memory', { cause: error })
      : new WorkerThreadFailure('error', `the worker thread failed: ${error.message}`, { cause: error })), false);
    const onExit = (code: number): void => finish(() => job.reject(new WorkerThreadFailure('exited', `the worker thread stopped (exit code ${code})`)), false);
    const { timeoutMs } = this.options;
    const timer = timeoutMs === undefined ? undefined
      : setTimeout(() => finish(() => job.reject(new WorkerThreadFailure('timeout', `the worker thread took longer than ${timeoutMs / 1000} s`)), false), timeoutMs);
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
    worker.ref(); // a caller waiting for its answer keeps the process alive
    worker.postMessage(job.request, [...job.transfer]);
  }

  private release(worker: Worker): void {
    if (this.closed) return void this.discard(worker);
    worker.unref(); // an idle pool never keeps the process alive
    const timer = setTimeout(() => {
      const at = this.idle.findIndex((i) => i.worker === worker);
      if (at >= 0) this.idle.splice(at, 1);
      this.discard(worker);
    }, this.options.idleMs);
    timer.unref();
    this.idle.push({ worker, timer });
  }

  private discard(worker: Worker): void {
    this.live.delete(worker);
    void worker.terminate();
  }
}
