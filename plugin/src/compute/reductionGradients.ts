/**
 * The gradients of `Mean` and `Sum` without a tensor of ones. tfjs' own gradient (as bundled in
 * tfjs-layers, which registers it when loaded) computes `dy · ones(x.shape) / n`, filling a
 * full-size array of ones in JavaScript for every batch-norm layer of every training step — a
 * visible share of a 256² U-Net step on wasm in a CPU profile (scratch script). This one divides
 * the reduced `dy` by n and multiplies it by `onesLike(x)` (a kernel: filled in wasm or native
 * code, and the broadcasting Multiply is native): the same values, bit for bit (x·1 is exact; the
 * division is the same one).
 * `broadcastTo` was tried and lost: the loss's means reduce inner axes, where Tile takes wasm's
 * generic path, and the training step got slower. `Sum`'s gradient had the same JavaScript ones
 * (`dy · ones(x.shape)`); it becomes `dy · onesLike(x)`, also bit for bit.
 */
import * as tf from '@tensorflow/tfjs-core';
// Loaded first: it registers its bundled gradients when evaluated, which would replace this one.
import '@tensorflow/tfjs-layers';

/**
 * For a reduction of `x` over its `axis` attribute: the reduced size n, and how to spread a
 * gradient back over `x`'s shape (reshaped with the reduced axes as 1, then times `onesLike(x)`).
 */
function spread(x: tf.Tensor, attrs: unknown): { n: number; over: (t: tf.Tensor) => tf.Tensor } {
  const axes = tf.util.parseAxisParam((attrs as tf.SumAttrs).axis, x.shape);
  const expanded = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
  return { n: axes.reduce((m, a) => m * x.shape[a]!, 1), over: (t) => tf.mul(tf.reshape(t, expanded), tf.onesLike(x)) };
}

const meanGradConfig: tf.GradConfig = {
  kernelName: tf.Mean,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const x = saved[0]!;
    const { n, over } = spread(x, attrs);
    return { x: () => over(tf.div(dy as tf.Tensor, n)) };
  },
};

const sumGradConfig: tf.GradConfig = {
  kernelName: tf.Sum,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const x = saved[0]!;
    return { x: () => spread(x, attrs).over(dy as tf.Tensor) };
  },
};

/** The two gradients, as registered. */
export const REDUCTION_GRADIENTS: readonly tf.GradConfig[] = [meanGradConfig, sumGradConfig];

/** Registers the two gradients (idempotent; for every backend). */
export function registerReductionGradients(): void {
  for (const config of REDUCTION_GRADIENTS) tf.registerGradient(config);
}
