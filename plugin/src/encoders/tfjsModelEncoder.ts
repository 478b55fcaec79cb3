import { createHash } from 'crypto';
import { initCompute, type ComputeBackendRequest } from '../compute/backend';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import * as tfc from '@tensorflow/tfjs-converter';
import { InvalidInputError } from '../core/errors';
import { reportProgress, ProgressCallback } from '../core/progress';
import { minMaxScale, validateGrayImage } from './grayImage';
import { loadModelArtifacts } from './tfjsModelIo';
import { Encoder, EncoderFactory, EncoderOptions, GrayImage } from './types';

/**
 * Input normalisation, applied after min–max scaling each grayscale image to [0, 1]:
 * `imagenet` = (x − mean) / std per RGB channel with the ImageNet statistics (torchvision /
 * Keras "torch" mode); `zero-one` = x; `minus-one-one` = 2x − 1 (Keras "tf" mode, MobileNet);
 * `raw` = 255·x, the 0..255 range of an 8-bit image, for models that normalise internally;
 * `caffe` = 255·x − the ImageNet BGR means (103.939, 116.779, 123.68): Keras
 * `applications.resnet50.preprocess_input`, for Keras ResNet-50 weights (channel order does not
 * matter for a grayscale image copied into all three channels, only the per-channel means).
 */
export type Normalization = 'imagenet' | 'zero-one' | 'minus-one-one' | 'raw' | 'caffe';
export const NORMALIZATIONS: readonly Normalization[] = ['imagenet', 'zero-one', 'minus-one-one', 'raw', 'caffe'];
const CAFFE_BGR_MEAN = [103.939, 116.779, 123.68];

const IMAGENET_MEAN = [0.485, 0.456, 0.406];
const IMAGENET_STD = [0.229, 0.224, 0.225];

/** Options of {@link createTfjsModelEncoder}. */
export interface TfjsModelEncoderOptions {
  /** Directory with model.json, a model.json path, or an http(s) URL. */
  readonly model: string;
  /** Layer (layers model) or node (graph model) name; default: see {@link pickFeatureLayer}. */
  readonly featureLayer?: string;
  /** Default `imagenet`. */
  readonly normalization?: Normalization;
  /** Images per forward pass, default 8. */
  readonly batchSize?: number;
  /** Side length when the model's input shape leaves H and W open, default 224. */
  readonly inputSize?: number;
  /**
   * Compute backend to request (see compute/backend.ts); default: whatever `initCompute` picks
   * (tfjs-node → wasm → cpu, or SCANSELECT_BACKEND). tfjs backends are process-global.
   */
  readonly backend?: ComputeBackendRequest;
}

type SymbolicShape = Array<number | null>;

function outputShapeOf(layer: tfl.layers.Layer): SymbolicShape | null {
  const shape = layer.outputShape as SymbolicShape | SymbolicShape[];
  if (shape.length > 0 && Array.isArray(shape[0])) return null; // multi-output layer: not a feature map
  return shape as SymbolicShape;
}

/**
 * The default feature layer of a layers model: the last layer whose output is 4-D
 * (batch × H × W × C), i.e. the last spatial feature map before global pooling / flatten / dense.
 * Fully-convolutional classifiers (Darknet, SqueezeNet, MobileNet v1) put a 1×1 convolution to
 * the class count before the pooling; that map is class logits, not features, so when the model
 * ends in a 2-D output with K units, trailing 4-D layers with exactly K channels are skipped.
 * Returns the layer name.
 */
export function pickFeatureLayer(model: tfl.LayersModel): string {
  const spatial = model.layers.filter((l) => l.getClassName() !== 'InputLayer' && outputShapeOf(l)?.length === 4);
  if (spatial.length === 0) throw new InvalidInputError('invalid-option', `model "${model.name}" has no layer with a 4-D output; pass a feature layer`);
  const out = model.outputs[0].shape;
  const classes = out.length === 2 ? out[1] : null;
  for (let i = spatial.length - 1; i >= 0; i--) {
    const channels = (outputShapeOf(spatial[i]) as SymbolicShape)[3];
    if (classes === null || channels !== classes) return spatial[i].name;
  }
  return spatial[spatial.length - 1].name;
}

/** Runs one preprocessed batch and returns the feature tensor (any rank). */
type Runner = (input: tf.Tensor4D) => tf.Tensor;

/** A TensorFlow.js layers or graph model used as an encoder (the paper's f_θ, section 3.1.1). */
export class TfjsModelEncoder implements Encoder {
  readonly id = 'tfjs-model';
  readonly description = 'Any TensorFlow.js layers/graph model (local path or URL): feature map → global average pooling';

  private constructor(
    readonly version: string,
    /** The layer/node whose output is pooled. */
    readonly featureLayer: string,
    readonly inputSize: readonly [number, number],
    private readonly channels: number,
    private readonly channelsFirst: boolean,
    private readonly normalization: Normalization,
    private readonly batchSize: number,
    private readonly run: Runner,
    private readonly disposeModel: () => void,
    private dims = 0,
  ) {}

  /** Loads and prepares the model; see {@link TfjsModelEncoderOptions}. */
  static async create(options: TfjsModelEncoderOptions): Promise<TfjsModelEncoder> {
    const normalization = options.normalization ?? 'imagenet';
    if (!NORMALIZATIONS.includes(normalization)) {
      throw new InvalidInputError('invalid-option', `unknown normalization "${normalization}"; valid: ${NORMALIZATIONS.join(', ')}`);
    }
    const batchSize = options.batchSize ?? 8;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new InvalidInputError('invalid-option', `batchSize must be a positive integer, got ${batchSize}`);
    await initCompute(options.backend === undefined ? {} : { backend: options.backend });
    const loaded = await loadModelArtifacts(options.model);
    let inputShape: SymbolicShape;
    let featureLayer: string;
    let run: Runner;
    let disposeModel: () => void;
    if (loaded.kind === 'layers') {
      const model = await tfl.loadLayersModel(loaded.handler);
      featureLayer = options.featureLayer ?? pickFeatureLayer(model);
      let layer: tfl.layers.Layer;
      try {
        layer = model.getLayer(featureLayer);
      } catch {
        throw new InvalidInputError('invalid-option', `model has no layer "${featureLayer}"; layers: ${model.layers.map((l) => l.name).join(', ')}`);
      }
      const output = Array.isArray(layer.output) ? layer.output[0] : layer.output;
      const extractor = tfl.model({ inputs: model.inputs, outputs: output });
      inputShape = model.inputs[0].shape;
      run = (x) => extractor.predict(x) as tf.Tensor;
      disposeModel = () => model.dispose();
    } else {
      const model = await tfc.loadGraphModel(loaded.handler);
      const node = options.featureLayer;
      featureLayer = node ?? model.outputNodes[0];
      inputShape = (model.inputs[0].shape ?? []).map((d) => (d < 0 ? null : d));
      run = (x) => {
        const y = node === undefined ? model.execute(x) : model.execute(x, node);
        return Array.isArray(y) ? y[0] : y;
      };
      disposeModel = () => model.dispose();
    }
    if (inputShape.length !== 4) throw new InvalidInputError('invalid-option', `model input must be 4-D, got [${inputShape.join(', ')}]`);
    // NCHW models (PyTorch via ONNX) have the channel count in position 1.
    const channelsFirst = (inputShape[1] === 1 || inputShape[1] === 3) && !(inputShape[3] === 1 || inputShape[3] === 3);
    const [h, w, c] = channelsFirst ? [inputShape[2], inputShape[3], inputShape[1]] : [inputShape[1], inputShape[2], inputShape[3]];
    const fallback = options.inputSize ?? 224;
    const inputSize: [number, number] = [h ?? fallback, w ?? fallback];
    const channels = c ?? 3;
    const optionsHash = createHash('sha256')
      .update(JSON.stringify({ featureLayer, normalization, inputSize, channels, channelsFirst })).digest('hex').slice(0, 16);
    const encoder = new TfjsModelEncoder(`1:${loaded.sha256.slice(0, 16)}:${optionsHash}`, featureLayer, inputSize,
      channels, channelsFirst, normalization, batchSize, run, disposeModel);
    // One forward pass on a blank image tells the embedding length for any model kind.
    const probe = await encoder.embed([{ width: 1, height: 1, data: new Float32Array(1) }]);
    encoder.dims = probe.length;
    return encoder;
  }

  dimensions(): number {
    return this.dims;
  }

  /** Min–max scale, resize (bilinear), replicate channels, normalise; one batch tensor. */
  private preprocess(images: readonly GrayImage[]): tf.Tensor4D {
    return tf.tidy(() => {
      const [h, w] = this.inputSize;
      const resized = images.map((image) => {
        const scaled = minMaxScale(image);
        const t = tf.tensor4d(scaled.data, [1, image.height, image.width, 1]);
        // halfPixelCenters: pixel centres at +0.5, as in PIL/OpenCV/TF2, so no half-pixel shift.
        return tf.image.resizeBilinear(t, [h, w], false, true);
      });
      let x: tf.Tensor4D = tf.concat(resized, 0);
      // Channels are replicated by broadcasting ([…, 1] against [C]), not tf.tile: the same values,
      // without the wasm backend's per-element Tile kernel (one of the encoder's largest).
      if (this.normalization === 'imagenet') {
        x = tf.div(tf.sub(x, tf.tensor1d(IMAGENET_MEAN)), tf.tensor1d(IMAGENET_STD));
        if (this.channels === 1) x = tf.mean(x, 3, true);
      } else if (this.normalization === 'caffe') {
        x = tf.sub(tf.mul(x, 255), tf.tensor1d(CAFFE_BGR_MEAN));
        if (this.channels === 1) x = tf.mean(x, 3, true);
      } else {
        if (this.normalization === 'minus-one-one') x = tf.sub(tf.mul(x, 2), 1);
        else if (this.normalization === 'raw') x = tf.mul(x, 255);
        if (this.channels !== 1) x = tf.mul(x, tf.ones([this.channels]));
      }
      return this.channelsFirst ? tf.transpose(x, [0, 3, 1, 2]) : x;
    });
  }

  /** Global average pooling over the spatial axes; 2-D outputs pass through, others are flattened. */
  private pool(y: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => {
      if (y.rank === 4) return tf.mean(y, this.channelsFirst ? [2, 3] : [1, 2]) as tf.Tensor2D;
      if (y.rank === 2) return y as tf.Tensor2D;
      return tf.reshape(y, [y.shape[0], -1]) as tf.Tensor2D;
    });
  }

  async embed(images: readonly GrayImage[], onProgress?: ProgressCallback): Promise<Float32Array> {
    images.forEach((image, i) => validateGrayImage(image, i));
    const stage = `embed:${this.id}`;
    reportProgress(onProgress, stage, 0);
    const parts: Float32Array[] = [];
    for (let start = 0; start < images.length; start += this.batchSize) {
      const batch = images.slice(start, start + this.batchSize);
      const features = tf.tidy(() => this.pool(this.run(this.preprocess(batch))));
      parts.push((await features.data()) as Float32Array);
      features.dispose();
      reportProgress(onProgress, stage, Math.min(images.length, start + batch.length) / images.length);
    }
    const total = parts.reduce((s, p) => s + p.length, 0);
    const out = new Float32Array(total);
    let offset = 0;
    for (const p of parts) { out.set(p, offset); offset += p.length; }
    return out;
  }

  dispose(): void {
    this.disposeModel();
  }
}

/** Shorthand for {@link TfjsModelEncoder.create}. */
export function createTfjsModelEncoder(options: TfjsModelEncoderOptions): Promise<TfjsModelEncoder> {
  return TfjsModelEncoder.create(options);
}

/** Registry entry: `--encoder tfjs-model --encoder-model PATH [--feature-layer NAME]`. */
export const tfjsModelEncoderFactory: EncoderFactory = {
  id: 'tfjs-model',
  description: 'Any TensorFlow.js layers/graph model (local path or URL): feature map → global average pooling',
  create: async (options: EncoderOptions) => {
    if (!options.model) throw new InvalidInputError('invalid-option', 'the tfjs-model encoder needs a model (--encoder-model PATH|URL)');
    const normalization = options.normalization;
    if (normalization !== undefined && !(NORMALIZATIONS as readonly string[]).includes(normalization)) {
      throw new InvalidInputError('invalid-option', `unknown normalization "${normalization}"; valid: ${NORMALIZATIONS.join(', ')}`);
    }
    return TfjsModelEncoder.create({
      model: options.model,
      featureLayer: options.featureLayer,
      normalization: normalization as Normalization | undefined,
      batchSize: options.batchSize,
      inputSize: options.inputSize,
    });
  },
};
