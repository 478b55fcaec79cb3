/**
 * The gradients of `Mean` and `Sum` without a tensor of ones. tfjs' own gradient (as bundled in
 * tfjs-layers, which registers it when loaded) computes `dy · ones(x.shape) / n`, filling a
 * full-size array of ones in JavaScript for every batch-norm layer of every training step — a
 * tenth of a 256² U-Net step on wasm in a CPU profile. This one divides the reduced `dy` by n and
 * multiplies it by `onesLike(x)` (a kernel: filled in wasm or native code, and the broadcasting
 * Multiply is native): the same values, bit for bit (x·1 is exact; the division is the same one).
 * `broadcastTo` was tried and lost: the loss's means reduce inner axes, where Tile takes wasm's
 * generic path, and the training step got slower. `Sum`'s gradient had the same JavaScript ones
 * (`dy · ones(x.shape)`); it becomes `dy · onesLike(x)`, also bit for bit.
 */
import * as tf from '@tensorflow/tfjs-core';
// Loaded first: it registers its bundled gradients when evaluated, which would replace this one.
import '@tensorflow/tfjs-layers';

const meanGradConfig: tf.GradConfig = {
  kernelName: tf.Mean,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const x = saved[0]!;
    const axes = tf.util.parseAxisParam((attrs as unknown as tf.MeanAttrs).axis, x.shape);
    const reduceSize = axes.reduce((n, a) => n * x.shape[a]!, 1);
    const expanded = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    return { x: () => tf.mul(tf.div(tf.reshape(dy as tf.Tensor, expanded), reduceSize), tf.onesLike(x)) };
  },
};

const sumGradConfig: tf.GradConfig = {
  kernelName: tf.Sum,
  inputsToSave: ['x'],
  gradFunc: (dy, saved, attrs) => {
    const x = saved[0]!;
    const axes = tf.util.parseAxisParam((attrs as unknown as tf.SumAttrs).axis, x.shape);
    const expanded = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    return { x: () => tf.mul(tf.reshape(dy as tf.Tensor, expanded), tf.onesLike(x)) };
  },
};

/** Registers the two gradients (idempotent; for every backend). */
export function registerReductionGradients(): void {
  tf.registerGradient(meanGradConfig);
  tf.registerGradient(sumGradConfig);
}
