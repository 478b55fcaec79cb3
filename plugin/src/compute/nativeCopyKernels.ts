/**
 * `Concat` and `SplitV` for the wasm backend as native column-block copies (./nativeKernels).
 *
 * Along axis a, a tensor is a [rows, width] matrix (rows = the product of the axes before a,
 * width = the product of a and the axes after it). Concatenating puts each input's columns side by
 * side; splitting takes them apart again — one memcpy per row and piece in the addon. The stock
 * wasm kernels copy row by row from JavaScript, which for the channel axis of an NHWC activation
 * is one small copy per pixel: the U-Net's three skip concatenations and their gradients took
 * a visible share of a 256² inference in a per-kernel profile (docs/compute.md). Strings and anything else go to the
 * previous kernel.
 */
import { util } from '@tensorflow/tfjs-core';
import type { ConcatAttrs, KernelConfig, KernelFunc, SplitVAttrs, TensorInfo } from '@tensorflow/tfjs-core';
import { isWasmHeapBackend, offset, type NativeAddon } from './nativeHeap';

const BYTES: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1 };

const product = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);

function delegate(name: string, fallback: KernelConfig | undefined, args: Parameters<KernelFunc>[0]): ReturnType<KernelFunc> {
  if (fallback === undefined) throw new Error(`${name}: no wasm kernel to fall back to`);
  return fallback.kernelFunc(args);
}

/** Concat along any axis of same-dtype numeric tensors. */
export function makeConcat(native: NativeAddon, fallback: KernelConfig | undefined): KernelFunc {
  return (args) => {
    const { backend } = args;
    const inputs = args.inputs as unknown as TensorInfo[];
    const first = inputs[0];
    const bytes = first === undefined ? undefined : BYTES[first.dtype];
    const nonEmpty = inputs.filter((t) => product(t.shape) > 0);
    if (first === undefined || bytes === undefined || !isWasmHeapBackend(backend) || nonEmpty.length < 2
      || inputs.some((t) => t.dtype !== first.dtype || t.shape.length !== first.shape.length)) {
      return delegate('Concat', fallback, args);
    }
    const axis = util.parseAxisParam((args.attrs as unknown as ConcatAttrs).axis, first.shape)[0]!;
    // Every axis but `axis` must agree; the stock kernel raises tfjs' own error when not.
    if (inputs.some((t) => t.shape.some((d, i) => i !== axis && d !== first.shape[i]))) return delegate('Concat', fallback, args);
    const rows = product(first.shape.slice(0, axis));
    const widths = nonEmpty.map((t) => product(t.shape.slice(axis)));
    const total = widths.reduce((a, b) => a + b, 0);
    const outShape = [...first.shape];
    outShape[axis] = inputs.reduce((sum, t) => sum + t.shape[axis]!, 0);
    const out = backend.makeOutput(outShape, first.dtype);
    const heap = backend.wasm.HEAPU8.buffer as ArrayBuffer;
    let start = 0;
    nonEmpty.forEach((t, i) => {
      native.copyColumns(heap, offset(backend, t), widths[i]!, 0, offset(backend, out), total, start, widths[i]!, rows, bytes);
      start += widths[i]!;
    });
    return out;
  };
}

/** SplitV along any axis of a numeric tensor. */
export function makeSplitV(native: NativeAddon, fallback: KernelConfig | undefined): KernelFunc {
  return (args) => {
    const { backend } = args;
    const { x } = args.inputs as { x: TensorInfo };
    const { numOrSizeSplits, axis } = args.attrs as unknown as SplitVAttrs;
    const bytes = BYTES[x.dtype];
    if (bytes === undefined || !isWasmHeapBackend(backend) || product(x.shape) === 0) return delegate('SplitV', fallback, args);
    const a = util.parseAxisParam(axis, x.shape)[0]!;
    const dim = x.shape[a]!;
    let sizes: number[];
    if (typeof numOrSizeSplits === 'number') {
      if (numOrSizeSplits < 1 || dim % numOrSizeSplits !== 0) return delegate('SplitV', fallback, args);
      sizes = new Array<number>(numOrSizeSplits).fill(dim / numOrSizeSplits);
    } else {
      // One entry may be −1 ("the rest"), as tfjs allows.
      const known = numOrSizeSplits.filter((s) => s !== -1).reduce((p, s) => p + s, 0);
      sizes = numOrSizeSplits.map((s) => (s === -1 ? dim - known : s));
      if (sizes.some((s) => !(s >= 0)) || sizes.reduce((p, s) => p + s, 0) !== dim) return delegate('SplitV', fallback, args);
    }
    const rows = product(x.shape.slice(0, a));
    const inner = product(x.shape.slice(a + 1));
    const width = dim * inner;
    let start = 0;
    return sizes.map((size) => {
      const shape = [...x.shape];
      shape[a] = size;
      const out = backend.makeOutput(shape, x.dtype);
      if (size > 0 && rows > 0) {
        native.copyColumns(backend.wasm.HEAPU8.buffer as ArrayBuffer, offset(backend, x), width, start, offset(backend, out), size * inner, 0, size * inner, rows, bytes);
      }
      start += size * inner;
      return out;
    });
  };
}
