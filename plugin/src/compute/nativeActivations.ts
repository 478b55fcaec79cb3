/**
 * Softmax and ReLU's gradient on the native addon (plugin/native/elementwise.cc), for the wasm
 * backend, registered by ./nativeKernels with the others; ./activationGradients registers the ReLU
 * gradient that calls the gradient kernel.
 *
 * - `Softmax` over the last axis (the U-Net's output layer, [N, H, W, C] with a few classes): the
 *   stock wasm kernel was a visible share of a 128² training step and of inference (scratch
 *   profile). The native one computes tfjs' formula in float32 row by row; its exponential is the C
 *   library's, so results equal wasm's and cpu's up to rounding. Other dtypes go to the wasm kernel.
 * - `ScanSelectReluGrad`: dy · step(x), tfjs' ReLU gradient (Step, Cast, Multiply) bit for bit in one
 *   pass — for each of the U-Net's 14 ReLU layers per step.
 * A native softmax gradient (one pass instead of Multiply, Sum, Multiply, Sub) was no faster in
 * an interleaved A/B of the training step (scratch script), so that stays tfjs'.
 */
import { Softmax } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { isWasmHeapBackend, offset, type NativeAddon } from './nativeHeap';

/** The ReLU gradient kernel (not a tfjs kernel: ./activationGradients calls it). */
export const RELU_GRAD_KERNEL = 'ScanSelectReluGrad';

/** Kernel names this module provides. */
export const NATIVE_ACTIVATION_KERNEL_NAMES: readonly string[] = [Softmax, RELU_GRAD_KERNEL];

const product = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);

/** Float32 tensors of one size, not empty. */
function sameSize(a: TensorInfo | undefined, b: TensorInfo | undefined): boolean {
  return a !== undefined && b !== undefined && a.dtype === 'float32' && b.dtype === 'float32' && product(a.shape) === product(b.shape) && product(a.shape) > 0;
}

/** [rows, classes] of a tensor of rank ≥ 1 over its last axis. */
function rowsOf(t: TensorInfo): [number, number] {
  const classes = t.shape[t.shape.length - 1] ?? 1;
  return [product(t.shape) / classes, classes];
}

function makeSoftmax(native: NativeAddon, fallback: KernelConfig | undefined): KernelFunc {
  return (args) => {
    const { backend } = args;
    const { logits } = args.inputs as { logits?: TensorInfo };
    const { dim } = args.attrs as unknown as { dim: number };
    const lastAxis = logits !== undefined && (dim === -1 || dim === logits.shape.length - 1);
    if (logits === undefined || !lastAxis || logits.shape.length === 0 || !sameSize(logits, logits) || !isWasmHeapBackend(backend)) {
      if (fallback === undefined) throw new Error(`${Softmax}: no wasm kernel to fall back to`);
      return fallback.kernelFunc(args);
    }
    const out = backend.makeOutput([...logits.shape], 'float32');
    native.softmax(backend.wasm.HEAPU8.buffer as ArrayBuffer, offset(backend, logits), offset(backend, out), ...rowsOf(logits));
    return out;
  };
}

/** `ScanSelectReluGrad`: inputs dy and x (float32, one size); output dy · step(x). */
function makeReluGrad(native: NativeAddon): KernelFunc {
  return (args) => {
    const { backend } = args;
    const { dy, x } = args.inputs as { dy?: TensorInfo; x?: TensorInfo };
    if (!sameSize(dy, x) || !isWasmHeapBackend(backend)) throw new Error(`${RELU_GRAD_KERNEL}: needs float32 dy and x of one size on the wasm backend`);
    const out = backend.makeOutput([...x!.shape], 'float32');
    native.reluGrad(backend.wasm.HEAPU8.buffer as ArrayBuffer, offset(backend, dy!), offset(backend, x!), offset(backend, out), product(x!.shape));
    return out;
  };
}

/** Makers of this module's kernels, keyed by kernel name, for ./nativeKernels' registration. */
export function activationMakers(native: NativeAddon): Record<string, (fallback: KernelConfig | undefined) => KernelFunc> {
  return {
    [Softmax]: (f) => makeSoftmax(native, f),
    [RELU_GRAD_KERNEL]: () => makeReluGrad(native),
  };
}
