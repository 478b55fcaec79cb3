/**
 * The gradient of `Relu` in one kernel where the native kernels provide it (./nativeActivations),
 * and tfjs' own formula elsewhere. tfjs' gradient (as bundled in tfjs-layers, which registers it
 * when loaded) is `dy · cast(step(x), 'float32')`: a Step and a Multiply over the activation (and a
 * Cast, free on wasm) for each of the U-Net's 14 ReLU layers per training step; on wasm with the
 * native kernels it is one pass, the same values bit for bit.
 */
import * as tf from '@tensorflow/tfjs-core';
// Loaded first: it registers its bundled gradients when evaluated, which would replace this one.
import '@tensorflow/tfjs-layers';
import { RELU_GRAD_KERNEL } from './nativeActivations';

const reluGradConfig: tf.GradConfig = {
  kernelName: tf.Relu,
  inputsToSave: ['x'],
  gradFunc: (dy, saved) => {
    const x = saved[0]!;
    const d = dy as tf.Tensor;
    if (tf.getKernel(RELU_GRAD_KERNEL, tf.getBackend()) !== undefined && d.dtype === 'float32' && x.dtype === 'float32') {
      return { x: () => tf.engine().runKernel(RELU_GRAD_KERNEL, { dy: d, x }) as tf.Tensor };
    }
    return { x: () => tf.mul(d, tf.cast(tf.step(x), 'float32')) };
  },
};

/** Registers the gradient (idempotent; for every backend). */
export function registerActivationGradients(): void {
  tf.registerGradient(reluGradConfig);
}
