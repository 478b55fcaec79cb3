/**
 * Worker threads that decode and embed sync instances (syncWorker.ts), so that a sync uses every
 * core: the main thread lists, retrieves and stores while the workers decode, resize, embed and
 * make thumbnails. At most `workers` threads, started on demand and ended after `idleMs` unused
 * ({@link WorkerThreadPool}: a request whose sync stopped before a worker took it is dropped; a
 * worker that fails is replaced and its request refused).
 */
import { availableParallelism } from 'node:os';
import type { GrayImage } from '@scanselect/plugin';
import { WorkerThreadPool } from '../threads/workerThreadPool';
import type { EncoderSpec, InstanceResult, ProbeResult, SyncWorkerReply, SyncWorkerRequest } from './syncWorkerProtocol';

/** Settings of a {@link SyncWorkerPool}. */
export interface SyncWorkerPoolOptions {
  /** Worker threads at most (default `os.availableParallelism()`). */
  readonly workers?: number;
  /** A worker unused this long is ended (default 10 s). */
  readonly idleMs?: number;
}

/** An answer and the thread that computed it (never the main thread's id, 0). */
export interface FromWorker<T> {
  readonly value: T;
  readonly threadId: number;
}

/** A pool of sync worker threads; see the module comment. */
export class SyncWorkerPool {
  /** Worker threads at most. */
  readonly size: number;
  private readonly threads: WorkerThreadPool<SyncWorkerRequest, SyncWorkerReply>;

  constructor(options: SyncWorkerPoolOptions = {}) {
    this.size = Math.max(1, Math.floor(options.workers ?? availableParallelism()));
    this.threads = new WorkerThreadPool({ dir: __dirname, name: 'syncWorker', workers: this.size, idleMs: options.idleMs ?? 10_000 });
  }

  /** Builds `encoder` in a worker and embeds `image` with it. */
  probe(encoder: EncoderSpec, image: GrayImage, signal?: AbortSignal): Promise<FromWorker<ProbeResult>> {
    return this.ask({ kind: 'probe', encoder, image }, [], signal);
  }

  /**
   * Prepares one instance in a worker, and embeds it there with `encoder` unless that is null.
   * `bytes` are copied (the caller keeps them). A decoding failure is a result, not a rejection.
   */
  instance(bytes: Uint8Array, sopUid: string, inputSize: number, encoder: EncoderSpec | null, signal?: AbortSignal): Promise<FromWorker<InstanceResult>> {
    const copy = new Uint8Array(bytes);
    return this.ask({ kind: 'instance', bytes: copy, sopUid, inputSize, encoder }, [copy.buffer], signal);
  }

  /** Ends every worker; waiting requests are refused. */
  close(): Promise<void> {
    return this.threads.close();
  }

  private async ask<T extends ProbeResult | InstanceResult>(request: SyncWorkerRequest, transfer: ArrayBuffer[], signal: AbortSignal | undefined): Promise<FromWorker<T>> {
    const reply = await this.threads.run(request, transfer, signal);
    if (!reply.ok) throw new Error(`sync worker: ${reply.message}`);
    return { value: reply.value as T, threadId: reply.threadId };
  }
}

const shared = new Map<number, SyncWorkerPool>();

/**
 * The pool of `workers` threads (default `os.availableParallelism()`) that syncs of this process
 * share: one start-up for successive syncs; idle workers end by themselves.
 */
export function sharedSyncWorkerPool(workers = availableParallelism()): SyncWorkerPool {
  const size = Math.max(1, Math.floor(workers));
  let pool = shared.get(size);
  if (!pool) shared.set(size, (pool = new SyncWorkerPool({ workers: size })));
  return pool;
}

/** Ends the shared pools' workers now (at shutdown; they also end by themselves when idle). */
export async function closeSharedSyncWorkerPools(): Promise<void> {
  const pools = [...shared.values()];
  shared.clear();
  await Promise.all(pools.map((p) => p.close()));
}
