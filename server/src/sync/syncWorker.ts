/**
 * A sync worker thread: prepares (decode → grey → resize → thumbnail) and, when asked, embeds one
 * instance per request with an encoder it builds itself from the encoder's id and options (the
 * last one built is kept for the next request). Started by {@link SyncWorkerPool}; never imported
 * by the main thread.
 */
import { parentPort, threadId } from 'node:worker_threads';
import { createEncoder, createEncoderRegistry, type Encoder } from '@scanselect/plugin';
import { embedPrepared, prepareInstance } from './prepareInstance';
import type { EncoderSpec, SyncWorkerReply, SyncWorkerRequest } from './syncWorkerProtocol';

const port = parentPort;
if (!port) throw new Error('syncWorker runs only as a worker thread (see syncWorkerPool.ts)');

const registry = createEncoderRegistry();
let built: { key: string; encoder: Promise<Encoder> } | null = null;

/** The encoder of `spec`, built once and kept until another one is asked for. */
function encoderFor(spec: EncoderSpec): Promise<Encoder> {
  const key = JSON.stringify([spec.id, spec.options]);
  if (built?.key !== key) {
    void built?.encoder.then((e) => e.dispose(), () => undefined);
    const entry = { key, encoder: createEncoder(registry, spec.id, spec.options) };
    entry.encoder.catch(() => {
      if (built === entry) built = null; // a failed build is tried again by the next request
    });
    built = entry;
  }
  return built.encoder;
}

async function handle(request: SyncWorkerRequest): Promise<{ reply: SyncWorkerReply; transfer: ArrayBuffer[] }> {
  if (request.kind === 'probe') {
    const encoder = await encoderFor(request.encoder);
    const embedding = owned(await encoder.embed([request.image]));
    return { reply: { ok: true, threadId, value: { version: encoder.version, embedding } }, transfer: [embedding.buffer] };
  }
  const prepared = await prepareInstance(request.bytes, request.sopUid, request.inputSize);
  if ('error' in prepared) return { reply: { ok: true, threadId, value: prepared }, transfer: [] };
  const transfer: ArrayBuffer[] = [];
  // Copies of their own: a Buffer may share a pooled ArrayBuffer, which cannot be transferred.
  const thumbnails = prepared.cases.map((c) => new Uint8Array(c.thumbnail));
  transfer.push(...thumbnails.map((t) => t.buffer));
  if (request.encoder === null) {
    const cases = prepared.cases.map((c, i) => ({ ...c, input: { ...c.input, data: owned(c.input.data) }, thumbnail: thumbnails[i]! }));
    transfer.push(...cases.map((c) => c.input.data.buffer));
    return { reply: { ok: true, threadId, value: { ...prepared, cases } }, transfer };
  }
  const embedded = await embedPrepared(prepared, await encoderFor(request.encoder));
  const cases = embedded.cases.map((c, i) => ({ ...c, embedding: owned(c.embedding), thumbnail: thumbnails[i]! }));
  transfer.push(...cases.map((c) => c.embedding.buffer));
  return { reply: { ok: true, threadId, value: { ...embedded, cases } }, transfer };
}

/** `values` if it spans its whole ArrayBuffer (so that it can be transferred), else a copy that does. */
function owned(values: Float32Array): Float32Array<ArrayBuffer> {
  const whole = values.buffer instanceof ArrayBuffer && values.byteOffset === 0 && values.byteLength === values.buffer.byteLength;
  return whole ? (values as Float32Array<ArrayBuffer>) : new Float32Array(values);
}

port.on('message', (request: SyncWorkerRequest) => {
  handle(request).then(
    ({ reply, transfer }) => port.postMessage(reply, transfer),
    (error: unknown) => port.postMessage({ ok: false, message: error instanceof Error ? (error.stack ?? error.message) : String(error) } satisfies SyncWorkerReply),
  );
});
