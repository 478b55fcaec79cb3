/**
 * tfjs-layers' BatchNormalization layer whose training-mode call runs as one native op forward and
 * one backward (../compute/nativeNormalization) when the active backend has them (wasm with the native
 * kernels), instead of `tf.moments` + `tf.batchNorm` and their gradients, about 30 full-size kernels
 * per layer and step. Everything else is the stock layer: the same weights, the same moving-average
 * updates (the same ops), the same inference path, and the same serialisation — a saved model holds
 * a plain `BatchNormalization` and loads as one, so saved files do not depend on this module.
 *
 * The stock layer is kept rather than subclassed because tfjs-layers does not export the class, and
 * a layer of our own would change the saved topology. The training call is replaced on the
 * instance, and falls back to the stock one wherever the native op does not apply.
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { batchNormTraining, movingAverages } from '../compute/nativeNormalization';

type Layer = tfl.LayersModel['layers'][number];
type LayerVariable = Layer['weights'][number];

/** Options of {@link batchNormalization}: the channel axis is the last one, with scale and offset. */
export interface BatchNormalizationArgs {
  /** Keras convention: moving = moving · momentum + batch · (1 − momentum). */
  readonly momentum: number;
  readonly epsilon: number;
  readonly name: string;
}

/** A `tf.layers.batchNormalization` over the last axis whose training step uses the native op where it can. */
export function batchNormalization(args: BatchNormalizationArgs): Layer {
  const layer = tfl.layers.batchNormalization({ axis: -1, momentum: args.momentum, epsilon: args.epsilon, name: args.name });
  const stockCall = layer.call.bind(layer);
  layer.call = (inputs, kwargs) => (kwargs['training'] === true ? nativeTrainingCall(layer, inputs, args) : undefined) ?? stockCall(inputs, kwargs);
  return layer;
}

/** The layer's weight `name` (tfjs-layers names them gamma, beta, moving_mean, moving_variance, after the layer's scope). */
function weight(layer: Layer, name: string): LayerVariable {
  const found = layer.weights.find((w) => w.originalName.split('/').pop() === name);
  if (found === undefined) throw new Error(`batch normalisation layer ${layer.name} has no ${name} weight`);
  return found;
}

/**
 * tfjs-layers' `BatchNormalization.call` in training mode (tfjs-layers 4.22, layers/normalization.ts)
 * with `normalizeBatchInTraining` replaced by the native op; undefined when the op does not apply.
 */
function nativeTrainingCall(layer: Layer, inputs: tf.Tensor | tf.Tensor[], { momentum, epsilon }: BatchNormalizationArgs): tf.Tensor | undefined {
  const x = Array.isArray(inputs) ? inputs[0] : inputs;
  if (x === undefined || (Array.isArray(inputs) && inputs.length !== 1)) return undefined;
  return tf.tidy(() => {
    const result = batchNormTraining(x, weight(layer, 'gamma').read(), weight(layer, 'beta').read(), epsilon);
    if (result === undefined) return undefined;
    const movingMean = weight(layer, 'moving_mean');
    const movingVariance = weight(layer, 'moving_variance');
    const updated = movingAverages({ mean: movingMean.read(), variance: movingVariance.read() }, result, momentum);
    if (updated === undefined) {
      movingAverage(movingMean, result.mean, momentum);
      movingAverage(movingVariance, result.variance, momentum);
    } else {
      movingMean.write(updated[0]);
      movingVariance.write(updated[1]);
    }
    return result.y;
  });
}

/** The stock layer's moving-average update, op for op: v ← v − (v − value) · (1 − momentum) (the native kernel computes the same). */
function movingAverage(variable: LayerVariable, value: tf.Tensor, momentum: number): void {
  tf.tidy(() => {
    const decay = 1 - momentum;
    const original = variable.read();
    variable.write(tf.sub(original, tf.mul(tf.sub(original, value), decay)));
  });
}
