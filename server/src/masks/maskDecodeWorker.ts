/**
 * The mask decode worker thread: decodes each request it is sent ({@link decodeMask}) and
 * answers the label map and its PNG (transferred, not copied) or the error — an AppError keeps
 * its status and code. Started by {@link MaskDecodePool}; never imported by the main thread.
 */
import { parentPort, threadId } from 'node:worker_threads';
import { AppError } from '../appError';
import { decodeMask, type DecodedMask, type MaskDecodeRequest } from './decodeMask';

/** What the worker answers for one request. */
export type MaskDecodeReply =
  | ({ readonly ok: true; readonly threadId: number } & DecodedMask)
  | { readonly ok: false; readonly status: number | null; readonly code: string; readonly message: string };

const port = parentPort;
if (!port) throw new Error('maskDecodeWorker runs only as a worker thread (see maskDecodePool.ts)');
port.on('message', (request: MaskDecodeRequest) => {
  let reply: MaskDecodeReply;
  try {
    reply = { ok: true, threadId, ...decodeMask(request) };
  } catch (error) {
    reply = error instanceof AppError
      ? { ok: false, status: error.status, code: error.code, message: error.message }
      : { ok: false, status: null, code: 'internal', message: error instanceof Error ? (error.stack ?? error.message) : String(error) };
  }
  port.postMessage(reply, reply.ok ? [reply.labels.buffer as ArrayBuffer, reply.labelPng.buffer as ArrayBuffer] : []);
});
