import { Registry } from '../core/registry';
import { intensityTextureEncoderFactory } from './intensityTextureEncoder';
import { thumbnailEncoderFactory } from './thumbnailEncoder';
import { tfjsModelEncoderFactory } from './tfjsModelEncoder';
import { selfSupervisedEncoderFactory } from './selfSupervised/selfSupervisedEncoderFactory';
import { EncoderFactory } from './types';

/**
 * A fresh encoder registry with the built-in encoders: `tfjs-model` (any TensorFlow.js model the
 * user points at, e.g. a converted RadImageNet ResNet-50), `intensity-texture` (hand-crafted,
 * no download), `thumbnail` (pixel space, a baseline) and `self-supervised` (a CNN trained on the
 * site's own unlabelled pool; needs its weights directory as `model`). Callers may `register` their own {@link EncoderFactory} on the returned registry.
 */
export function createEncoderRegistry(): Registry<EncoderFactory> {
  return new Registry<EncoderFactory>('encoder')
    .register(tfjsModelEncoderFactory)
    .register(intensityTextureEncoderFactory)
    .register(thumbnailEncoderFactory)
    .register(selfSupervisedEncoderFactory);
}

/**
 * The encoder used when none is named. No pretrained medical encoder can ship with the package,
 * so the default is a download-free one; docs/encoders.md gives the measurement it rests on.
 */
export const DEFAULT_ENCODER_ID = 'intensity-texture';
