/**
 * Encodes the cases of one export in a worker thread of its own ({@link encodeCase} in
 * caseEncodeWorker.ts), so that decoding and deflating radiographs never holds the API's event
 * loop. One thread per export, ended with it ({@link CaseEncoder.close}); a thread that runs out
 * of memory or time is ended and the export fails.
 */
import { WorkerThreadFailure, WorkerThreadPool } from '../threads/workerThreadPool';
import type { CaseEncodeReply } from './caseEncodeWorker';
import type { CaseEncodeRequest, EncodedCase } from './encodeCase';

/** The source's instance (or the stored mask) of a case cannot be read as an image. */
export class InvalidCaseImageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidCaseImageError';
  }
}

/** Encodes cases; see the module comment. */
export interface CaseEncoder {
  encode(request: CaseEncodeRequest): Promise<EncodedCase>;
  close(): Promise<void>;
}

const HEAP_MB = 512;
const TIMEOUT_MS = 120_000;

/** A {@link CaseEncoder} on one worker thread. */
export function workerCaseEncoder(): CaseEncoder {
  const threads = new WorkerThreadPool<CaseEncodeRequest, CaseEncodeReply>({
    dir: __dirname, name: 'caseEncodeWorker', workers: 1, idleMs: 10_000, timeoutMs: TIMEOUT_MS,
    resourceLimits: { maxOldGenerationSizeMb: HEAP_MB, maxYoungGenerationSizeMb: 32 },
  });
  return {
    encode: async (request) => {
      // Copied, not transferred: a source may hand out a view into a buffer it shares.
      const reply = await threads.run(request).catch((error: unknown) => Promise.reject(refusal(error, request.label)));
      if (!reply.ok) throw reply.invalidImage ? new InvalidCaseImageError(reply.message.split('\n')[0]!) : new Error(`encoding ${request.label} failed in its worker: ${reply.message}`);
      return { image: reply.image, mask: reply.mask, width: reply.width, height: reply.height };
    },
    close: () => threads.close(),
  };
}

function refusal(error: unknown, label: string): unknown {
  if (!(error instanceof WorkerThreadFailure)) return error;
  if (error.reason === 'out-of-memory') return new Error(`encoding ${label} needed more than the encoder's ${HEAP_MB} MB of memory`);
  if (error.reason === 'timeout') return new Error(`encoding ${label} took longer than ${TIMEOUT_MS / 1000} s`);
  return new Error(`encoding ${label} failed: ${error.message}`);
}
