import { ProgressCallback } from '../core/progress';
import { Registrable } from '../core/registry';

/**
 * An already-decoded single-channel image: row-major, any intensity range (raw CT HU, 16-bit MR,
 * 8-bit PNG). Decoding is the imaging module's job; encoders only see pixels.
 */
export interface GrayImage {
  readonly width: number;
  readonly height: number;
  /** `width × height` intensities, row-major. */
  readonly data: Float32Array;
}

/**
 * Turns images into fixed-length feature vectors (the paper's f_θ(x), section 3.1.1). An
 * encoder may hold native resources (tfjs tensors, WASM memory): call `dispose()` when done.
 */
export interface Encoder extends Registrable {
  /**
   * Changes whenever the same image could give a different vector (weights, code, options), so
   * that cached embeddings are never reused across incompatible encoders.
   */
  readonly version: string;
  /** Length of one embedding. */
  dimensions(): number;
  /**
   * Embeds `images` in order. Returns `images.length × dimensions()` values, row-major (row i is
   * image i). Reports progress as stage `embed:<id>`.
   */
  embed(images: readonly GrayImage[], onProgress?: ProgressCallback): Promise<Float32Array>;
  /** Frees native resources; the encoder must not be used afterwards. */
  dispose(): void;
}

/**
 * Options a user can pass on the command line / API to build an encoder. Each factory reads the
 * ones it understands and rejects values it cannot use; unknown ones are ignored so that one
 * option set can be passed to any factory.
 */
export interface EncoderOptions {
  /** Path (directory or model.json) or http(s) URL of a TensorFlow.js model (`--encoder-model`). */
  readonly model?: string;
  /** Name of the layer (layers model) or node (graph model) whose output is the feature map (`--feature-layer`). */
  readonly featureLayer?: string;
  /** Input normalisation of a CNN encoder (`--encoder-normalization`). */
  readonly normalization?: string;
  /** Images per inference batch. */
  readonly batchSize?: number;
  /** Input size (square) for models whose input shape leaves H and W open. */
  readonly inputSize?: number;
}

/** Builds an {@link Encoder} from options; what the encoder registry holds. */
export interface EncoderFactory extends Registrable {
  create(options: EncoderOptions): Promise<Encoder>;
}
