import { availableParallelism } from 'os';
import { Worker } from 'worker_threads';

/**
 * A tiny fork–join pool for data-parallel kernels over SharedArrayBuffers.
 *
 * Kernels are plain JavaScript function sources (`function (task) { … }`), because a worker
 * cannot load this module's TypeScript source under ts-jest; the same source text is compiled on
 * the main thread with `new Function`, so every thread runs literally the same code. A kernel
 * claims chunks of its index range from a shared atomic counter (`task.counter`) and writes one
 * result slot per index, so the output does not depend on which thread did which chunk: results
 * are identical for any thread count.
 */

/** The payload of one kernel run: SharedArrayBuffers and numbers only. */
export interface KernelTask {
  /** Name of the kernel to run. */
  readonly kernel: string;
  /** Int32 counter (one element) from which threads claim chunks; reset by {@link KernelPool.run}. */
  readonly counter: SharedArrayBuffer;
  readonly [key: string]: SharedArrayBuffer | number | string;
}

type KernelFunction = (task: KernelTask) => void;

interface WorkerReply {
  readonly ok: boolean;
  readonly error?: string;
}

/** Default thread count: at most 2, as the target machines have 2 cores and the gain flattens. */
export function defaultThreads(): number {
  return Math.max(1, Math.min(2, availableParallelism()));
}

function workerSource(kernels: Readonly<Record<string, string>>): string {
  const table = Object.entries(kernels).map(([name, src]) => `${JSON.stringify(name)}: (${src})`).join(',\n');
  return `'use strict';
const { parentPort } = require('worker_threads');
const kernels = {${table}};
parentPort.on('message', (task) => {
  try { kernels[task.kernel](task); parentPort.postMessage({ ok: true }); }
  catch (e) { parentPort.postMessage({ ok: false, error: String((e && e.stack) || e) }); }
});`;
}

/** Runs registered kernels on the main thread plus `threads − 1` worker threads. */
export class KernelPool {
  private readonly local = new Map<string, KernelFunction>();
  private readonly workers: Worker[] = [];
  private closed = false;

  /** @param threads total threads including the main one (1 = no workers). */
  constructor(threads: number, kernels: Readonly<Record<string, string>>) {
    for (const [name, src] of Object.entries(kernels)) {
      this.local.set(name, new Function(`'use strict'; return (${src});`)() as KernelFunction);
    }
    if (threads > 1) {
      const source = workerSource(kernels);
      for (let t = 1; t < threads; t++) this.workers.push(new Worker(source, { eval: true }));
    }
  }

  /** Number of threads taking part in a run. */
  get threads(): number {
    return this.workers.length + 1;
  }

  /** Runs `task` on all threads and resolves when every chunk is done. */
  async run(task: KernelTask): Promise<void> {
    if (this.closed) throw new Error('KernelPool: run after close');
    const kernel = this.local.get(task.kernel);
    if (!kernel) throw new Error(`KernelPool: unknown kernel ${task.kernel}`);
    Atomics.store(new Int32Array(task.counter), 0, 0);
    const pending = this.workers.map((w) => replyOf(w));
    for (const w of this.workers) w.postMessage(task);
    let localError: unknown = null;
    try {
      kernel(task);
    } catch (e) {
      localError = e;
    }
    const replies = await Promise.all(pending);
    if (localError) throw localError;
    const failed = replies.find((r) => !r.ok);
    if (failed) throw new Error(`KernelPool: worker failed: ${failed.error ?? 'unknown error'}`);
  }

  /** Terminates the workers; idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}

function replyOf(worker: Worker): Promise<WorkerReply> {
  return new Promise((resolve) => {
    const onMessage = (reply: WorkerReply): void => {
      worker.off('error', onError);
      resolve(reply);
    };
    const onError = (err: Error): void => {
      worker.off('message', onMessage);
      resolve({ ok: false, error: err.message });
    };
    worker.once('message', onMessage);
    worker.once('error', onError);
  });
}

/** Allocates a Float64Array on a SharedArrayBuffer (so that workers can see it). */
export function sharedFloat64(length: number): Float64Array {
  return new Float64Array(new SharedArrayBuffer(Math.max(1, length) * 8));
}

/** Allocates an Int32Array on a SharedArrayBuffer. */
export function sharedInt32(length: number): Int32Array {
  return new Int32Array(new SharedArrayBuffer(Math.max(1, length) * 4));
}

/** Allocates a Uint8Array on a SharedArrayBuffer. */
export function sharedUint8(length: number): Uint8Array {
  return new Uint8Array(new SharedArrayBuffer(Math.max(1, length)));
}

/** The buffer of a shared typed array, typed for a {@link KernelTask}. */
export function bufferOf(array: Float64Array | Int32Array | Uint8Array): SharedArrayBuffer {
  return array.buffer as SharedArrayBuffer;
}
