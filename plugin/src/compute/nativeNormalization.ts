/**
 * Batch normalisation in training mode and instance normalisation as one native kernel forward and
 * one backward each, for the wasm backend with the native addon (plugin/native/normalization.cc),
 * registered by ./nativeKernels.
 *
 * tfjs-layers trains `BatchNormalization` with `tf.moments` and `tf.batchNorm`, and our
 * InstanceNormalization layer is `tf.moments` and broadcasting arithmetic. Forward that is 5–6
 * full-size kernels per layer (Mean, Sub, Square, Mean, then FusedBatchNorm or Sub and RealDiv);
 * backward, the gradients of those are about 25 more (Multiply, Sum, Add, Sub, Tile, OnesLike),
 * each a pass over the activation and an entry on the gradient tape. With the convolutions native,
 * they were the largest part of a 128² U-Net training step after the convolutions (per-kernel
 * profile, scratch script; docs/compute.md). Here:
 * - `ScanSelectBatchNormTraining` (inputs x, scale, offset; attr varianceEpsilon; outputs y, mean,
 *   variance over every axis but the last) and `ScanSelectInstanceNorm` (input x; statistics per
 *   image and channel) compute exactly the stock forward's float32 values (normalization.cc);
 * - the gradient of either is one `ScanSelectNormalizationGrad` kernel that returns dx (and dscale,
 *   doffset) from dy and from the gradients of the mean and variance outputs, when anything uses
 *   them: the analytic gradient, equal to tfjs' chain of ops up to rounding;
 * - `ScanSelectMovingAverages` updates a batch-norm layer's moving mean and variance in one call,
 *   bit for bit the 6 small ops (and 2 scalar uploads) of tfjs-layers' update.
 * {@link batchNormTraining}, {@link instanceNorm} and {@link movingAverages} are the ops; they
 * return undefined where the kernels do not apply (another backend, the native kernels off, other
 * dtypes), and the caller takes the stock path.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { isWasmHeapBackend, offset, type NativeAddon } from './nativeHeap';

/** Batch normalisation with the batch's statistics (not a tfjs kernel: only this module calls these). */
export const BATCH_NORM_TRAINING_KERNEL = 'ScanSelectBatchNormTraining';
/** Instance normalisation without affine parameters. */
export const INSTANCE_NORM_KERNEL = 'ScanSelectInstanceNorm';
/** The backward kernel of both, run by their gradients. */
export const NORMALIZATION_GRAD_KERNEL = 'ScanSelectNormalizationGrad';
/** The update of the moving mean and variance (not differentiable). */
export const MOVING_AVERAGES_KERNEL = 'ScanSelectMovingAverages';

const WASM = 'wasm';

/** Statistics over every axis but the last ('batch'), or over the axes between the first and the last ('instance'). */
type Mode = 'batch' | 'instance';

const product = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);

/** x as [groups, rows, channels] for `mode`, when x is float32 of rank ≥ 2 and not empty. */
function layout(x: TensorInfo | undefined, mode: Mode): { groups: number; rows: number; channels: number } | undefined {
  if (x === undefined || x.dtype !== 'float32' || x.shape.length < 2 || product(x.shape) === 0) return undefined;
  const channels = x.shape[x.shape.length - 1]!;
  const groups = mode === 'batch' ? 1 : x.shape[0]!;
  return { groups, rows: product(x.shape) / (groups * channels), channels };
}

/** Whether every given tensor is float32 with `count` values. */
function sized(count: number, ...tensors: Array<TensorInfo | undefined>): boolean {
  return tensors.every((t) => t === undefined || (t.dtype === 'float32' && product(t.shape) === count));
}

function unsupported(name: string): never {
  throw new Error(`${name}: needs float32 tensors of matching sizes on the wasm backend`);
}

/** The forward kernels: outputs [y, mean, variance] ([C] for 'batch', [N, C] for 'instance'). */
function makeForward(native: NativeAddon, mode: Mode): KernelFunc {
  const name = mode === 'batch' ? BATCH_NORM_TRAINING_KERNEL : INSTANCE_NORM_KERNEL;
  return (args) => {
    const { backend } = args;
    const { x, scale, offset: shift } = args.inputs as { x?: TensorInfo; scale?: TensorInfo; offset?: TensorInfo };
    const { varianceEpsilon } = args.attrs as unknown as { varianceEpsilon: number };
    const l = layout(x, mode);
    const affineOk = mode === 'batch' ? l !== undefined && sized(l.channels, scale, shift) : scale === undefined && shift === undefined;
    if (l === undefined || !affineOk || !isWasmHeapBackend(backend)) return unsupported(name);
    const statsShape = mode === 'batch' ? [l.channels] : [l.groups, l.channels];
    const y = backend.makeOutput([...x!.shape], 'float32');
    const [mean, variance] = [0, 1].map(() => backend.makeOutput(statsShape, 'float32'));
    native.normalizeForward(backend.wasm.HEAPU8.buffer as ArrayBuffer, offset(backend, x!), l.groups, l.rows, l.channels,
      scale === undefined ? -1 : offset(backend, scale), shift === undefined ? -1 : offset(backend, shift), varianceEpsilon, mode === 'instance' ? 1 : 0,
      offset(backend, y), offset(backend, mean!), offset(backend, variance!));
    return [y, mean!, variance!];
  };
}

/** The backward kernel: inputs x, dy, mean, variance, scale?, dMean?, dVariance?; outputs [dx, dscale, doffset] ('batch') or [dx]. */
function makeGrad(native: NativeAddon): KernelFunc {
  return (args) => {
    const { backend } = args;
    const { x, dy, mean, variance, scale, dMean, dVariance } = args.inputs as Record<string, TensorInfo | undefined>;
    const { varianceEpsilon, mode } = args.attrs as unknown as { varianceEpsilon: number; mode: Mode };
    const l = layout(x, mode);
    if (l === undefined || mean === undefined || variance === undefined || dy === undefined || !sized(product(x!.shape), dy)
      || !sized(l.groups * l.channels, mean, variance, dMean, dVariance) || !sized(l.channels, scale) || !isWasmHeapBackend(backend)) {
      return unsupported(NORMALIZATION_GRAD_KERNEL);
    }
    const at = (t: TensorInfo | undefined): number => (t === undefined ? -1 : offset(backend, t));
    const dx = backend.makeOutput([...x!.shape], 'float32');
    const affine = mode === 'batch' ? [0, 1].map(() => backend.makeOutput([l.channels], 'float32')) : [];
    native.normalizeBackward(backend.wasm.HEAPU8.buffer as ArrayBuffer, at(x), at(dy), l.groups, l.rows, l.channels, at(mean), at(variance), at(scale),
      varianceEpsilon, at(dMean), at(dVariance), at(dx), at(affine[0]), at(affine[1]));
    return [dx, ...affine];
  };
}

/** The moving-average kernel: inputs movingMean, movingVariance, mean, variance ([C]); attr decay; outputs [mean', variance']. */
function makeMovingAverages(native: NativeAddon): KernelFunc {
  return (args) => {
    const { backend } = args;
    const { movingMean, movingVariance, mean, variance } = args.inputs as Record<string, TensorInfo | undefined>;
    const { decay } = args.attrs as unknown as { decay: number };
    const channels = movingMean === undefined ? 0 : product(movingMean.shape);
    if (channels === 0 || [movingMean, movingVariance, mean, variance].some((t) => t === undefined) || !sized(channels, movingMean, movingVariance, mean, variance)
      || !isWasmHeapBackend(backend)) {
      return unsupported(MOVING_AVERAGES_KERNEL);
    }
    const outs = [0, 1].map(() => backend.makeOutput([channels], 'float32'));
    native.movingAverages(backend.wasm.HEAPU8.buffer as ArrayBuffer, channels, offset(backend, movingMean!), offset(backend, movingVariance!),
      offset(backend, mean!), offset(backend, variance!), decay, offset(backend, outs[0]!), offset(backend, outs[1]!));
    return outs;
  };
}

/** Makers of this module's kernels, keyed by kernel name, for ./nativeKernels' registration. */
export function normalizationMakers(native: NativeAddon): Record<string, (fallback: KernelConfig | undefined) => KernelFunc> {
  return {
    [BATCH_NORM_TRAINING_KERNEL]: () => makeForward(native, 'batch'),
    [INSTANCE_NORM_KERNEL]: () => makeForward(native, 'instance'),
    [NORMALIZATION_GRAD_KERNEL]: () => makeGrad(native),
    [MOVING_AVERAGES_KERNEL]: () => makeMovingAverages(native),
  };
}

/**
 * The forward kernels' gradients: one backward kernel for every input. It runs when the tape asks
 * for the gradients (not inside the per-input closures, which tfjs evaluates one by one in their
 * own tidy scopes), so all outputs come from one call.
 */
function gradConfig(kernelName: string, mode: Mode): GradConfig {
  return {
    kernelName,
    inputsToSave: mode === 'batch' ? ['x', 'scale'] : ['x'],
    outputsToSave: [false, true, true],
    gradFunc: (dys, saved, attrs): Record<string, () => tf.Tensor> => {
      const [dy, dMean, dVariance] = dys as tf.Tensor[];
      const [x, ...rest] = saved as tf.Tensor[];
      const [scale, mean, variance] = mode === 'batch' ? rest : [undefined, ...rest];
      const inputs: tf.NamedTensorMap = { x: x!, dy: dy!, mean: mean!, variance: variance!, dMean: dMean!, dVariance: dVariance! };
      if (scale !== undefined) inputs['scale'] = scale;
      const [dx, dScale, dOffset] = tf.engine().runKernel(NORMALIZATION_GRAD_KERNEL, inputs, { ...(attrs as tf.NamedAttrMap), mode }) as tf.Tensor[];
      return mode === 'batch' ? { x: () => dx!, scale: () => dScale!, offset: () => dOffset! } : { x: () => dx! };
    },
  };
}

/** Registers the gradients of the forward kernels (idempotent; the kernels themselves come with ./nativeKernels). */
export function registerNormalizationGradients(): void {
  tf.registerGradient(gradConfig(BATCH_NORM_TRAINING_KERNEL, 'batch'));
  tf.registerGradient(gradConfig(INSTANCE_NORM_KERNEL, 'instance'));
}

/** Whether `kernel` runs on the active backend. */
function available(kernel: string): boolean {
  return tf.getBackend() === WASM && tf.getKernel(kernel, WASM) !== undefined;
}

/** Output of {@link batchNormTraining}. */
export interface BatchNormTrainingResult {
  /** (x − mean) / sqrt(variance + ε) · scale + offset. */
  readonly y: tf.Tensor;
  /** Mean over every axis but the last, shape [C]. */
  readonly mean: tf.Tensor1D;
  /** Biased variance over every axis but the last (as `tf.moments`), shape [C]. */
  readonly variance: tf.Tensor1D;
}

/**
 * Batch normalisation of `x` ([..., C]) with its own batch statistics — tfjs-layers'
 * `normalizeBatchInTraining` with the channel axis last — as one differentiable native op; undefined
 * when the active backend has no such kernel or the tensors are not float32 with [C] `scale` and
 * `offset` (then use tfjs' path).
 */
export function batchNormTraining(x: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor, varianceEpsilon: number): BatchNormTrainingResult | undefined {
  const l = layout(x, 'batch');
  if (!available(BATCH_NORM_TRAINING_KERNEL) || l === undefined || scale.rank !== 1 || offset.rank !== 1 || !sized(l.channels, scale, offset)) return undefined;
  const [y, mean, variance] = tf.engine().runKernel(BATCH_NORM_TRAINING_KERNEL, { x, scale, offset }, { varianceEpsilon }) as tf.Tensor[];
  return { y: y!, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
}

/**
 * Instance normalisation of `x` ([N, ..., C]): each channel of each item normalised by its own
 * mean and biased variance over the axes in between, (x − mean) / sqrt(variance + ε), as one
 * differentiable native op; undefined when the active backend has no such kernel or x is not float32.
 */
export function instanceNorm(x: tf.Tensor, varianceEpsilon: number): tf.Tensor | undefined {
  if (!available(INSTANCE_NORM_KERNEL) || layout(x, 'instance') === undefined) return undefined;
  const [y, mean, variance] = tf.engine().runKernel(INSTANCE_NORM_KERNEL, { x }, { varianceEpsilon }) as tf.Tensor[];
  // The statistics are kept on the tape for the gradient; the caller sees only y.
  tf.dispose([mean!, variance!]);
  return y!;
}

/**
 * tfjs-layers' update of a BatchNormalization layer's moving statistics, m ← m − (m − batch) · (1 −
 * momentum) for the mean and the variance, as one kernel: returns the new values, or undefined when
 * the active backend has no such kernel (then use tfjs' ops).
 */
export function movingAverages(moving: { mean: tf.Tensor; variance: tf.Tensor }, batch: BatchNormTrainingResult, momentum: number): [tf.Tensor1D, tf.Tensor1D] | undefined {
  const channels = batch.mean.size;
  if (!available(MOVING_AVERAGES_KERNEL) || !sized(channels, moving.mean, moving.variance, batch.mean, batch.variance)) return undefined;
  const inputs = { movingMean: moving.mean, movingVariance: moving.variance, mean: batch.mean, variance: batch.variance };
  const [mean, variance] = tf.engine().runKernel(MOVING_AVERAGES_KERNEL, inputs, { decay: 1 - momentum }) as tf.Tensor[];
  return [mean as tf.Tensor1D, variance as tf.Tensor1D];
}
