import { createHash } from 'crypto';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { InvalidInputError } from '../../core/errors';
import { reportProgress, type ProgressCallback } from '../../core/progress';
import { validateGrayImage } from '../grayImage';
import type { Encoder, GrayImage } from '../types';
import { networkInput } from './networkInput';
import type { SelfSupervisedTrainingSummary } from './trainSelfSupervised';

export const SELF_SUPERVISED_ENCODER_ID = 'self-supervised';

/**
 * Bump when the preprocessing or pooling of {@link SelfSupervisedEncoder.embed} changes: it is
 * folded into the version, so embeddings cached by an older build are not reused.
 */
const EMBED_CODE_VERSION = 1;

/** Options of {@link SelfSupervisedEncoder.create}. */
export interface SelfSupervisedEncoderOptions {
  /** Images per forward pass; default 32. */
  readonly batchSize?: number;
  /** What the training did, kept to be saved with the weights; absent when unknown. */
  readonly training?: SelfSupervisedTrainingSummary;
}

/**
 * The `self-supervised` encoder: a representation network trained on the site's own pool by
 * `trainSelfSupervised`. Each image is resized bilinearly to S × S and z-scored (exactly an
 * un-augmented training view), run through the network (BatchNorm in inference mode, so each
 * image's vector does not depend on its batch), and the pooled vector is L2-normalised.
 *
 * `version` is `self-supervised@` + 12 hex digits of a sha256 over the input size, the weight
 * shapes and bytes (and the embed code version), so embeddings cached from one training are never
 * served for another.
 */
export class SelfSupervisedEncoder implements Encoder {
  readonly id = SELF_SUPERVISED_ENCODER_ID;
  readonly description = 'Site-trained CNN: contrastive (SimCLR) training on the unlabelled pool, L2-normalised (128-d by default; no labels, no download)';

  private constructor(
    /** The representation network; owned by the encoder (disposed by {@link dispose}). */
    readonly network: tfl.LayersModel,
    readonly version: string,
    /** Side S of the network's input. */
    readonly inputSize: number,
    private readonly dims: number,
    private readonly batchSize: number,
    /** What the training did, when known. */
    readonly training: SelfSupervisedTrainingSummary | undefined,
  ) {}

  /**
   * Wraps `network` (`[b, S, S, 1]` → `[b, D]`), taking ownership of it. Throws
   * {@link InvalidInputError} when its shapes are not those of a representation network.
   */
  static async create(network: tfl.LayersModel, options: SelfSupervisedEncoderOptions = {}): Promise<SelfSupervisedEncoder> {
    const batchSize = options.batchSize ?? 32;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new InvalidInputError('invalid-option', `batchSize must be a positive integer, got ${batchSize}`);
    const { inputSize, dims } = representationShape(network);
    const version = `${SELF_SUPERVISED_ENCODER_ID}@${(await weightsSha256(network, inputSize)).slice(0, 12)}`;
    return new SelfSupervisedEncoder(network, version, inputSize, dims, batchSize, options.training);
  }

  dimensions(): number {
    return this.dims;
  }

  async embed(images: readonly GrayImage[], onProgress?: ProgressCallback): Promise<Float32Array> {
    images.forEach((image, i) => validateGrayImage(image, i));
    const stage = `embed:${this.id}`;
    const size = this.inputSize;
    const pixels = size * size;
    const out = new Float32Array(images.length * this.dims);
    reportProgress(onProgress, stage, 0);
    for (let start = 0; start < images.length; start += this.batchSize) {
      const batch = images.slice(start, start + this.batchSize);
      const input = new Float32Array(batch.length * pixels);
      batch.forEach((image, i) => input.set(networkInput(image, size).data, i * pixels));
      const features = tf.tidy(() => this.network.predict(tf.tensor4d(input, [batch.length, size, size, 1])) as tf.Tensor2D);
      const values = (await features.data()) as Float32Array;
      features.dispose();
      for (let i = 0; i < batch.length; i++) l2NormalizeInto(out, (start + i) * this.dims, values.subarray(i * this.dims, (i + 1) * this.dims));
      reportProgress(onProgress, stage, (start + batch.length) / images.length);
    }
    return out;
  }

  dispose(): void {
    this.network.dispose();
  }
}

/** Input side S and representation length D of a `[b, S, S, 1]` → `[b, D]` network. */
function representationShape(network: tfl.LayersModel): { inputSize: number; dims: number } {
  const input = network.inputs[0]?.shape;
  const output = network.outputs[0]?.shape;
  const ok = network.inputs.length === 1 && network.outputs.length === 1 && input?.length === 4 && input[1] !== null && input[1] === input[2]
    && input[3] === 1 && output?.length === 2 && output[1] !== null;
  if (!ok) {
    throw new InvalidInputError('invalid-option', `a self-supervised representation network maps [b, S, S, 1] → [b, D]; this one maps [${String(input)}] → [${String(output)}]`);
  }
  return { inputSize: input[1] as number, dims: output[1] as number };
}

/** sha256 (hex) of what fixes the embeddings: code version, input size, weight shapes and bytes in order. */
async function weightsSha256(network: tfl.LayersModel, inputSize: number): Promise<string> {
  const hash = createHash('sha256');
  const weights = network.getWeights();
  hash.update(JSON.stringify({ code: EMBED_CODE_VERSION, inputSize, shapes: weights.map((w) => w.shape), dtypes: weights.map((w) => w.dtype) }));
  for (const w of weights) {
    const values = (await w.data()) as Float32Array;
    hash.update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  }
  return hash.digest('hex');
}

/** Writes `row / ‖row‖` at `offset`; an all-zero row (nothing activated) stays zero. */
function l2NormalizeInto(out: Float32Array, offset: number, row: Float32Array): void {
  let s = 0;
  for (let i = 0; i < row.length; i++) s += row[i]! * row[i]!;
  const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
  for (let i = 0; i < row.length; i++) out[offset + i] = row[i]! * inv;
}
