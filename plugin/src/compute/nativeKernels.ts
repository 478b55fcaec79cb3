/**
 * Native kernels for the tfjs `wasm` backend (optional): convolutions on oneDNN, and reductions.
 *
 * tfjs-backend-wasm runs on one thread under Node with 128-bit SIMD; a training step of the
 * Attention U-Net spends most of its time in `Conv2D` and the two convolution gradients, then in
 * `Sum`/`Mean` over leading axes, which the wasm backend computes only after transposing the whole
 * tensor (`npm run bench:models`, docs/compute.md). When the optional addon
 * `plugin/native/build/scanselect_native.node` has been built (`npm run build:native`, needs
 * Debian's `libdnnl-dev`), these kernels are replaced by native calls:
 * - `Conv2D`, `FusedConv2D` (bias + linear/relu/leaky-relu), `Conv2DBackpropInput` and
 *   `Conv2DBackpropFilter` on oneDNN, which uses AVX2/AVX-512 and all cores (OpenMP);
 * - `Sum` and `Mean` over one contiguous run of axes that leaves the last axis (a [p, r, q] view
 *   summed over r, in double precision);
 * - `FusedBatchNorm` with one statistic per channel of the last axis, and `LeakyRelu` (plain loops;
 *   the wasm ones were a Tiny Darknet encoder's largest kernels once its convolutions were native);
 * - `Concat` and `SplitV` along any axis as column-block copies (./nativeCopyKernels);
 * - float32 `Multiply`, `Add`, `Sub`, `RealDiv`, `Prelu`, comparisons and `Select` with NHWC
 *   broadcasting, as threaded loops (./nativeElementwise);
 * - `Softmax` over the last axis, and ReLU's gradient as one kernel (./nativeActivations, used by
 *   ./activationGradients);
 * - Adam's per-variable update as one kernel (./nativeAdam), bit for bit tfjs' own;
 * - batch normalisation in training mode (with the update of its moving statistics) and instance
 *   normalisation, forward and backward, as kernels of our own (./nativeNormalization) that the
 *   U-Net's layers use (../models/batchNormalization, ../models/instanceNormalization);
 * - the Dice + cross-entropy training loss and its gradient (./nativeDiceCe, used by ../models/losses);
 * - seeded dropout, tfjs' masks bit for bit (./nativeDropout, used by ../models/dropout).
 * They read and write the tensors where the wasm backend keeps them (its heap), so nothing is
 * copied through JavaScript. Every other kernel stays on wasm, and any call the native kernels do
 * not cover (NCHW, prelu, a bias that is not one per channel, innermost or integer reductions)
 * goes to the kernel that was registered before (wasm's own, or ./wasmTrainingKernels).
 *
 * Without the addon nothing changes: {@link registerNativeKernels} reports why it is not active.
 * `SCANSELECT_NATIVE_KERNELS=off` keeps it unloaded even when built.
 */
import { availableParallelism } from 'os';
import { join } from 'path';
import {
  backend_util,
  Concat,
  Conv2D,
  Conv2DBackpropFilter,
  Conv2DBackpropInput,
  FusedBatchNorm,
  FusedConv2D,
  getKernel,
  LeakyRelu,
  Mean,
  registerKernel,
  SplitV,
  Sum,
  unregisterKernel,
  util,
} from '@tensorflow/tfjs-core';
import type {
  Conv2DAttrs,
  Conv2DBackpropFilterAttrs,
  Conv2DBackpropInputAttrs,
  FusedBatchNormAttrs,
  FusedConv2DAttrs,
  KernelConfig,
  LeakyReluAttrs,
  KernelFunc,
  MeanAttrs,
  SumAttrs,
  TensorInfo,
} from '@tensorflow/tfjs-core';

import { isWasmHeapBackend, offset, type NativeAddon } from './nativeHeap';
import { makeConcat, makeSplitV } from './nativeCopyKernels';
import { elementwiseMakers, NATIVE_ELEMENTWISE_KERNEL_NAMES } from './nativeElementwise';
import { activationMakers, NATIVE_ACTIVATION_KERNEL_NAMES } from './nativeActivations';
import { FUSED_ADAM_KERNEL, makeFusedAdam } from './nativeAdam';
import {
  BATCH_NORM_TRAINING_KERNEL, INSTANCE_NORM_KERNEL, MOVING_AVERAGES_KERNEL, NORMALIZATION_GRAD_KERNEL, normalizationMakers, registerNormalizationGradients,
} from './nativeNormalization';
import { DICE_CE_GRAD_KERNEL, DICE_CE_KERNEL, diceCeMakers, registerDiceCeGradient } from './nativeDiceCe';
import { DROPOUT_KERNEL, dropoutMakers, registerDropoutGradient } from './nativeDropout';

const WASM = 'wasm';

/** Kernel names replaced on the wasm backend when the addon is loaded. */
export const NATIVE_KERNEL_NAMES: readonly string[] = [
  Conv2D, FusedConv2D, Conv2DBackpropInput, Conv2DBackpropFilter, Sum, Mean, FusedBatchNorm, LeakyRelu, Concat, SplitV,
  ...NATIVE_ELEMENTWISE_KERNEL_NAMES, ...NATIVE_ACTIVATION_KERNEL_NAMES, FUSED_ADAM_KERNEL,
  BATCH_NORM_TRAINING_KERNEL, INSTANCE_NORM_KERNEL, NORMALIZATION_GRAD_KERNEL, MOVING_AVERAGES_KERNEL, DICE_CE_KERNEL, DICE_CE_GRAD_KERNEL,
  DROPOUT_KERNEL,
];

/** Environment variable that disables the native kernels (`off`, `0` or `false`). */
export const NATIVE_KERNELS_ENV_VAR = 'SCANSELECT_NATIVE_KERNELS';

/** Where `npm run build:native` puts the addon (relative to this file in src/ and in dist/). */
export const NATIVE_ADDON_PATH = join(__dirname, '..', '..', 'native', 'build', 'scanselect_native.node');

/** Outcome of {@link registerNativeKernels}. */
export interface NativeKernelStatus {
  readonly active: boolean;
  /** oneDNN's version and threading runtime (e.g. `2.6.3 (OpenMP)`), when active. */
  readonly version?: string;
  /** Why the kernels are not active. */
  readonly reason?: string;
  readonly kernels: readonly string[];
  /** OpenMP threads of the native kernels (OMP_NUM_THREADS, else the CPU count), when active. */
  readonly threads?: number;
}

let addon: NativeAddon | undefined;
let loadError: string | undefined;

function disabledByEnv(): boolean {
  const v = (process.env[NATIVE_KERNELS_ENV_VAR] ?? '').trim().toLowerCase();
  return v === 'off' || v === '0' || v === 'false';
}

/**
 * Sets OpenMP's thread count (when asked, and not set by the user) and, unless set, a passive
 * wait policy: between two native calls the JavaScript thread runs the wasm kernels, and spinning
 * OpenMP workers would take its core. libgomp reads both when the addon first loads it.
 */
function configureOpenMp(threads: number | undefined): void {
  if (threads !== undefined && process.env.OMP_NUM_THREADS === undefined) process.env.OMP_NUM_THREADS = String(threads);
  if (process.env.OMP_WAIT_POLICY === undefined) process.env.OMP_WAIT_POLICY = 'passive';
}

function loadAddon(threads: number | undefined): NativeAddon | undefined {
  if (addon !== undefined || loadError !== undefined) return addon;
  configureOpenMp(threads);
  try {
    // A native module path known only at run time: not something a bundler may resolve.
    addon = (module.require as (id: string) => NativeAddon)(NATIVE_ADDON_PATH);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    loadError = code === 'MODULE_NOT_FOUND'
      ? 'not built (npm run build:native; needs libdnnl-dev)'
      : `failed to load: ${error instanceof Error ? error.message : String(error)}`;
  }
  return addon;
}

type Conv2DInfo = backend_util.Conv2DInfo;

/** The 17 numbers the addon takes, or undefined when oneDNN's output size would differ. */
function geometry(info: Conv2DInfo): number[] | undefined {
  const { batchSize, inHeight, inWidth, inChannels, filterHeight, filterWidth, outChannels, outHeight, outWidth } = info;
  const { strideHeight, strideWidth, dilationHeight, dilationWidth } = info;
  const { top, bottom, left, right } = info.padInfo;
  if ([top, bottom, left, right].some((p) => !(p >= 0))) return undefined;
  const oh = Math.floor((inHeight + top + bottom - ((filterHeight - 1) * dilationHeight + 1)) / strideHeight) + 1;
  const ow = Math.floor((inWidth + left + right - ((filterWidth - 1) * dilationWidth + 1)) / strideWidth) + 1;
  if (oh !== outHeight || ow !== outWidth) return undefined;
  return [batchSize, inHeight, inWidth, inChannels, filterHeight, filterWidth, outChannels, outHeight, outWidth,
    strideHeight, strideWidth, dilationHeight, dilationWidth, top, bottom, left, right];
}


const ACTIVATIONS: Readonly<Record<string, number>> = { linear: 0, relu: 1, leakyrelu: 2 };

function allFloat(...tensors: Array<TensorInfo | undefined>): boolean {
  return tensors.every((t) => t === undefined || t.dtype === 'float32');
}

function makeForward(native: NativeAddon, fused: boolean, fallback: KernelConfig | undefined): KernelFunc {
  return (args) => {
    const { inputs, backend } = args;
    const a = args.attrs as unknown as FusedConv2DAttrs & Conv2DAttrs;
    const { x, filter, bias, preluActivationWeights } = inputs as { x: TensorInfo; filter: TensorInfo; bias?: TensorInfo; preluActivationWeights?: TensorInfo };
    const activation = fused ? ACTIVATIONS[a.activation ?? 'linear'] : 0;
    const info = a.dataFormat === 'NHWC' || a.dataFormat === undefined
      ? backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filter.shape as [number, number, number, number],
        a.strides, a.dilations, a.pad, a.dimRoundingMode, false, 'channelsLast')
      : undefined;
    const g = info && geometry(info);
    const biasOk = bias === undefined || (bias.shape.length <= 1 && (bias.shape[0] ?? 1) === info?.outChannels);
    if (!isWasmHeapBackend(backend) || g === undefined || activation === undefined || preluActivationWeights !== undefined || !biasOk || !allFloat(x, filter, bias)) {
      if (fallback === undefined) throw new Error(`${fused ? FusedConv2D : Conv2D}: no wasm kernel to fall back to`);
      return fallback.kernelFunc(args);
    }
    const out = backend.makeOutput(info!.outShape, 'float32');
    native.conv2dForward(backend.wasm.HEAPU8.buffer as ArrayBuffer, g, offset(backend, x), offset(backend, filter),
      bias === undefined ? -1 : offset(backend, bias), offset(backend, out), activation, a.leakyreluAlpha ?? 0.2);
    return out;
  };
}

function makeBackwardData(native: NativeAddon, fallback: KernelConfig | undefined): KernelFunc {
  return (args) => {
    const { inputs, backend } = args;
    const a = args.attrs as unknown as Conv2DBackpropInputAttrs;
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const info = a.dataFormat === 'NHWC' || a.dataFormat === undefined
      ? backend_util.computeConv2DInfo(a.inputShape, filter.shape as [number, number, number, number], a.strides, 1, a.pad, a.dimRoundingMode, false, 'channelsLast')
      : undefined;
    const g = info && geometry(info);
    if (!isWasmHeapBackend(backend) || g === undefined || !allFloat(dy, filter)) {
      if (fallback === undefined) throw new Error(`${Conv2DBackpropInput}: no wasm kernel to fall back to`);
      return fallback.kernelFunc(args);
    }
    const out = backend.makeOutput([...a.inputShape], 'float32');
    native.conv2dBackwardData(backend.wasm.HEAPU8.buffer as ArrayBuffer, g, offset(backend, dy), offset(backend, filter), offset(backend, out));
    return out;
  };
}

function makeBackwardFilter(native: NativeAddon, fallback: KernelConfig | undefined): KernelFunc {
  return (args) => {
    const { inputs, backend } = args;
    const a = args.attrs as unknown as Conv2DBackpropFilterAttrs;
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const info = a.dataFormat === 'NHWC' || a.dataFormat === undefined
      ? backend_util.computeConv2DInfo(x.shape as [number, number, number, number], a.filterShape, a.strides, 1, a.pad, a.dimRoundingMode, false, 'channelsLast')
      : undefined;
    const g = info && geometry(info);
    if (!isWasmHeapBackend(backend) || g === undefined || !allFloat(x, dy)) {
      if (fallback === undefined) throw new Error(`${Conv2DBackpropFilter}: no wasm kernel to fall back to`);
      return fallback.kernelFunc(args);
    }
    const out = backend.makeOutput([...a.filterShape], 'float32');
    native.conv2dBackwardWeights(backend.wasm.HEAPU8.buffer as ArrayBuffer, g, offset(backend, x), offset(backend, dy), offset(backend, out));
    return out;
  };
}

/** [p, r, q] when the sorted axes are one contiguous run that leaves the last axis; else undefined. */
export function leadingReductionShape(shape: readonly number[], axes: readonly number[]): [number, number, number] | undefined {
  if (axes.length === 0) return undefined;
  const sorted = [...axes].sort((a, b) => a - b);
  const first = sorted[0]!;
  const last = sorted[sorted.length - 1]!;
  if (last - first + 1 !== sorted.length || last >= shape.length - 1) return undefined;
  const prod = (from: number, to: number): number => shape.slice(from, to).reduce((p, d) => p * d, 1);
  return [prod(0, first), prod(first, last + 1), prod(last + 1, shape.length)];
}

function makeReduction(native: NativeAddon, mean: boolean, fallback: KernelConfig | undefined): KernelFunc {
  return (args) => {
    const { backend } = args;
    const { x } = args.inputs as { x: TensorInfo };
    const { axis, keepDims } = args.attrs as unknown as SumAttrs | MeanAttrs;
    const axes = util.parseAxisParam(axis, x.shape);
    const split = x.dtype === 'float32' ? leadingReductionShape(x.shape, axes) : undefined;
    if (split === undefined || split.includes(0) || !isWasmHeapBackend(backend)) {
      if (fallback === undefined) throw new Error(`${mean ? Mean : Sum}: no wasm kernel to fall back to`);
      return fallback.kernelFunc(args);
    }
    const [p, r, q] = split;
    const outShape = keepDims ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));
    const out = backend.makeOutput(outShape, 'float32');
    native.sumMiddleAxis(backend.wasm.HEAPU8.buffer as ArrayBuffer, offset(backend, x), offset(backend, out), p, r, q, mean ? 1 / r : 1);
    return out;
  };
}

const size = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);

function makeBatchNorm(native: NativeAddon, fallback: KernelConfig | undefined): KernelFunc {
  return (args) => {
    const { backend } = args;
    const { x, mean, variance, offset: shift, scale } = args.inputs as { x: TensorInfo; mean: TensorInfo; variance: TensorInfo; offset?: TensorInfo; scale?: TensorInfo };
    const { varianceEpsilon } = args.attrs as unknown as FusedBatchNormAttrs;
    const channels = x.shape[x.shape.length - 1] ?? 0;
    const perChannel = (t: TensorInfo | undefined): boolean => t === undefined || (size(t.shape) === channels && t.shape.slice(0, -1).every((d) => d === 1));
    if (!isWasmHeapBackend(backend) || channels === 0 || size(x.shape) === 0 || !allFloat(x, mean, variance, shift, scale)
      || ![mean, variance, shift, scale].every(perChannel)) {
      if (fallback === undefined) throw new Error(`${FusedBatchNorm}: no wasm kernel to fall back to`);
      return fallback.kernelFunc(args);
    }
    const out = backend.makeOutput([...x.shape], 'float32');
    native.batchNorm(backend.wasm.HEAPU8.buffer as ArrayBuffer, offset(backend, x), offset(backend, out), size(x.shape), channels,
      offset(backend, mean), offset(backend, variance), shift === undefined ? -1 : offset(backend, shift), scale === undefined ? -1 : offset(backend, scale),
      varianceEpsilon ?? 0.001);
    return out;
  };
}

function makeLeakyRelu(native: NativeAddon, fallback: KernelConfig | undefined): KernelFunc {
  return (args) => {
    const { backend } = args;
    const { x } = args.inputs as { x: TensorInfo };
    const { alpha } = args.attrs as unknown as LeakyReluAttrs;
    if (!isWasmHeapBackend(backend) || x.dtype !== 'float32' || size(x.shape) === 0) {
      if (fallback === undefined) throw new Error(`${LeakyRelu}: no wasm kernel to fall back to`);
      return fallback.kernelFunc(args);
    }
    const out = backend.makeOutput([...x.shape], 'float32');
    native.leakyRelu(backend.wasm.HEAPU8.buffer as ArrayBuffer, offset(backend, x), offset(backend, out), size(x.shape), alpha);
    return out;
  };
}

/** Kernels this module replaced (to restore them), and the functions it registered. */
const replaced = new Map<string, KernelConfig | undefined>();
const ours = new Set<KernelFunc>();

/**
 * Replaces the wasm kernels by native ones when the addon is built and not disabled.
 * Idempotent. Call it after the wasm backend and ./wasmTrainingKernels are registered (their
 * kernels become the fallback for calls the native ones do not cover).
 */
export function registerNativeKernels(threads?: number): NativeKernelStatus {
  if (disabledByEnv()) return { active: false, reason: `disabled by ${NATIVE_KERNELS_ENV_VAR}`, kernels: [] };
  const native = loadAddon(threads);
  if (native === undefined) return { active: false, reason: loadError, kernels: [] };
  const makers: Record<string, (fallback: KernelConfig | undefined) => KernelFunc> = {
    [Conv2D]: (f) => makeForward(native, false, f),
    [FusedConv2D]: (f) => makeForward(native, true, f),
    [Conv2DBackpropInput]: (f) => makeBackwardData(native, f),
    [Conv2DBackpropFilter]: (f) => makeBackwardFilter(native, f),
    [Sum]: (f) => makeReduction(native, false, f),
    [Mean]: (f) => makeReduction(native, true, f),
    [FusedBatchNorm]: (f) => makeBatchNorm(native, f),
    [LeakyRelu]: (f) => makeLeakyRelu(native, f),
    [Concat]: (f) => makeConcat(native, f),
    [SplitV]: (f) => makeSplitV(native, f),
    ...elementwiseMakers(native),
    ...activationMakers(native),
    [FUSED_ADAM_KERNEL]: (f) => makeFusedAdam(native, f),
    ...normalizationMakers(native),
    ...diceCeMakers(native),
    ...dropoutMakers(native),
  };
  for (const [name, make] of Object.entries(makers)) {
    const existing = getKernel(name, WASM);
    if (existing !== undefined && ours.has(existing.kernelFunc)) continue;
    replaced.set(name, existing);
    if (existing !== undefined) unregisterKernel(name, WASM);
    const kernelFunc = make(existing);
    ours.add(kernelFunc);
    registerKernel({ kernelName: name, backendName: WASM, kernelFunc });
  }
  registerNormalizationGradients();
  registerDiceCeGradient();
  registerDropoutGradient();
  const ompThreads = Number.parseInt(process.env.OMP_NUM_THREADS ?? '', 10);
  return { active: true, version: native.version(), kernels: [...NATIVE_KERNEL_NAMES], threads: ompThreads > 0 ? ompThreads : availableParallelism() };
}

/** Puts back the kernels that {@link registerNativeKernels} replaced (tests compare both). */
export function unregisterNativeKernels(): void {
  for (const [name, previous] of replaced) {
    const current = getKernel(name, WASM);
    if (current === undefined || !ours.has(current.kernelFunc)) continue;
    unregisterKernel(name, WASM);
    if (previous !== undefined) registerKernel(previous);
  }
  replaced.clear();
}
