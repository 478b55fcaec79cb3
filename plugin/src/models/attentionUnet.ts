/**
 * The segmentation network of the method paper (section 4.2): an Attention U-Net (Oktay et al.
 * 2018) laid out exactly as MONAI's `monai.networks.nets.AttentionUnet`, which the paper used,
 * built from standard tfjs-layers layers plus one registered custom layer (instance
 * normalisation), so that `model.save` / `tf.loadLayersModel` work with the layers serialisation.
 *
 * Layout for `depth` levels with channels c_l = baseChannels · 2^l (l = 0 … depth − 1):
 *
 *   enc0 = ConvBlock(1 → c0, stride 1)                                   (MONAI `head`)
 *   enc_l = ConvBlock(c_{l−1} → c_l, first conv stride 2)                (downsampling, l ≥ 1)
 *   dec_{depth−1} = enc_{depth−1}
 *   dec_l = merge(concat(gate_l(g = up_l, x = enc_l), up_l)),  up_l = UpConv(dec_{l+1} → c_l)
 *   output = softmax(Conv1×1(dec_0 → classes))
 *
 * ConvBlock = 2 × [Conv3×3 → BatchNorm → Dropout → ReLU] (MONAI's "NDA" ordering).
 * UpConv = ConvTranspose3×3 stride 2 → BatchNorm → ReLU (no dropout, as in MONAI).
 * Attention gate (additive): ψ = σ(BN(Conv1×1(ReLU(BN(W_g g) + BN(W_x x))))), output x · ψ, with
 * F_int = c_l / 2 (no dropout, as in MONAI).
 * merge = MONAI's default `Convolution`: Conv3×3 (2c_l → c_l) → InstanceNorm (no affine) →
 * Dropout → PReLU (one shared slope, initial 0.25). InstanceNorm without affine parameters is the
 * small custom layer in instanceNormalization.ts (registered for serialisation).
 *
 * Differences from PyTorch that do not change the architecture: channels-last tensors; the
 * stride-2 convolutions use TensorFlow 'same' padding (pads bottom/right only where PyTorch pads
 * 1 all round); the network ends with a softmax layer (MONAI returns logits and applies the
 * softmax inside the loss), so `predict` returns the p_{i,c}(u) of eq. (5) directly.
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidInputError } from '../core/errors';
import { createRng, type Rng } from '../random/rng';
import { batchNormalization } from './batchNormalization';
import { dropout } from './dropout';
import { InstanceNormalization } from './instanceNormalization';

/** tfjs-layers exports neither class at its top level; these name them through public signatures. */
type Layer = tfl.LayersModel['layers'][number];
type Initializer = ReturnType<typeof tfl.initializers.ones>;

/** Options of {@link buildAttentionUnet}. */
export interface AttentionUnetConfig {
  /** Side S of the square input image (S × S). Must be divisible by 2^(depth − 1). */
  readonly inputSize: number;
  /** Input channels; only single-channel (grey-level) images are supported. */
  readonly inputChannels?: 1;
  /** Number of output classes C, background included (≥ 2). */
  readonly classes: number;
  /** Resolution levels, encoder head included (MONAI `len(channels)`); default 4. */
  readonly depth?: number;
  /** Channels of the first level, doubled at each level below; default 16. */
  readonly baseChannels?: number;
  /** Dropout rate of the conv blocks; paper section 4.2: 0.15 (chest X-ray), 0.10 (brain). Default 0. */
  readonly dropout?: number;
  /** Seeds every kernel/bias initialiser and every dropout layer (paper section 4.1.2: s_r = 42 + r). */
  readonly seed: number;
}

/** {@link AttentionUnetConfig} with every default filled in. */
export interface ResolvedAttentionUnetConfig {
  readonly inputSize: number;
  readonly inputChannels: 1;
  readonly classes: number;
  readonly depth: number;
  readonly baseChannels: number;
  readonly dropout: number;
  readonly seed: number;
}

/** Default levels (channels 16, 32, 64, 128 with the default width). */
export const DEFAULT_DEPTH = 4;
/** Default width of the first level. */
export const DEFAULT_BASE_CHANNELS = 16;
/** PyTorch's BatchNorm defaults (momentum 0.1 there is 0.9 in Keras' convention; ε = 1e-5). */
const BN_MOMENTUM = 0.9;
const NORM_EPSILON = 1e-5;

/** Checks a configuration and fills in the defaults; throws {@link InvalidInputError} on a bad value. */
export function resolveAttentionUnetConfig(config: AttentionUnetConfig): ResolvedAttentionUnetConfig {
  const depth = config.depth ?? DEFAULT_DEPTH;
  const baseChannels = config.baseChannels ?? DEFAULT_BASE_CHANNELS;
  const dropout = config.dropout ?? 0;
  const inputChannels = config.inputChannels ?? 1;
  const { inputSize, classes, seed } = config;
  if (inputChannels !== 1) throw new InvalidInputError('invalid-option', `inputChannels must be 1, got ${String(inputChannels)}`);
  if (!Number.isInteger(depth) || depth < 2 || depth > 8) {
    throw new InvalidInputError('invalid-option', `depth must be an integer in [2, 8], got ${depth}`);
  }
  // The attention gate has F_int = c / 2 channels, so the narrowest level needs at least 2.
  if (!Number.isInteger(baseChannels) || baseChannels < 2) {
    throw new InvalidInputError('invalid-option', `baseChannels must be an integer ≥ 2, got ${baseChannels}`);
  }
  if (!Number.isInteger(classes) || classes < 2) {
    throw new InvalidInputError('invalid-option', `classes must be an integer ≥ 2 (background included), got ${classes}`);
  }
  if (!(dropout >= 0 && dropout < 1)) throw new InvalidInputError('invalid-option', `dropout must be in [0, 1), got ${dropout}`);
  if (!Number.isSafeInteger(seed)) throw new InvalidInputError('invalid-option', `seed must be an integer, got ${seed}`);
  const factor = 2 ** (depth - 1);
  if (!Number.isInteger(inputSize) || inputSize < factor || inputSize % factor !== 0) {
    throw new InvalidInputError(
      'invalid-option',
      `inputSize must be a positive multiple of 2^(depth − 1) = ${factor} (depth ${depth} halves the image ${depth - 1} times), got ${inputSize}`,
    );
  }
  return { inputSize, inputChannels, classes, depth, baseChannels, dropout, seed };
}

/** Channels of each level, top first (MONAI's `channels` argument). */
export function attentionUnetChannels(config: Pick<ResolvedAttentionUnetConfig, 'depth' | 'baseChannels'>): number[] {
  return Array.from({ length: config.depth }, (_, l) => config.baseChannels * 2 ** l);
}

/**
 * Builds the Attention U-Net described at the top of this file. Same config (seed included) →
 * bit-identical initial weights: every initialiser gets its own seed drawn, in a fixed layer
 * order, from `createRng(config.seed)`. Weights follow PyTorch's default initialisation
 * (kaiming-uniform with a = √5, i.e. U(±1/√fan_in) for kernels and biases) so that the network
 * starts where MONAI's does. The dropout layers carry seeds too, but tfjs draws the same mask on
 * every call for a fixed seed, so training reseeds them each step (see `train.ts`).
 */
export function buildAttentionUnet(config: AttentionUnetConfig): tfl.LayersModel {
  const cfg = resolveAttentionUnetConfig(config);
  const channels = attentionUnetChannels(cfg);
  const b = new Builder(createRng(cfg.seed), cfg.dropout);

  const input = tfl.input({ shape: [cfg.inputSize, cfg.inputSize, cfg.inputChannels], name: 'image' });
  const skips: tfl.SymbolicTensor[] = [];
  let x = input;
  for (let l = 0; l < cfg.depth; l++) {
    x = b.convBlock(x, channels[l]!, l === 0 ? 1 : 2, `enc${l}`);
    skips.push(x);
  }
  for (let l = cfg.depth - 2; l >= 0; l--) {
    const c = channels[l]!;
    const up = b.upConv(x, c, `dec${l}_up`);
    const gated = b.attentionGate(up, skips[l]!, Math.floor(c / 2), `att${l}`);
    const cat = b.apply(tfl.layers.concatenate({ axis: -1, name: `dec${l}_concat` }), [gated, up]);
    x = b.mergeConv(cat, c, `dec${l}_merge`);
  }
  const logits = b.conv(x, cfg.classes, 1, 1, 'out_conv');
  const probs = b.apply(tfl.layers.activation({ activation: 'softmax', name: 'out_softmax' }), logits);
  return tfl.model({ inputs: input, outputs: probs, name: 'attention_unet' });
}

/** Layer factory holding the seed stream, so that seeds are drawn in one fixed order. */
class Builder {
  constructor(
    private readonly rng: Rng,
    private readonly dropoutRate: number,
  ) {}

  apply(layer: Layer, inputs: tfl.SymbolicTensor | tfl.SymbolicTensor[]): tfl.SymbolicTensor {
    const out = layer.apply(inputs);
    if (!(out instanceof tfl.SymbolicTensor)) throw new Error(`layer ${layer.name} did not return one symbolic tensor`);
    return out;
  }

  /** Conv with PyTorch-default initialisation; `fanIn` = k² · input channels. */
  conv(x: tfl.SymbolicTensor, filters: number, kernel: number, strides: number, name: string): tfl.SymbolicTensor {
    const inChannels = channelsOf(x);
    return this.apply(
      tfl.layers.conv2d({
        filters,
        kernelSize: kernel,
        strides,
        padding: 'same',
        useBias: true,
        ...this.initialisers(kernel * kernel * inChannels),
        name,
      }),
      x,
    );
  }

  batchNorm(x: tfl.SymbolicTensor, name: string): tfl.SymbolicTensor {
    // tfjs-layers' layer, trained with the native batch-norm op where available (./batchNormalization).
    return this.apply(batchNormalization({ momentum: BN_MOMENTUM, epsilon: NORM_EPSILON, name }), x);
  }

  dropout(x: tfl.SymbolicTensor, name: string): tfl.SymbolicTensor {
    if (this.dropoutRate === 0) return x;
    // tfjs-layers' layer, trained with the native dropout kernel where available (./dropout).
    return this.apply(dropout({ rate: this.dropoutRate, seed: this.rng.nextUint32(), name }), x);
  }

  relu(x: tfl.SymbolicTensor, name: string): tfl.SymbolicTensor {
    return this.apply(tfl.layers.reLU({ name }), x);
  }

  /** MONAI ConvBlock: two [conv 3×3 → BN → dropout → ReLU]; the first one carries the stride. */
  convBlock(x: tfl.SymbolicTensor, filters: number, strides: number, name: string): tfl.SymbolicTensor {
    let y = x;
    for (let i = 1; i <= 2; i++) {
      y = this.conv(y, filters, 3, i === 1 ? strides : 1, `${name}_conv${i}`);
      y = this.batchNorm(y, `${name}_bn${i}`);
      y = this.dropout(y, `${name}_drop${i}`);
      y = this.relu(y, `${name}_relu${i}`);
    }
    return y;
  }

  /** MONAI UpConv: transposed conv 3×3 stride 2 → BN → ReLU. */
  upConv(x: tfl.SymbolicTensor, filters: number, name: string): tfl.SymbolicTensor {
    // A transposed kernel is [k, k, out, in]; PyTorch (and tfjs) take fan_in = k² · out for it.
    const y = this.apply(
      tfl.layers.conv2dTranspose({
        filters,
        kernelSize: 3,
        strides: 2,
        padding: 'same',
        useBias: true,
        ...this.initialisers(9 * filters),
        name: `${name}_conv`,
      }),
      x,
    );
    return this.relu(this.batchNorm(y, `${name}_bn`), `${name}_relu`);
  }

  /** Additive attention gate (Oktay et al. 2018, MONAI AttentionBlock): returns x · ψ(g, x). */
  attentionGate(g: tfl.SymbolicTensor, x: tfl.SymbolicTensor, fInt: number, name: string): tfl.SymbolicTensor {
    const g1 = this.batchNorm(this.conv(g, fInt, 1, 1, `${name}_wg`), `${name}_wg_bn`);
    const x1 = this.batchNorm(this.conv(x, fInt, 1, 1, `${name}_wx`), `${name}_wx_bn`);
    const sum = this.relu(this.apply(tfl.layers.add({ name: `${name}_add` }), [g1, x1]), `${name}_relu`);
    const psi = this.batchNorm(this.conv(sum, 1, 1, 1, `${name}_psi`), `${name}_psi_bn`);
    const coeff = this.apply(tfl.layers.activation({ activation: 'sigmoid', name: `${name}_sigmoid` }), psi);
    // [B, H, W, 1] × [B, H, W, c]: the merge layer broadcasts the single attention channel.
    return this.apply(tfl.layers.multiply({ name: `${name}_gate` }), [x, coeff]);
  }

  /** MONAI's default Convolution: conv 3×3 → InstanceNorm (no affine) → dropout → PReLU. */
  mergeConv(x: tfl.SymbolicTensor, filters: number, name: string): tfl.SymbolicTensor {
    let y = this.conv(x, filters, 3, 1, `${name}_conv`);
    y = this.apply(new InstanceNormalization({ epsilon: NORM_EPSILON, name: `${name}_in` }), y);
    y = this.dropout(y, `${name}_drop`);
    return this.apply(
      tfl.layers.prelu({ sharedAxes: [1, 2, 3], alphaInitializer: tfl.initializers.constant({ value: 0.25 }), name: `${name}_prelu` }),
      y,
    );
  }

  private initialisers(fanIn: number): { kernelInitializer: Initializer; biasInitializer: Initializer } {
    // kaiming_uniform(a = √5): gain² = 2 / (1 + 5) = 1/3, bound = √(3 · (1/3) / fan_in) = 1/√fan_in.
    const bound = 1 / Math.sqrt(fanIn);
    return {
      kernelInitializer: tfl.initializers.varianceScaling({ scale: 1 / 3, mode: 'fanIn', distribution: 'uniform', seed: this.rng.nextUint32() }),
      biasInitializer: tfl.initializers.randomUniform({ minval: -bound, maxval: bound, seed: this.rng.nextUint32() }),
    };
  }
}

function channelsOf(x: tfl.SymbolicTensor): number {
  const c = x.shape[x.shape.length - 1];
  if (c == null) throw new Error('channel dimension must be known');
  return c;
}
