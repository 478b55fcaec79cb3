/**
 * tfjs-layers' Dropout layer whose training-mode call runs as one native kernel (../compute/nativeDropout)
 * when the active backend has it (wasm with the native kernels) and the layer has a seed, with
 * tfjs' masks and outputs bit for bit. Everything else is the stock layer: inference, serialisation
 * (a saved model holds a plain `Dropout`), and the per-step reseeding of train.ts, since the seed
 * is read at each call. As in ./batchNormalization the call is replaced on the instance, because
 * tfjs-layers does not export the class; the native path does not run tfjs-layers' call hook
 * (`setCallHook`, which nothing here sets).
 */
import type * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { seededDropout } from '../compute/nativeDropout';

type Layer = tfl.LayersModel['layers'][number];

/** Options of {@link dropout}. */
export interface DropoutArgs {
  readonly rate: number;
  readonly seed: number;
  readonly name: string;
}

/** A `tf.layers.dropout` whose training step uses the native kernel where it can. */
export function dropout(args: DropoutArgs): Layer {
  const layer = tfl.layers.dropout({ rate: args.rate, seed: args.seed, name: args.name });
  const stockCall = layer.call.bind(layer);
  layer.call = (inputs, kwargs) => (kwargs['training'] === true ? nativeTrainingCall(layer, inputs, args.rate) : undefined) ?? stockCall(inputs, kwargs);
  return layer;
}

/** tfjs-layers' `Dropout.call` in training mode (tfjs-layers 4.22, layers/core.ts) on the native kernel; undefined when it does not apply. */
function nativeTrainingCall(layer: Layer, inputs: tf.Tensor | tf.Tensor[], rate: number): tf.Tensor | undefined {
  const x = Array.isArray(inputs) ? inputs[0] : inputs;
  // The seed is a private field that train.ts sets before each step (Reflect keeps this type-safe).
  const seed = Reflect.get(layer, 'seed') as unknown;
  if (x === undefined || (Array.isArray(inputs) && inputs.length !== 1) || typeof seed !== 'number') return undefined;
  return seededDropout(x, rate, seed);
}
