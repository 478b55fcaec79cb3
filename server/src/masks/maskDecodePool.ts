/**
 * Decodes uploaded masks in worker threads, so that a large (or hostile) upload never holds the
 * event loop: `/api/health` and every other request are answered while it decodes.
 *
 * A small pool: at most `workers` threads, started on demand and ended after `idleMs` unused,
 * each with a V8 heap limit (`resourceLimits`); requests beyond them wait in a bounded queue
 * (503 `decoder-busy` beyond it). A worker that runs out of memory or time is ended and replaced;
 * its request is refused with 413 `too-large`.
 *
 * The pool itself — threads started on demand, idle ones ended, a failed or slow one replaced —
 * is a {@link WorkerThreadPool}; this class words its refusals as AppErrors. The worker runs the
 * compiled `maskDecodeWorker.js` next to this module (server/dist), or under ts-jest its
 * TypeScript source ({@link startWorkerThread}) — the tests exercise the real worker thread, not
 * an in-thread fallback. The t-SNE pool (plugin/src/projection/kernelPool.ts) avoids modules in
 * its workers altogether; a mask decode needs pngjs, dcmjs and the engine, so it cannot.
 */
import { availableParallelism } from 'node:os';
import { AppError } from '../appError';
import { WorkerThreadFailure, WorkerThreadPool } from '../threads/workerThreadPool';
import type { DecodedMask, MaskDecodeRequest } from './decodeMask';
import type { MaskDecodeReply } from './maskDecodeWorker';

/** Settings of a {@link MaskDecodePool}. */
export interface MaskDecodePoolOptions {
  /** Worker threads at most (default: 2, or 1 on a single core). */
  readonly workers?: number;
  /** Requests that may wait for a worker (default 8; each holds its upload). */
  readonly maxQueued?: number;
  /** V8 old-generation heap of a worker in MB (default 256). Typed arrays live outside it. */
  readonly heapMb?: number;
  /** A decode taking longer is ended (default 60 s). */
  readonly timeoutMs?: number;
  /** A worker unused this long is ended (default 30 s). */
  readonly idleMs?: number;
}

/** A decoded mask and the thread that decoded it (never the main thread's id, 0). */
export type DecodedInWorker = DecodedMask & { readonly threadId: number };

/** A pool of mask decode worker threads; see the module comment. */
export class MaskDecodePool {
  private readonly maxQueued: number;
  private readonly heapMb: number;
  private readonly timeoutMs: number;
  private readonly threads: WorkerThreadPool<MaskDecodeRequest, MaskDecodeReply>;
  private closed = false;

  constructor(options: MaskDecodePoolOptions = {}) {
    this.maxQueued = options.maxQueued ?? 8;
    this.heapMb = options.heapMb ?? 256;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.threads = new WorkerThreadPool({
      dir: __dirname, name: 'maskDecodeWorker', workers: Math.max(1, options.workers ?? Math.min(2, availableParallelism())), idleMs: options.idleMs ?? 30_000,
      timeoutMs: this.timeoutMs, resourceLimits: { maxOldGenerationSizeMb: this.heapMb, maxYoungGenerationSizeMb: 32 },
    });
  }

  /**
   * Decodes `request` in a worker thread.
   *
   * @throws AppError what {@link decodeMask} throws (status and code kept); 413 `too-large` when
   *   the worker runs out of memory or time; 503 `decoder-busy` when too many uploads wait.
   */
  async decode(request: MaskDecodeRequest): Promise<DecodedInWorker> {
    if (this.closed) throw new AppError(503, 'decoder-busy', 'the mask decoder is shutting down');
    if (this.threads.waiting >= this.maxQueued) {
      throw new AppError(503, 'decoder-busy', `${this.threads.waiting} masks are waiting to be decoded; send this one again shortly`);
    }
    // Copied, not transferred: the caller keeps its bytes (a SEG is stored as uploaded).
    const reply = await this.threads.run(request).catch((error: unknown) => Promise.reject(this.refusal(error)));
    if (!reply.ok) throw errorOf(reply);
    return decodedOf(reply);
  }

  /** Ends every worker; waiting requests are refused. */
  async close(): Promise<void> {
    this.closed = true;
    await this.threads.close();
  }

  /** What the pool's own refusals mean for an upload. */
  private refusal(error: unknown): unknown {
    if (!(error instanceof WorkerThreadFailure)) return error;
    switch (error.reason) {
      case 'out-of-memory': return new AppError(413, 'too-large', `decoding the mask needed more than the decoder's ${this.heapMb} MB of memory`);
      case 'timeout': return new AppError(413, 'too-large', `decoding the mask took longer than ${this.timeoutMs / 1000} s`);
      case 'closed': case 'stopped': return new AppError(503, 'decoder-busy', 'the mask decoder is shutting down');
      case 'exited': return new Error(`the mask decode worker stopped: ${error.message}`);
      case 'error': return error.cause ?? error;
    }
  }
}

function decodedOf({ labels, labelPng, classesPresent, segSopUid, threadId }: Extract<MaskDecodeReply, { ok: true }>): DecodedInWorker {
  return { labels, labelPng, classesPresent, segSopUid, threadId };
}

function errorOf(reply: Extract<MaskDecodeReply, { ok: false }>): Error {
  return reply.status === null ? new Error(`mask decode failed in its worker: ${reply.message}`) : new AppError(reply.status, reply.code, reply.message);
}
