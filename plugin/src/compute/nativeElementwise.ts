/**
 * Elementwise kernels for the wasm backend on the native addon (plugin/native/elementwise.cc),
 * registered by ./nativeKernels with the others.
 *
 * Once the convolutions were native, the largest kernels of a U-Net training step after them were
 * elementwise ops with NHWC broadcasting — [N,H,W,C]⊙[C], [1,1,1,C]⊙[N,H,W,C] (batch-norm
 * gradients), [N,H,W,C]⊙[N,1,1,C] (instance normalisation), [N,H,W,C]⊙[N,H,W,1] (attention
 * gates), which the wasm kernels compute with per-element index arithmetic — and the wasm
 * comparison, select and PReLU kernels, which loop element by element without SIMD (per-kernel
 * profile, scratch script; docs/compute.md). Here they run as threaded loops in the addon:
 * - `Multiply`, `Add`, `Sub`, `RealDiv`, `Prelu` (float32 result) and `Greater`, `GreaterEqual`,
 *   `Less`, `LessEqual` (bool result) on two float32 tensors with any broadcast whose merged
 *   iteration space has at most 4 dimensions ({@link broadcastSpace});
 * - `Select` with a bool condition and float32 branches, all three of the same shape.
 * Each result is the float32 operation itself, so it equals the wasm and cpu kernels' bit for bit.
 * Everything else goes to the kernel registered before (wasm's own): other dtypes, 1-D
 * conditions, broadcasts of more than 4 merged dimensions, outputs smaller than
 * {@link NATIVE_ELEMENTWISE_MIN_SIZE} elements (the wasm kernel is as fast there), and arithmetic
 * on two tensors of one shape or on a tensor and a single value, where XNNPACK's own loops were
 * as fast as the native ones in the scratch profile (`plainArithmetic` opts in, for measuring).
 */
import { Add, backend_util, Greater, GreaterEqual, Less, LessEqual, Multiply, Prelu, RealDiv, Select, Sub } from '@tensorflow/tfjs-core';
import type { DataType, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { isWasmHeapBackend, offset, type NativeAddon } from './nativeHeap';

/** Outputs with fewer elements than this stay on the wasm kernels (tuned on a scratch profile). */
export const NATIVE_ELEMENTWISE_MIN_SIZE = 4096;

/** The addon's op codes (elementwise.cc `Op`) and result dtype of each binary kernel. */
const BINARY_OPS: Readonly<Record<string, { op: number; dtype: DataType }>> = {
  [Add]: { op: 0, dtype: 'float32' },
  [Sub]: { op: 1, dtype: 'float32' },
  [Multiply]: { op: 2, dtype: 'float32' },
  [RealDiv]: { op: 3, dtype: 'float32' },
  [Prelu]: { op: 4, dtype: 'float32' },
  [Greater]: { op: 10, dtype: 'bool' },
  [GreaterEqual]: { op: 11, dtype: 'bool' },
  [Less]: { op: 12, dtype: 'bool' },
  [LessEqual]: { op: 13, dtype: 'bool' },
};

/** Kernel names this module provides. */
export const NATIVE_ELEMENTWISE_KERNEL_NAMES: readonly string[] = [...Object.keys(BINARY_OPS), Select];

const product = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);

/**
 * The broadcast of `a` and `b` to `out` as the addon's 4-d iteration space — sizes [d0..d3], then
 * a's and b's element strides (0 along a broadcast dimension) — or undefined when it needs more
 * than 4 dimensions. Size-1 output dimensions are dropped and neighbours that broadcast alike are
 * merged: [2,128,128,16]⊙[16] becomes [1,1,32768,16] with strides a [0,0,16,1], b [0,0,0,1].
 */
export function broadcastSpace(out: readonly number[], a: readonly number[], b: readonly number[]): number[] | undefined {
  const rank = out.length;
  const padded = (s: readonly number[]): number[] => [...new Array<number>(rank - s.length).fill(1), ...s];
  const pa = padded(a);
  const pb = padded(b);
  // Merged dimensions, outermost first: size and whether each input varies along it.
  const dims: Array<{ size: number; a: boolean; b: boolean }> = [];
  for (let i = 0; i < rank; i++) {
    if (out[i] === 1) continue;
    const va = pa[i] !== 1;
    const vb = pb[i] !== 1;
    const last = dims[dims.length - 1];
    if (last !== undefined && last.a === va && last.b === vb) last.size *= out[i]!;
    else dims.push({ size: out[i]!, a: va, b: vb });
  }
  if (dims.length > 4) return undefined;
  while (dims.length < 4) dims.unshift({ size: 1, a: false, b: false });
  const strides = (varies: (d: (typeof dims)[number]) => boolean): number[] => {
    const s = new Array<number>(4).fill(0);
    let step = 1;
    for (let j = 3; j >= 0; j--) {
      if (varies(dims[j]!)) {
        s[j] = step;
        step *= dims[j]!.size;
      }
    }
    return s;
  };
  return [...dims.map((d) => d.size), ...strides((d) => d.a), ...strides((d) => d.b)];
}

function delegate(name: string, fallback: KernelConfig | undefined, args: Parameters<KernelFunc>[0]): ReturnType<KernelFunc> {
  if (fallback === undefined) throw new Error(`${name}: no wasm kernel to fall back to`);
  return fallback.kernelFunc(args);
}

/** Which calls go to the addon (the defaults are what measured faster; tests vary them). */
export interface ElementwiseOptions {
  /** Outputs with fewer elements stay on wasm; default {@link NATIVE_ELEMENTWISE_MIN_SIZE}. */
  readonly minSize?: number;
  /** Also take arithmetic on two same-shape tensors or a tensor and a single value; default false. */
  readonly plainArithmetic?: boolean;
}

/** Same shape, or one side a single value: XNNPACK's own fast paths. */
function plain(a: TensorInfo, b: TensorInfo): boolean {
  return product(a.shape) === 1 || product(b.shape) === 1 || (a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]));
}

/** A binary kernel on two float32 tensors (`Prelu` names them x and alpha, the others a and b). */
function makeBinary(native: NativeAddon, name: string, fallback: KernelConfig | undefined, options: Required<ElementwiseOptions>): KernelFunc {
  const { op, dtype } = BINARY_OPS[name]!;
  const { minSize } = options;
  const arithmetic = op <= 3;
  return (args) => {
    const { backend } = args;
    const inputs = args.inputs as { a?: TensorInfo; b?: TensorInfo; x?: TensorInfo; alpha?: TensorInfo };
    const a = name === Prelu ? inputs.x : inputs.a;
    const b = name === Prelu ? inputs.alpha : inputs.b;
    if (a === undefined || b === undefined || a.dtype !== 'float32' || b.dtype !== 'float32' || !isWasmHeapBackend(backend)
      || (arithmetic && !options.plainArithmetic && plain(a, b))) {
      return delegate(name, fallback, args);
    }
    const outShape = backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
    const space = product(outShape) >= Math.max(1, minSize) ? broadcastSpace(outShape, a.shape, b.shape) : undefined;
    if (space === undefined) return delegate(name, fallback, args);
    const out = backend.makeOutput(outShape, dtype);
    native.binary(backend.wasm.HEAPU8.buffer as ArrayBuffer, op, offset(backend, a), offset(backend, b), offset(backend, out), space);
    return out;
  };
}

/** `Select` with a bool condition of the branches' shape and float32 branches. */
function makeSelect(native: NativeAddon, fallback: KernelConfig | undefined, { minSize }: Required<ElementwiseOptions>): KernelFunc {
  return (args) => {
    const { backend } = args;
    const { condition, t, e } = args.inputs as { condition: TensorInfo; t: TensorInfo; e: TensorInfo };
    const same = (x: TensorInfo): boolean => x.shape.length === t.shape.length && x.shape.every((d, i) => d === t.shape[i]);
    const count = product(t.shape);
    if (condition.dtype !== 'bool' || t.dtype !== 'float32' || e.dtype !== 'float32' || !same(condition) || !same(e) || count < Math.max(1, minSize)
      || !isWasmHeapBackend(backend)) {
      return delegate(Select, fallback, args);
    }
    const out = backend.makeOutput([...t.shape], 'float32');
    native.select(backend.wasm.HEAPU8.buffer as ArrayBuffer, offset(backend, condition), offset(backend, t), offset(backend, e), offset(backend, out), count);
    return out;
  };
}

/** Makers of this module's kernels, keyed by kernel name, for ./nativeKernels' registration. */
export function elementwiseMakers(native: NativeAddon, options: ElementwiseOptions = {}): Record<string, (fallback: KernelConfig | undefined) => KernelFunc> {
  const resolved: Required<ElementwiseOptions> = { minSize: options.minSize ?? NATIVE_ELEMENTWISE_MIN_SIZE, plainArithmetic: options.plainArithmetic ?? false };
  const makers: Record<string, (fallback: KernelConfig | undefined) => KernelFunc> = {};
  for (const name of Object.keys(BINARY_OPS)) makers[name] = (f) => makeBinary(native, name, f, resolved);
  makers[Select] = (f) => makeSelect(native, f, resolved);
  return makers;
}
