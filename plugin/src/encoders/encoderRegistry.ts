import { Registry } from '../core/registry';
import { intensityTextureEncoderFactory } from './intensityTextureEncoder';
import { tfjsModelEncoderFactory } from './tfjsModelEncoder';
import { EncoderFactory } from './types';

/**
 * A fresh encoder registry with the built-in encoders: `tfjs-model` (any TensorFlow.js model the
 * user points at, e.g. a converted RadImageNet ResNet-50) and `intensity-texture` (hand-crafted,
 * no download). Callers may `register` their own {@link EncoderFactory} on the returned registry.
 */
export function createEncoderRegistry(): Registry<EncoderFactory> {
  return new Registry<EncoderFactory>('encoder')
    .register(tfjsModelEncoderFactory)
    .register(intensityTextureEncoderFactory);
}
