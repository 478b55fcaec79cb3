/**
 * A fused Adam update for the wasm backend on the native addon (plugin/native/elementwise.cc).
 *
 * tfjs' `AdamOptimizer.applyGradients` updates each variable with 14 elementwise ops (mul, add,
 * square, div, sqrt) and 6 scalar constants; for the U-Net's 91 variables, most of them small,
 * that is over a thousand kernel calls per training step, whose cost is mostly the engine's
 * per-op overhead (per-kernel profile, scratch script; docs/compute.md). Here each variable takes
 * one kernel, `ScanSelectAdam`, that computes the same ops in the same order, each rounded to
 * float32 as the op chain rounds it, so the new weights and moments are bit for bit those of the
 * stock optimizer.
 *
 * {@link adamOptimizer} makes the project's Adam optimizers (train.ts, the site-trained encoder):
 * a tfjs AdamOptimizer whose `applyGradients` runs the fused kernel when the active backend is wasm
 * with the kernel registered and every gradient is a float32 tensor of its variable's shape, and
 * tfjs' own `applyGradients` otherwise (cpu, tensorflow, native kernels off). tfjs' class itself is
 * left as it is.
 */
import * as tf from '@tensorflow/tfjs-core';
import { AdamOptimizer } from '@tensorflow/tfjs-core';
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

type VariableGradients = Parameters<AdamOptimizer['applyGradients']>[0];
import { isWasmHeapBackend, offset, type NativeAddon } from './nativeHeap';

/** Name of the fused kernel (not a tfjs kernel: only this module calls it). */
export const FUSED_ADAM_KERNEL = 'ScanSelectAdam';

const WASM = 'wasm';

/** The AdamOptimizer fields that `applyGradients` uses (protected or private in tfjs' typings). */
interface AdamInternals {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: Array<{ originalName: string; variable: tf.Variable } | undefined>;
  accumulatedSecondMoment: Array<{ originalName: string; variable: tf.Variable } | undefined>;
  incrementIterations(): void;
}

const product = (shape: readonly number[]): number => shape.reduce((p, d) => p * d, 1);

/**
 * The kernel: inputs value, gradient, m, v (float32, one shape) and the scalars oneMinusAccBeta1,
 * oneMinusAccBeta2; attrs beta1, beta2, epsilon, learningRate; outputs [m', v', value'].
 */
export function makeFusedAdam(native: NativeAddon, fallback: KernelConfig | undefined): KernelFunc {
  return (args) => {
    const { backend } = args;
    const { value, gradient, m, v, oneMinusAccBeta1, oneMinusAccBeta2 } = args.inputs as Record<string, TensorInfo>;
    const { beta1, beta2, epsilon, learningRate } = args.attrs as unknown as Record<string, number>;
    const tensors = [value, gradient, m, v, oneMinusAccBeta1, oneMinusAccBeta2];
    const count = value === undefined ? 0 : product(value.shape);
    if (!isWasmHeapBackend(backend) || tensors.some((t) => t === undefined || t.dtype !== 'float32')
      || [gradient, m, v].some((t) => product(t!.shape) !== count) || product(oneMinusAccBeta1!.shape) !== 1 || product(oneMinusAccBeta2!.shape) !== 1) {
      if (fallback === undefined) throw new Error(`${FUSED_ADAM_KERNEL}: needs float32 value, gradient and moments of one size on the wasm backend`);
      return fallback.kernelFunc(args);
    }
    const outs = [0, 1, 2].map(() => backend.makeOutput([...value!.shape], 'float32'));
    if (count === 0) return outs;
    const at = (t: TensorInfo | undefined): number => offset(backend, t!);
    native.adam(backend.wasm.HEAPU8.buffer as ArrayBuffer, count, at(value), at(gradient), at(m), at(v), at(oneMinusAccBeta1), at(oneMinusAccBeta2),
      at(outs[0]), at(outs[1]), at(outs[2]), beta1!, 1 - beta1!, beta2!, 1 - beta2!, epsilon!, -learningRate!);
    return outs;
  };
}


function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** tfjs' applyGradients (tfjs-core 4.22 optimizers/adam_optimizer.ts) with the per-variable ops fused; false when it does not apply. */
function fusedApplyGradients(this: AdamOptimizer, variableGradients: VariableGradients): boolean {
  const self = this as unknown as AdamInternals;
  const names = Array.isArray(variableGradients) ? variableGradients.map((g) => g.name) : Object.keys(variableGradients);
  const gradientOf = (name: string, i: number): tf.Tensor | undefined =>
    (Array.isArray(variableGradients) ? variableGradients[i]?.tensor : variableGradients[name]) ?? undefined;
  const registered = tf.engine().registeredVariables;
  const moment = (list: AdamInternals['accumulatedFirstMoment'], i: number): tf.Variable | undefined => list[i]?.variable;
  const fits = (t: tf.Tensor | undefined, like: tf.Tensor): boolean => t === undefined || (t.dtype === 'float32' && sameShape(t.shape, like.shape));
  const fusable = tf.getBackend() === WASM && tf.getKernel(FUSED_ADAM_KERNEL, WASM) !== undefined && names.every((name, i) => {
    const value = registered[name];
    return value !== undefined && value.dtype === 'float32' && fits(gradientOf(name, i), value)
      && fits(moment(self.accumulatedFirstMoment, i), value) && fits(moment(self.accumulatedSecondMoment, i), value);
  });
  if (!fusable) return false;
  tf.tidy(() => {
    const oneMinusAccBeta1 = tf.sub(1, self.accBeta1);
    const oneMinusAccBeta2 = tf.sub(1, self.accBeta2);
    names.forEach((name, i) => {
      const value = registered[name]!;
      // As tfjs: the moments are created on first use, before the gradient is looked at.
      self.accumulatedFirstMoment[i] ??= { originalName: `${name}/m`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
      self.accumulatedSecondMoment[i] ??= { originalName: `${name}/v`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
      const gradient = gradientOf(name, i);
      if (gradient === undefined) return;
      const m = self.accumulatedFirstMoment[i]!.variable;
      const v = self.accumulatedSecondMoment[i]!.variable;
      const [newM, newV, newValue] = tf.engine().runKernel(FUSED_ADAM_KERNEL, { value, gradient, m, v, oneMinusAccBeta1, oneMinusAccBeta2 },
        { beta1: self.beta1, beta2: self.beta2, epsilon: self.epsilon, learningRate: self.learningRate }) as tf.Tensor[];
      m.assign(newM!);
      v.assign(newV!);
      value.assign(newValue!);
    });
    self.accBeta1.assign(tf.mul(self.accBeta1, self.beta1));
    self.accBeta2.assign(tf.mul(self.accBeta2, self.beta2));
  });
  self.incrementIterations();
  return true;
}

/** An AdamOptimizer that updates each variable with the fused kernel where it applies (see the module comment). */
export class FusedAdamOptimizer extends AdamOptimizer {
  override applyGradients(variableGradients: VariableGradients): void {
    if (!fusedApplyGradients.call(this, variableGradients)) super.applyGradients(variableGradients);
  }
}

/** The project's Adam: tfjs' `train.adam` with the fused update on wasm with the native kernels. */
export function adamOptimizer(learningRate: number, beta1: number, beta2: number, epsilon: number): AdamOptimizer {
  return new FusedAdamOptimizer(learningRate, beta1, beta2, epsilon);
}
