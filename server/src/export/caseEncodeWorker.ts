/**
 * The case encode worker thread: encodes each request it is sent ({@link encodeCase}) and
 * answers the two files (transferred, not copied) or the error — `invalidImage` when the source's
 * instance or the stored mask cannot be read as an image. Started by {@link CaseEncoder}; never
 * imported by the main thread.
 */
import { parentPort } from 'node:worker_threads';
import { ScanSelectError } from '@scanselect/plugin';
import { encodeCase, type CaseEncodeRequest, type EncodedCase } from './encodeCase';

/** What the worker answers for one request. */
export type CaseEncodeReply =
  | ({ readonly ok: true } & EncodedCase)
  | { readonly ok: false; readonly invalidImage: boolean; readonly message: string };

const port = parentPort;
if (!port) throw new Error('caseEncodeWorker runs only as a worker thread (see caseEncoder.ts)');
port.on('message', (request: CaseEncodeRequest) => {
  encodeCase(request).then(
    (encoded) => {
      const image = ownBuffer(encoded.image);
      const mask = ownBuffer(encoded.mask);
      port.postMessage({ ok: true, ...encoded, image, mask } satisfies CaseEncodeReply, [image.buffer as ArrayBuffer, mask.buffer as ArrayBuffer]);
    },
    (error: unknown) => port.postMessage({
      ok: false,
      invalidImage: error instanceof ScanSelectError, // the engine's and the DICOM readers' errors (DicomObjectError is one)
      message: error instanceof Error ? (error.stack ?? error.message) : String(error),
    } satisfies CaseEncodeReply),
  );
});

/** `bytes` alone in a buffer of its own, so that transferring it moves nothing else (a small Buffer shares Node's pool). */
function ownBuffer(bytes: Uint8Array): Uint8Array {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) return bytes;
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return copy;
}
