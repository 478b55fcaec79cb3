/**
 * The networks of the site-trained encoder (SimCLR, Chen et al. 2020, scaled down to what a CPU
 * can train on a hospital's pool overnight):
 *
 *   representation f: image S × S × 1 → 4 × [Conv 3×3 stride 2 → BatchNorm → ReLU]
 *                     (16 → 32 → 64 → 128 channels) → global average pooling → h ∈ ℝ¹²⁸
 *   projection head g: h → Dense 128 → ReLU → Dense 64 = z, used only by the loss
 *
 * SimCLR's finding is that h (before the head) transfers better than z, so the encoder keeps f
 * and throws g away. Two separate LayersModels, so that f saves and loads on its own; both are
 * built from standard tfjs-layers layers (plain layers serialisation, loadable by any tfjs).
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidInputError } from '../../core/errors';
import { createRng, type Rng } from '../../random/rng';

/** tfjs-layers does not export these classes at its top level; named through public signatures. */
type Layer = tfl.LayersModel['layers'][number];
type Initializer = ReturnType<typeof tfl.initializers.ones>;

/** Options of {@link buildContrastiveModel}. */
export interface ContrastiveModelConfig {
  /** Side S of the square input. Default {@link DEFAULT_SELF_SUPERVISED_INPUT_SIZE}. */
  readonly inputSize?: number;
  /** Channels of the stride-2 conv blocks; the last is the representation's length. Default 16, 32, 64, 128. */
  readonly channels?: readonly number[];
  /** Width of the projection head's hidden layer; default 128. */
  readonly projectionHidden?: number;
  /** Length of the projection z fed to the loss; default 64. */
  readonly projectionDims?: number;
  /** Seeds every initialiser, in a fixed layer order. */
  readonly seed: number;
}

/** {@link ContrastiveModelConfig} with the defaults filled in. */
export interface ResolvedContrastiveModelConfig {
  readonly inputSize: number;
  readonly channels: readonly number[];
  readonly projectionHidden: number;
  readonly projectionDims: number;
  readonly seed: number;
}

/** The two networks: f (kept) and g (training only). */
export interface ContrastiveModel {
  /** f: `[b, S, S, 1]` z-scored images → `[b, channels.at(-1)]` representations. */
  readonly representation: tfl.LayersModel;
  /** g: `[b, D]` representations → `[b, projectionDims]` projections. */
  readonly head: tfl.LayersModel;
}

export const DEFAULT_SELF_SUPERVISED_INPUT_SIZE = 64;
export const DEFAULT_SELF_SUPERVISED_CHANNELS: readonly number[] = [16, 32, 64, 128];
/** PyTorch BatchNorm defaults (momentum 0.1 there is 0.9 in Keras' convention). */
const BN_MOMENTUM = 0.9;
const BN_EPSILON = 1e-5;

/** Checks a configuration and fills in the defaults; throws {@link InvalidInputError} on a bad value. */
export function resolveContrastiveModelConfig(config: ContrastiveModelConfig): ResolvedContrastiveModelConfig {
  const inputSize = config.inputSize ?? DEFAULT_SELF_SUPERVISED_INPUT_SIZE;
  const channels = config.channels ?? DEFAULT_SELF_SUPERVISED_CHANNELS;
  const projectionHidden = config.projectionHidden ?? 128;
  const projectionDims = config.projectionDims ?? 64;
  const positiveInt = (name: string, value: number, max: number): void => {
    if (!Number.isInteger(value) || value < 1 || value > max) throw new InvalidInputError('invalid-option', `${name} must be an integer in [1, ${max}], got ${value}`);
  };
  if (!Number.isInteger(inputSize) || inputSize < 8 || inputSize > 512) {
    throw new InvalidInputError('invalid-option', `inputSize must be an integer in [8, 512], got ${inputSize}`);
  }
  if (channels.length < 1 || channels.length > 8) throw new InvalidInputError('invalid-option', `channels must list 1 to 8 block widths, got ${channels.length}`);
  channels.forEach((c, i) => positiveInt(`channels[${i}]`, c, 1024));
  positiveInt('projectionHidden', projectionHidden, 4096);
  positiveInt('projectionDims', projectionDims, 4096);
  if (!Number.isSafeInteger(config.seed)) throw new InvalidInputError('invalid-option', `seed must be an integer, got ${config.seed}`);
  return { inputSize, channels: [...channels], projectionHidden, projectionDims, seed: config.seed };
}

/**
 * Builds f and g. Same config (seed included) → bit-identical initial weights: each initialiser
 * takes its own seed, drawn in a fixed order from `createRng(seed)`. Kernels use He
 * initialisation (they feed ReLUs); the conv layers have no bias because BatchNorm follows.
 */
export function buildContrastiveModel(config: ContrastiveModelConfig): ContrastiveModel {
  const cfg = resolveContrastiveModelConfig(config);
  const rng = createRng(cfg.seed);
  const input = tfl.input({ shape: [cfg.inputSize, cfg.inputSize, 1], name: 'image' });
  let x = input;
  cfg.channels.forEach((filters, i) => {
    const name = `block${i + 1}`;
    x = apply(tfl.layers.conv2d({ filters, kernelSize: 3, strides: 2, padding: 'same', useBias: false, kernelInitializer: he(rng), name: `${name}_conv` }), x);
    x = apply(tfl.layers.batchNormalization({ axis: -1, momentum: BN_MOMENTUM, epsilon: BN_EPSILON, name: `${name}_bn` }), x);
    x = apply(tfl.layers.reLU({ name: `${name}_relu` }), x);
  });
  const pooled = apply(tfl.layers.globalAveragePooling2d({ name: 'representation' }), x);
  const representation = tfl.model({ inputs: input, outputs: pooled, name: 'self_supervised_representation' });

  const h = tfl.input({ shape: [cfg.channels[cfg.channels.length - 1]!], name: 'representation_in' });
  const hidden = apply(tfl.layers.dense({ units: cfg.projectionHidden, activation: 'relu', kernelInitializer: he(rng), biasInitializer: 'zeros', name: 'projection_hidden' }), h);
  const z = apply(tfl.layers.dense({
    units: cfg.projectionDims,
    kernelInitializer: tfl.initializers.glorotUniform({ seed: rng.nextUint32() }),
    biasInitializer: 'zeros',
    name: 'projection_out',
  }), hidden);
  const head = tfl.model({ inputs: h, outputs: z, name: 'self_supervised_projection_head' });
  return { representation, head };
}

function he(rng: Rng): Initializer {
  return tfl.initializers.varianceScaling({ scale: 2, mode: 'fanIn', distribution: 'truncatedNormal', seed: rng.nextUint32() });
}

function apply(layer: Layer, input: tfl.SymbolicTensor): tfl.SymbolicTensor {
  const out = layer.apply(input);
  if (!(out instanceof tfl.SymbolicTensor)) throw new Error(`layer ${layer.name} did not return one symbolic tensor`);
  return out;
}
