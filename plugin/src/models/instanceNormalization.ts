import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { instanceNorm } from '../compute/nativeNormalization';

/** Constructor arguments of {@link InstanceNormalization}. */
export interface InstanceNormalizationArgs {
  readonly epsilon?: number;
  readonly name?: string;
}

/**
 * Instance normalisation without affine parameters (PyTorch `InstanceNorm2d(affine=False)`,
 * MONAI's default norm): each channel of each image is normalised over its own H × W pixels.
 *
 * Why a custom layer: tfjs-layers' `layerNormalization` over axes [1, 2] broadcasts its
 * statistics with `tile`, whose gradient is one `slice` per tiled pixel — 8,192 slices per layer
 * at 64² and quadratic growth after that, which made a training step at 128² take 20 s on wasm.
 * `tf.moments` + broadcasting arithmetic has gradients that are plain reductions. On wasm with the
 * native kernels the whole layer is one kernel forward and one backward instead of about 20
 * full-size ones (../compute/nativeNormalization; the same forward values bit for bit).
 */
export class InstanceNormalization extends tfl.layers.Layer {
  static readonly className = 'ScanSelectInstanceNormalization';
  readonly epsilon: number;

  constructor(args: InstanceNormalizationArgs = {}) {
    super(args.name === undefined ? {} : { name: args.name });
    this.epsilon = args.epsilon ?? 1e-5;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = Array.isArray(inputs) ? inputs[0]! : inputs;
      // The kernel's statistics span the axes between the first and the last: H and W of NHWC.
      const native = x.rank === 4 ? instanceNorm(x, this.epsilon) : undefined;
      if (native !== undefined) return native;
      const { mean, variance } = tf.moments(x, [1, 2], true);
      return tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, this.epsilon)));
    });
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return inputShape;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), epsilon: this.epsilon };
  }
}

tf.serialization.registerClass(InstanceNormalization);
