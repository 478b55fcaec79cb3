/**
 * The segmentation loss (../models/losses: soft Dice + cross-entropy on softmax probabilities) as
 * one native kernel forward and one backward, for the wasm backend with the native addon
 * (plugin/native/diceCe.cc), registered by ./nativeKernels.
 *
 * tfjs computes the loss with about 20 ops forward and 30 backward on [batch, H, W, classes]
 * tensors (clip, log, products, sums over the pixels and the classes, means, and their gradients:
 * comparisons, selects, tiles, divisions), each a kernel call and a tape entry; together a visible
 * share of a 128² U-Net training step (interleaved A/B, scratch script). The kernels compute the
 * same loss, with sums in double precision (so the value differs from tfjs' by rounding only), and
 * its analytic gradient with respect to either input. {@link diceCe} returns undefined where they
 * do not apply.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { GradConfig, KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';
import { isWasmHeapBackend, offset, type NativeAddon } from './nativeHeap';

/** The forward kernel (not a tfjs kernel: only this module calls it). */
export const DICE_CE_KERNEL = 'ScanSelectDiceCe';
/** The backward kernel, run by the forward kernel's gradient. */
export const DICE_CE_GRAD_KERNEL = 'ScanSelectDiceCeGrad';

const WASM = 'wasm';

/** The loss' constants (see ../models/losses `DiceCeOptions`), all required here. */
export interface DiceCeConstants {
  readonly smoothNumerator: number;
  readonly smoothDenominator: number;
  readonly epsilon: number;
  readonly lambdaDice: number;
  readonly lambdaCe: number;
}

const product = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);

/** [batch, pixels, classes] of two float32 tensors of one shape [batch, ..., classes], or undefined. */
function layout(target: TensorInfo | undefined, probabilities: TensorInfo | undefined): [number, number, number] | undefined {
  if (target === undefined || probabilities === undefined || target.dtype !== 'float32' || probabilities.dtype !== 'float32') return undefined;
  const shape = probabilities.shape;
  if (shape.length < 2 || target.shape.length !== shape.length || target.shape.some((d, i) => d !== shape[i]) || product(shape) === 0) return undefined;
  const batch = shape[0]!;
  const classes = shape[shape.length - 1]!;
  return [batch, product(shape) / (batch * classes), classes];
}

/** The constants in the addon's order. */
function constants(attrs: unknown): [number, number, number, number, number] {
  const k = attrs as DiceCeConstants;
  return [k.smoothNumerator, k.smoothDenominator, k.epsilon, k.lambdaDice, k.lambdaCe];
}

function unsupported(name: string): never {
  throw new Error(`${name}: needs float32 target and probabilities of one shape [batch, ..., classes] on the wasm backend`);
}

function makeForward(native: NativeAddon): KernelFunc {
  return (args) => {
    const { backend } = args;
    const { target, probabilities } = args.inputs as { target?: TensorInfo; probabilities?: TensorInfo };
    const l = layout(target, probabilities);
    if (l === undefined || !isWasmHeapBackend(backend)) return unsupported(DICE_CE_KERNEL);
    const out = backend.makeOutput([], 'float32');
    native.diceCeForward(backend.wasm.HEAPU8.buffer as ArrayBuffer, offset(backend, target!), offset(backend, probabilities!), ...l, ...constants(args.attrs),
      offset(backend, out));
    return out;
  };
}

/** Inputs target, probabilities, dy (scalar); attr wrt ('probabilities' or 'target'); output the gradient wrt that input. */
function makeGrad(native: NativeAddon): KernelFunc {
  return (args) => {
    const { backend } = args;
    const { target, probabilities, dy } = args.inputs as { target?: TensorInfo; probabilities?: TensorInfo; dy?: TensorInfo };
    const { wrt } = args.attrs as unknown as { wrt: 'probabilities' | 'target' };
    const l = layout(target, probabilities);
    if (l === undefined || dy === undefined || dy.dtype !== 'float32' || product(dy.shape) !== 1 || !isWasmHeapBackend(backend)) return unsupported(DICE_CE_GRAD_KERNEL);
    const out = backend.makeOutput([...probabilities!.shape], 'float32');
    native.diceCeBackward(backend.wasm.HEAPU8.buffer as ArrayBuffer, offset(backend, target!), offset(backend, probabilities!), ...l, ...constants(args.attrs),
      offset(backend, dy), wrt === 'target' ? 1 : 0, offset(backend, out));
    return out;
  };
}

/** Makers of this module's kernels, keyed by kernel name, for ./nativeKernels' registration. */
export function diceCeMakers(native: NativeAddon): Record<string, (fallback: KernelConfig | undefined) => KernelFunc> {
  return { [DICE_CE_KERNEL]: () => makeForward(native), [DICE_CE_GRAD_KERNEL]: () => makeGrad(native) };
}

/**
 * The forward kernel's gradient: one backward kernel call per input that the tape asks for (in
 * training, only the probabilities; the target's gradient costs a logarithm per element).
 */
const diceCeGradConfig: GradConfig = {
  kernelName: DICE_CE_KERNEL,
  inputsToSave: ['target', 'probabilities'],
  gradFunc: (dy, saved, attrs) => {
    const [target, probabilities] = saved as tf.Tensor[];
    const wrt = (input: 'probabilities' | 'target') => (): tf.Tensor =>
      tf.engine().runKernel(DICE_CE_GRAD_KERNEL, { target: target!, probabilities: probabilities!, dy: dy as tf.Tensor }, { ...(attrs as tf.NamedAttrMap), wrt: input }) as tf.Tensor;
    return { target: wrt('target'), probabilities: wrt('probabilities') };
  },
};

/** Registers the forward kernel's gradient (idempotent; the kernels come with ./nativeKernels). */
export function registerDiceCeGradient(): void {
  tf.registerGradient(diceCeGradConfig);
}

/**
 * λ_dice · soft Dice + λ_ce · cross-entropy of one-hot `target` and softmax `probabilities`
 * ([batch, ..., classes]) as one differentiable native op, or undefined when the active backend has
 * no such kernel or the tensors are not float32 of one shape (then use tfjs' ops).
 */
export function diceCe(target: tf.Tensor, probabilities: tf.Tensor, k: DiceCeConstants): tf.Scalar | undefined {
  if (tf.getBackend() !== WASM || tf.getKernel(DICE_CE_KERNEL, WASM) === undefined || layout(target, probabilities) === undefined) return undefined;
  const attrs = { ...k } as unknown as tf.NamedAttrMap;
  return tf.engine().runKernel(DICE_CE_KERNEL, { target, probabilities }, attrs) as tf.Scalar;
}
