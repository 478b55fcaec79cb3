/**
 * Decodes uploaded masks in worker threads, so that a large (or hostile) upload never holds the
 * event loop: `/api/health` and every other request are answered while it decodes.
 *
 * A small pool: at most `workers` threads, started on demand and ended after `idleMs` unused,
 * each with a V8 heap limit (`resourceLimits`); requests beyond them wait in a bounded queue
 * (503 `decoder-busy` beyond it). A worker that runs out of memory or time is ended and replaced;
 * its request is refused with 413 `too-large`.
 *
 * The worker runs the compiled `maskDecodeWorker.js` next to this module (server/dist). Under
 * ts-jest there is no compiled file next to the source, so the worker is started from a small
 * bootstrap that compiles the TypeScript sources it requires with `typescript.transpileModule`
 * (what ts-jest does for the main thread) — the tests exercise the real worker thread, not an
 * in-thread fallback. The t-SNE pool (plugin/src/projection/kernelPool.ts) avoids modules in
 * its workers altogether; a mask decode needs pngjs, dcmjs and the engine, so it cannot.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { AppError } from '../appError';
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

interface Job {
  readonly request: MaskDecodeRequest;
  resolve(value: DecodedInWorker): void;
  reject(error: Error): void;
}

const TS_BOOTSTRAP = `'use strict';
const Module = require('node:module');
const fs = require('node:fs');
const { workerData } = require('node:worker_threads');
const ts = require(workerData.typescript);
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return resolveFilename.call(this, workerData.aliases[request] || request, ...rest);
};
Module._extensions['.ts'] = (module, filename) => {
  const options = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true, inlineSourceMap: true };
  module._compile(ts.transpileModule(fs.readFileSync(filename, 'utf8'), { fileName: filename, compilerOptions: options }).outputText, filename);
};
require(workerData.entry);`;

/** Starts a worker on the compiled entry, or on the TypeScript source through {@link TS_BOOTSTRAP}. */
function startWorker(heapMb: number): Worker {
  const resourceLimits = { maxOldGenerationSizeMb: heapMb, maxYoungGenerationSizeMb: 32 };
  const compiled = path.join(__dirname, 'maskDecodeWorker.js');
  if (existsSync(compiled)) return new Worker(compiled, { resourceLimits });
  const workerData = {
    entry: path.join(__dirname, 'maskDecodeWorker.ts'),
    typescript: require.resolve('typescript'),
    aliases: { '@scanselect/plugin': path.resolve(__dirname, '../../../plugin/src/index.ts') },
  };
  // Compiling the engine's sources needs more heap than running it.
  return new Worker(TS_BOOTSTRAP, { eval: true, workerData, resourceLimits: { ...resourceLimits, maxOldGenerationSizeMb: heapMb + 256 } });
}

/** A pool of mask decode worker threads; see the module comment. */
export class MaskDecodePool {
  private readonly workers: number;
  private readonly maxQueued: number;
  private readonly heapMb: number;
  private readonly timeoutMs: number;
  private readonly idleMs: number;
  private readonly idle: Array<{ worker: Worker; timer: NodeJS.Timeout }> = [];
  private readonly queue: Job[] = [];
  private readonly live = new Set<Worker>();
  private closed = false;

  constructor(options: MaskDecodePoolOptions = {}) {
    this.workers = Math.max(1, options.workers ?? Math.min(2, availableParallelism()));
    this.maxQueued = options.maxQueued ?? 8;
    this.heapMb = options.heapMb ?? 256;
    this.timeoutMs = options.timeoutMs ?? 60_000;
    this.idleMs = options.idleMs ?? 30_000;
  }

  /**
   * Decodes `request` in a worker thread.
   *
   * @throws AppError what {@link decodeMask} throws (status and code kept); 413 `too-large` when
   *   the worker runs out of memory or time; 503 `decoder-busy` when too many uploads wait.
   */
  decode(request: MaskDecodeRequest): Promise<DecodedInWorker> {
    if (this.closed) return Promise.reject(new AppError(503, 'decoder-busy', 'the mask decoder is shutting down'));
    if (this.queue.length >= this.maxQueued) {
      return Promise.reject(new AppError(503, 'decoder-busy', `${this.queue.length} masks are waiting to be decoded; send this one again shortly`));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.pump();
    });
  }

  /** Ends every worker; waiting requests are refused. */
  async close(): Promise<void> {
    this.closed = true;
    for (const job of this.queue.splice(0)) job.reject(new AppError(503, 'decoder-busy', 'the mask decoder is shutting down'));
    for (const { timer } of this.idle.splice(0)) clearTimeout(timer);
    await Promise.all([...this.live].map((w) => w.terminate()));
    this.live.clear();
  }

  private pump(): void {
    while (this.queue.length > 0 && (this.idle.length > 0 || this.live.size < this.workers)) {
      const reused = this.idle.pop();
      if (reused) clearTimeout(reused.timer);
      const worker = reused?.worker ?? this.spawn();
      this.run(worker, this.queue.shift()!);
    }
  }

  private spawn(): Worker {
    const worker = startWorker(this.heapMb);
    worker.unref(); // an idle pool never keeps the process alive
    this.live.add(worker);
    return worker;
  }

  private run(worker: Worker, job: Job): void {
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
    const onMessage = (reply: MaskDecodeReply): void => finish(() => (reply.ok ? job.resolve(decodedOf(reply)) : job.reject(errorOf(reply))), true);
    const onError = (error: Error & { code?: string }): void => {
      const outOfMemory = error.code === 'ERR_WORKER_OUT_OF_MEMORY';
      finish(() => job.reject(outOfMemory ? new AppError(413, 'too-large', `decoding the mask needed more than the decoder's ${this.heapMb} MB of memory`) : error), false);
    };
    const onExit = (code: number): void => finish(() => job.reject(new Error(`the mask decode worker stopped (exit code ${code})`)), false);
    const timer = setTimeout(() => finish(() => job.reject(new AppError(413, 'too-large', `decoding the mask took longer than ${this.timeoutMs / 1000} s`)), false), this.timeoutMs);
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
    worker.postMessage(job.request); // copied: the caller keeps its bytes (a SEG is stored as uploaded)
  }

  private release(worker: Worker): void {
    if (this.closed) return void worker.terminate();
    const timer = setTimeout(() => {
      const at = this.idle.findIndex((i) => i.worker === worker);
      if (at >= 0) this.idle.splice(at, 1);
      this.discard(worker);
    }, this.idleMs);
    timer.unref();
    this.idle.push({ worker, timer });
  }

  private discard(worker: Worker): void {
    this.live.delete(worker);
    void worker.terminate();
  }
}

function decodedOf({ labels, labelPng, classesPresent, segSopUid, threadId }: Extract<MaskDecodeReply, { ok: true }>): DecodedInWorker {
  return { labels, labelPng, classesPresent, segSopUid, threadId };
}

function errorOf(reply: Extract<MaskDecodeReply, { ok: false }>): Error {
  return reply.status === null ? new Error(`mask decode failed in its worker: ${reply.message}`) : new AppError(reply.status, reply.code, reply.message);
}
