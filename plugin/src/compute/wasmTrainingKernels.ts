/**
 * Training kernels for the tfjs `wasm` backend.
 *
 * tfjs-backend-wasm 4.22 ships the forward kernels a U-Net needs but not all of their gradients:
 * `Conv2DBackpropFilter` (the weight gradient of every conv layer) is missing, so
 * `model.fit` fails with "Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'".
 * Its `Conv2DBackpropInput` exists but is a plain C++ loop nest, several times slower than the
 * XNNPACK convolution behind the wasm `Conv2D` kernel.
 *
 * Both gradients are rewritten here as a single call of the wasm backend's own `Conv2D` kernel
 * on re-arranged tensors (see the comments on each kernel), so they run at XNNPACK speed and stay
 * entirely inside the wasm heap (no round trip through JavaScript arrays). `Tile`, which the
 * batch-norm gradient uses, gets a fast path for back-to-back repetition, and `Identity` and a
 * `Cast` to the same dtype share memory instead of copying.
 */
import {
  backend_util,
  Cast,
  Conv2D,
  Conv2DBackpropFilter,
  Conv2DBackpropInput,
  getKernel,
  Identity,
  registerKernel,
  Reshape,
  Reverse,
  Slice,
  PadV2,
  Tile,
  Transpose,
  unregisterKernel,
} from '@tensorflow/tfjs-core';
import type {
  Conv2DAttrs,
  Conv2DBackpropFilterAttrs,
  Conv2DBackpropInputAttrs,
  KernelConfig,
  KernelFunc,
  NamedAttrMap,
  NamedTensorInfoMap,
  TensorInfo,
  TileAttrs,
  DataType,
} from '@tensorflow/tfjs-core';

/** The backend name the kernels are registered for. */
const WASM = 'wasm';

/** Kernel names this module registers (or replaces) on the wasm backend. */
export const WASM_TRAINING_KERNEL_NAMES: readonly string[] = [Conv2DBackpropFilter, Conv2DBackpropInput, Tile, Identity, Cast];

/**
 * The part of tfjs-backend-wasm's `BackendWasm` the kernels use. Declared structurally (instead
 * of importing the class) so that this module does not load the wasm package on its own.
 */
interface WasmBackendLike {
  disposeData(dataId: object): boolean;
  incRef(dataId: object): void;
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  typedArrayFromHeap(info: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

function isWasmBackend(backend: unknown): backend is WasmBackendLike {
  if (typeof backend !== 'object' || backend === null) return false;
  const b = backend as Partial<Record<keyof WasmBackendLike, unknown>>;
  return typeof b.disposeData === 'function' && typeof b.incRef === 'function' && typeof b.makeOutput === 'function' && typeof b.typedArrayFromHeap === 'function';
}

type Pads4 = [[number, number], [number, number], [number, number], [number, number]];

/**
 * Runs another kernel of the wasm backend directly (as tfjs' own backends do), bypassing the
 * engine: the engine would record the inner ops on the gradient tape and count their outputs as
 * user tensors. Every intermediate therefore has to be released with {@link release}.
 */
function runKernel(name: string, backend: WasmBackendLike, inputs: NamedTensorInfoMap, attrs: NamedAttrMap = {}): TensorInfo {
  const config = originals.get(name) ?? getKernel(name, WASM);
  if (config === undefined) throw new Error(`wasm kernel '${name}' is not registered; load @tensorflow/tfjs-backend-wasm first`);
  const out = config.kernelFunc({ inputs, backend, attrs });
  if (Array.isArray(out)) throw new Error(`wasm kernel '${name}' returned several outputs`);
  return out;
}

function release(backend: WasmBackendLike, ...infos: TensorInfo[]): void {
  for (const info of infos) backend.disposeData(info.dataId);
}

function transpose(backend: WasmBackendLike, x: TensorInfo, perm: number[]): TensorInfo {
  return runKernel(Transpose, backend, { x }, { perm });
}

function reshape(backend: WasmBackendLike, x: TensorInfo, shape: number[]): TensorInfo {
  return runKernel(Reshape, backend, { x }, { shape });
}

/** Plain NHWC conv2d through the wasm backend's XNNPACK kernel, with explicit padding. */
function conv(backend: WasmBackendLike, x: TensorInfo, filter: TensorInfo, strides: number, dilations: number, pads: Pads4): TensorInfo {
  const attrs: Conv2DAttrs = { strides, dilations, pad: pads, dataFormat: 'NHWC' };
  return runKernel(Conv2D, backend, { x, filter }, attrs as unknown as NamedAttrMap);
}

/** Crops `x` (4-D) to `size` from the origin, or returns it unchanged when it already fits. */
function cropTo(backend: WasmBackendLike, x: TensorInfo, size: number[]): TensorInfo {
  if (size.every((s, i) => s === x.shape[i])) return x;
  const out = runKernel(Slice, backend, { x }, { begin: size.map(() => 0), size });
  release(backend, x);
  return out;
}

/**
 * Whether these kernels handle the call; anything else (NCHW, dilation, `dimRoundingMode`)
 * goes to the original tfjs implementation (or fails as before, for the filter gradient).
 */
function supported(dataFormat: string, dimRoundingMode: unknown): boolean {
  return dataFormat === 'NHWC' && dimRoundingMode === undefined;
}

/**
 * dW[kh,kw,ci,co] = Σ_{n,i,j} x[n, i·s + kh − padTop, j·s + kw − padLeft, ci] · dy[n,i,j,co].
 *
 * Read with ci as the batch axis and n as the channel axis this is an ordinary convolution of
 * x' = transpose(x → [Cin,H,W,N]) with the "filter" dy' = transpose(dy → [Ho,Wo,N,Cout]),
 * stride 1 and dilation s (the forward stride), giving [Cin,kh,kw,Cout]; one more transpose
 * yields [kh,kw,Cin,Cout]. The bottom/right padding is chosen so the result is exactly kh×kw
 * (when 'valid' leaves rows unused the conv comes out larger and is cropped).
 */
const conv2DBackpropFilter: KernelFunc = ({ inputs, backend, attrs }) => {
  const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
  const a = attrs as unknown as Conv2DBackpropFilterAttrs;
  if (!isWasmBackend(backend)) throw new Error('Conv2DBackpropFilter: not running on the wasm backend');
  if (!supported(a.dataFormat, a.dimRoundingMode)) {
    throw new Error(`Conv2DBackpropFilter on wasm supports only NHWC without dimRoundingMode (got ${a.dataFormat})`);
  }
  const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], a.filterShape, a.strides, 1, a.pad);
  const { inHeight, inWidth, outHeight, outWidth, strideHeight, strideWidth, filterHeight, filterWidth, inChannels, outChannels } = info;
  const { top, left } = info.padInfo;
  if (strideHeight !== strideWidth) throw new Error('Conv2DBackpropFilter on wasm needs equal strides in both directions');
  const s = strideHeight;
  const bottom = Math.max(0, filterHeight + (outHeight - 1) * s - inHeight - top);
  const right = Math.max(0, filterWidth + (outWidth - 1) * s - inWidth - left);

  const xT = transpose(backend, x, [3, 1, 2, 0]);
  const dyT = transpose(backend, dy, [1, 2, 0, 3]);
  const g = conv(backend, xT, dyT, 1, s, [[0, 0], [top, bottom], [left, right], [0, 0]]);
  release(backend, xT, dyT);
  const gCropped = cropTo(backend, g, [inChannels, filterHeight, filterWidth, outChannels]);
  const out = transpose(backend, gCropped, [1, 2, 0, 3]);
  release(backend, gCropped);
  return out;
};

/**
 * dx = conv2d(dilate_s(dy), flip(W)ᵀ): the transposed convolution written as a forward one.
 * The filter is flipped spatially and has its in/out axes swapped ([kh,kw,Cout,Cin]); dy gets
 * s−1 zeros between its rows and columns (for stride s > 1, done with one reshape + pad so it
 * stays in the wasm heap) and is padded by k−1−pad on the leading side, so the stride-1 conv
 * lands exactly on the input grid.
 */
function makeConv2DBackpropInput(fallback: KernelConfig | undefined): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const a = attrs as unknown as Conv2DBackpropInputAttrs;
    if (!isWasmBackend(backend)) throw new Error('Conv2DBackpropInput: not running on the wasm backend');
    if (!supported(a.dataFormat, a.dimRoundingMode)) {
      if (fallback === undefined) throw new Error(`Conv2DBackpropInput on wasm: unsupported dataFormat ${a.dataFormat}`);
      return fallback.kernelFunc({ inputs, backend, attrs });
    }
    const info = backend_util.computeConv2DInfo(a.inputShape, filter.shape as [number, number, number, number], a.strides, 1, a.pad);
    const { batchSize, inHeight, inWidth, outHeight, outWidth, strideHeight: sh, strideWidth: sw, filterHeight: kh, filterWidth: kw, outChannels } = info;
    const { top, left } = info.padInfo;

    // Spatially flipped filter with in/out swapped: [kh,kw,Cin,Cout] → [kh,kw,Cout,Cin].
    const flipped = runKernel(Reverse, backend, { x: filter }, { dims: [0, 1] });
    const w = transpose(backend, flipped, [0, 1, 3, 2]);
    release(backend, flipped);

    // Dilated dy: [N,Ho,Wo,C] → [N,Ho,1,Wo,1,C] → pad → [N,Ho·sh,Wo·sw,C]. The trailing
    // (s−1) zero rows/columns this adds are accounted for in the bottom/right padding below.
    let dyD = dy;
    if (sh > 1 || sw > 1) {
      const r = reshape(backend, dy, [batchSize, outHeight, 1, outWidth, 1, outChannels]);
      const p = runKernel(PadV2, backend, { x: r }, {
        paddings: [[0, 0], [0, 0], [0, sh - 1], [0, 0], [0, sw - 1], [0, 0]],
        constantValue: 0,
      });
      release(backend, r);
      dyD = reshape(backend, p, [batchSize, outHeight * sh, outWidth * sw, outChannels]);
      release(backend, p);
    }
    const dyH = dyD.shape[1]!;
    const dyW = dyD.shape[2]!;
    const padTop = kh - 1 - top;
    const padLeft = kw - 1 - left;
    // Total padded height must be inHeight + kh − 1 for a stride-1 'valid' conv to give inHeight rows.
    let padBottom = inHeight + kh - 1 - padTop - dyH;
    let padRight = inWidth + kw - 1 - padLeft - dyW;
    if (padBottom < 0 || padRight < 0) {
      // Only the trailing zeros of the dilation can be surplus: drop them instead of padding.
      const cropped = runKernel(Slice, backend, { x: dyD }, {
        begin: [0, 0, 0, 0],
        size: [batchSize, dyH + Math.min(0, padBottom), dyW + Math.min(0, padRight), outChannels],
      });
      if (dyD !== dy) release(backend, dyD);
      dyD = cropped;
      padBottom = Math.max(0, padBottom);
      padRight = Math.max(0, padRight);
    }
    const out = conv(backend, dyD, w, 1, 1, [[0, 0], [padTop, padBottom], [padLeft, padRight], [0, 0]]);
    if (dyD !== dy) release(backend, dyD);
    release(backend, w);
    return out;
  };
}

/**
 * Tile, for the case where the output is the input repeated back to back — every Tile a batch-norm
 * gradient issues (a [1,1,1,C] statistic tiled to [N,H,W,C]) has that form. tfjs-backend-wasm's
 * Tile computes an index per element in C++ (about 15% of a U-Net training step at 128²);
 * here it is one copy plus log₂(reps) `copyWithin` doublings on the wasm heap. Other tilings go
 * to the original kernel.
 */
function makeTile(fallback: KernelConfig | undefined): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x } = inputs as { x: TensorInfo };
    const { reps } = attrs as unknown as TileAttrs;
    // Output = input repeated iff every repeated axis has only size-1 axes before it.
    const contiguous = x.dtype !== 'string' && reps.length === x.shape.length
      && reps.every((r, i) => r === 1 || x.shape.slice(0, i).every((d) => d === 1));
    if (!contiguous || !isWasmBackend(backend)) {
      if (fallback === undefined) throw new Error('Tile on wasm: the original kernel is not registered');
      return fallback.kernelFunc({ inputs, backend, attrs });
    }
    const out = backend.makeOutput(x.shape.map((d, i) => d * reps[i]!), x.dtype);
    // Views are taken after makeOutput: allocating may grow (and so detach) the heap buffer.
    const src = backend.typedArrayFromHeap(x);
    const dst = backend.typedArrayFromHeap(out);
    if (dst.length === 0) return out;
    dst.set(src);
    for (let filled = src.length; filled < dst.length; ) {
      const n = Math.min(filled, dst.length - filled);
      dst.copyWithin(filled, 0, n);
      filled += n;
    }
    return out;
  };
}

/**
 * Identity without a copy: the output shares the input's heap memory and takes a reference on it,
 * as the wasm `Reshape` and the cpu backend's `Identity` do (no kernel writes into its inputs).
 * The stock wasm kernel copies; gradient bookkeeping issues hundreds of Identity calls per U-Net
 * training step, each a full activation-sized copy. Strings go to the original kernel.
 */
function makeIdentity(fallback: KernelConfig | undefined): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x } = inputs as { x: TensorInfo };
    if (x.dtype === 'string' || !isWasmBackend(backend)) {
      if (fallback === undefined) throw new Error('Identity on wasm: the original kernel is not registered');
      return fallback.kernelFunc({ inputs, backend, attrs });
    }
    backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: [...x.shape], dtype: x.dtype };
  };
}

/**
 * Cast to the tensor's own dtype without a copy, as the cpu backend does (the ReLU gradient casts
 * its float32 step mask to float32: one activation-sized copy per ReLU on stock wasm). Other
 * casts go to the original kernel.
 */
function makeCast(fallback: KernelConfig | undefined): KernelFunc {
  const identity = makeIdentity(fallback);
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    if (x.dtype === (args.attrs as { dtype?: DataType }).dtype) return identity(args);
    if (fallback === undefined) throw new Error('Cast on wasm: the original kernel is not registered');
    return fallback.kernelFunc(args);
  };
}

/** Original wasm kernels that this module replaced, kept for delegation and for unregistering. */
const originals = new Map<string, KernelConfig>();
const ours = new Set<KernelFunc>();

/**
 * Registers the missing/faster training kernels on the `wasm` backend. Idempotent; call it after
 * `@tensorflow/tfjs-backend-wasm` has been loaded (its own kernels must be registered first, since
 * ours call its `Conv2D`, `Transpose`, `Reverse`, `PadV2`, `Slice` and `Reshape`).
 * @returns the names of the kernels that are now provided by this module.
 */
export function registerWasmTrainingKernels(): string[] {
  for (const name of [Conv2D, Transpose, Reverse, PadV2, Slice, Reshape]) {
    if (getKernel(name, WASM) === undefined) {
      throw new Error(`wasm kernel '${name}' is not registered; load @tensorflow/tfjs-backend-wasm first`);
    }
  }
  const install = (kernelName: string, make: (fallback: KernelConfig | undefined) => KernelFunc): void => {
    const existing = getKernel(kernelName, WASM);
    if (existing !== undefined && ours.has(existing.kernelFunc)) return;
    if (existing !== undefined) {
      originals.set(kernelName, existing);
      // unregister first: registerKernel would overwrite too, but logs a warning.
      unregisterKernel(kernelName, WASM);
    }
    const kernelFunc = make(existing);
    ours.add(kernelFunc);
    registerKernel({ kernelName, backendName: WASM, kernelFunc });
  };
  install(Conv2DBackpropFilter, () => conv2DBackpropFilter);
  install(Conv2DBackpropInput, makeConv2DBackpropInput);
  install(Tile, makeTile);
  install(Identity, makeIdentity);
  install(Cast, makeCast);
  return [...WASM_TRAINING_KERNEL_NAMES];
}

/**
 * Removes the kernels registered by {@link registerWasmTrainingKernels} and restores the wasm
 * backend's originals (tests use this to compare against the stock kernels).
 */
export function unregisterWasmTrainingKernels(): void {
  for (const name of WASM_TRAINING_KERNEL_NAMES) {
    const current = getKernel(name, WASM);
    if (current === undefined || !ours.has(current.kernelFunc)) continue;
    unregisterKernel(name, WASM);
    const original = originals.get(name);
    if (original !== undefined) registerKernel(original);
  }
}
