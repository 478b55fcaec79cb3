/**
 * The training loss of the method paper (section 4.2, "combined Dice and Cross entropy loss"),
 * written to match MONAI's `DiceCELoss(softmax=True, to_onehot_y=True)` with its defaults:
 * soft Dice per image and per class (background included, not squared, smooth_nr = smooth_dr =
 * 1e-5) averaged over images and classes, plus the mean pixel cross-entropy, λ_dice = λ_ce = 1.
 *
 * MONAI feeds logits to both terms; our network already ends with a softmax (so that inference
 * returns the probabilities of eq. 5), so both terms here take probabilities. The cross-entropy
 * is −log p_target with p clipped to [ε, 1], which equals MONAI's log-softmax form except where
 * a probability underflows ε. Only tfjs-core ops are used, so the gradient exists on every
 * backend that implements them; on wasm with the native kernels {@link diceCeLoss} is one kernel
 * forward and one backward instead (../compute/nativeDiceCe: the same loss, summed in double
 * precision).
 */
import * as tf from '@tensorflow/tfjs-core';
// tfjs-core registers no gradients by itself; tfjs-layers registers all of them when loaded
// (its CommonJS bundle is the supported way to reach them), and the loss must be differentiable
// even when imported alone.
import '@tensorflow/tfjs-layers';
import { diceCe } from '../compute/nativeDiceCe';

/** Options of {@link diceCeLoss}; the defaults are MONAI's. */
export interface DiceCeOptions {
  /** Added to the Dice numerator 2·|P∩G| (MONAI `smooth_nr`). Default 1e-5. */
  readonly smoothNumerator?: number;
  /** Added to the Dice denominator |P| + |G| (MONAI `smooth_dr`). Default 1e-5. */
  readonly smoothDenominator?: number;
  /** Lower clip of the probabilities inside the cross-entropy log. Default 1e-7. */
  readonly epsilon?: number;
  /** Weight of the Dice term. Default 1. */
  readonly lambdaDice?: number;
  /** Weight of the cross-entropy term. Default 1. */
  readonly lambdaCe?: number;
}

/**
 * Soft Dice loss, mean over images and classes of 1 − (2 Σ_u p·g + s_nr) / (Σ_u p + Σ_u g + s_dr).
 * `target` is one-hot and `probabilities` softmaxed, both `[batch, H, W, classes]`.
 */
export function softDiceLoss(target: tf.Tensor4D, probabilities: tf.Tensor4D, smoothNumerator = 1e-5, smoothDenominator = 1e-5): tf.Scalar {
  checkShapes(target, probabilities);
  return tf.tidy(() => {
    const spatial = [1, 2];
    const intersection = tf.sum(tf.mul(target, probabilities), spatial);
    const groundTruth = tf.sum(target, spatial);
    const predicted = tf.sum(probabilities, spatial);
    const dice = tf.div(tf.add(tf.mul(intersection, 2), smoothNumerator), tf.add(tf.add(groundTruth, predicted), smoothDenominator));
    return tf.mean(tf.sub(1, dice));
  });
}

/** Mean over all pixels of −log(clip(p_target, ε, 1)); `target` one-hot, both `[batch, H, W, classes]`. */
export function crossEntropyLoss(target: tf.Tensor4D, probabilities: tf.Tensor4D, epsilon = 1e-7): tf.Scalar {
  checkShapes(target, probabilities);
  return tf.tidy(() => {
    const logP = tf.log(tf.clipByValue(probabilities, epsilon, 1));
    return tf.neg(tf.mean<tf.Scalar>(tf.sum(tf.mul(target, logP), -1)));
  });
}

/** λ_dice · soft Dice + λ_ce · cross-entropy, as MONAI's DiceCELoss (see the file comment). */
export function diceCeLoss(target: tf.Tensor4D, probabilities: tf.Tensor4D, options: DiceCeOptions = {}): tf.Scalar {
  const lambdaDice = options.lambdaDice ?? 1;
  const lambdaCe = options.lambdaCe ?? 1;
  const smoothNumerator = options.smoothNumerator ?? 1e-5;
  const smoothDenominator = options.smoothDenominator ?? 1e-5;
  const epsilon = options.epsilon ?? 1e-7;
  checkShapes(target, probabilities);
  const native = diceCe(target, probabilities, { smoothNumerator, smoothDenominator, epsilon, lambdaDice, lambdaCe });
  if (native !== undefined) return native;
  return tf.tidy(() =>
    tf.add<tf.Scalar>(
      tf.mul(softDiceLoss(target, probabilities, smoothNumerator, smoothDenominator), lambdaDice),
      tf.mul(crossEntropyLoss(target, probabilities, epsilon), lambdaCe),
    ),
  );
}

/**
 * One-hot `[batch, H, W, classes]` float tensor from label maps (MONAI `to_onehot_y=True`).
 * `labels` holds batch·H·W class indices, row-major, channels-last order.
 */
export function oneHotMasks(labels: Int32Array, batch: number, size: number, classes: number): tf.Tensor4D {
  return tf.tidy(() => tf.reshape(tf.cast(tf.oneHot(tf.tensor1d(labels, 'int32'), classes), 'float32'), [batch, size, size, classes]));
}

function checkShapes(a: tf.Tensor4D, b: tf.Tensor4D): void {
  if (a.shape.length !== 4 || a.shape.some((d, i) => d !== b.shape[i])) {
    throw new Error(`loss: target shape [${a.shape.join(', ')}] differs from prediction shape [${b.shape.join(', ')}]`);
  }
}
