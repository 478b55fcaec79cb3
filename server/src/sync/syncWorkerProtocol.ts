/** Messages between {@link SyncWorkerPool} and its worker threads (syncWorker.ts): one answer per request. */
import type { EncoderOptions, GrayImage } from '@scanselect/plugin';
import type { EmbeddedInstance, FailedInstance, PreparedInstance } from './prepareInstance';

/** What a worker needs to build an encoder of its own: the registry id and the factory's options. */
export interface EncoderSpec {
  readonly id: string;
  readonly options: EncoderOptions;
}

/** What the pool asks of a worker. */
export type SyncWorkerRequest =
  /** Build the encoder and embed `image`: the caller compares the result with its own encoder's. */
  | { readonly kind: 'probe'; readonly encoder: EncoderSpec; readonly image: GrayImage }
  /** Prepare one instance, and embed it unless `encoder` is null. */
  | { readonly kind: 'instance'; readonly bytes: Uint8Array; readonly sopUid: string; readonly inputSize: number; readonly encoder: EncoderSpec | null };

/** What a probe answers. */
export interface ProbeResult {
  readonly version: string;
  readonly embedding: Float32Array;
}

/** What an instance request answers: embedded, prepared only (`encoder: null`), or failed to decode. */
export type InstanceResult = EmbeddedInstance | PreparedInstance | FailedInstance;

/** A worker's answer; `ok: false` is an error other than a decoding failure (a bug, or the encoder). */
export type SyncWorkerReply =
  | { readonly ok: true; readonly threadId: number; readonly value: ProbeResult | InstanceResult }
  | { readonly ok: false; readonly message: string };
