/**
 * Where a sync decodes and embeds the instances it retrieved: on this thread, or in a
 * {@link SyncWorkerPool}. Workers always decode, resize and make thumbnails; they also embed when
 * their own encoder (built from the encoder's id and options) has the same version as this
 * thread's and embeds a probe image to the same bits. Otherwise — an encoder that cannot be built
 * in a worker (an encoder registered only on this thread, a model the worker cannot load) or one
 * that computes differently there (another compute backend) — the sync embeds on this thread what
 * the workers prepared, and says why. Either way the stored embeddings are the ones this thread's
 * encoder gives.
 */
import type { Encoder, GrayImage } from '@scanselect/plugin';
import { prepareInstance } from './prepareInstance';
import type { SyncWorkerPool } from './syncWorkerPool';
import type { EncoderSpec, InstanceResult } from './syncWorkerProtocol';

/** Where a sync's instances were processed. */
export interface SyncThreads {
  /** Worker threads that decoded them (0: this thread decoded every one). */
  readonly workers: number;
  /** Where they were embedded. */
  readonly embeddedIn: 'workers' | 'main thread';
  /** Why they were embedded on this thread although workers decoded them. */
  readonly note?: string;
}

/** Decodes (and maybe embeds) retrieved instances; see the module comment. */
export interface InstanceProcessor {
  /** Prepared (to be embedded on this thread), embedded, or failed to decode. */
  process(bytes: Uint8Array, sopUid: string): Promise<InstanceResult>;
  /** Where the instances processed so far were processed. */
  threads(): Promise<SyncThreads>;
}

/** Everything on this thread: prepare here, embed at store time. */
export function processOnThisThread(inputSize: number): InstanceProcessor {
  return {
    process: (bytes, sopUid) => prepareInstance(bytes, sopUid, inputSize),
    threads: async () => ({ workers: 0, embeddedIn: 'main thread' }),
  };
}

/**
 * In `pool`'s workers, embedding there with `spec` when that gives what `encoder` gives. The check
 * runs once, when the first instance arrives (a sync with nothing new starts no worker). Requests
 * still queued when `signal` aborts are dropped.
 */
export function processInWorkers(pool: SyncWorkerPool, spec: EncoderSpec, encoder: Encoder, inputSize: number, signal: AbortSignal): InstanceProcessor {
  let decision: Promise<{ encoder: EncoderSpec | null; note?: string }> | null = null;
  const decide = async (): Promise<{ encoder: EncoderSpec | null; note?: string }> => {
    const image = probeImage(inputSize);
    const [mine, theirs] = await Promise.all([encoder.embed([image]), pool.probe(spec, image, signal).then((r) => r.value, () => null)]);
    if (theirs === null) return { encoder: null, note: `the ${spec.id} encoder could not be built in a worker thread` };
    if (theirs.version !== encoder.version) return { encoder: null, note: `the ${spec.id} encoder of the worker threads has another version` };
    if (!sameBits(mine, theirs.embedding)) return { encoder: null, note: `the ${spec.id} encoder of the worker threads embeds differently` };
    return { encoder: spec };
  };
  return {
    process: async (bytes, sopUid) => {
      const { encoder: inWorker } = await (decision ??= decide());
      return (await pool.instance(bytes, sopUid, inputSize, inWorker, signal)).value;
    },
    threads: async () => {
      if (decision === null) return { workers: 0, embeddedIn: 'main thread' };
      const { encoder: inWorker, note } = await decision;
      return { workers: pool.size, embeddedIn: inWorker ? 'workers' : 'main thread', ...(note !== undefined && { note }) };
    },
  };
}

/** A fixed image with structure at every scale, to compare two encoders on. */
function probeImage(size: number): GrayImage {
  const data = new Float32Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) data[y * size + x] = ((x * 31 + y * 17) % 251) + 40 * Math.sin(x / 5) * Math.cos(y / 7);
  }
  return { width: size, height: size, data };
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;
}
