import { initCompute } from '../../compute/backend';
import { InvalidInputError } from '../../core/errors';
import type { EncoderFactory, EncoderOptions } from '../types';
import { SELF_SUPERVISED_ENCODER_ID } from './selfSupervisedEncoder';
import { HOW_TO_TRAIN, loadSelfSupervisedEncoder } from './selfSupervisedStore';

/**
 * Registry entry: `--encoder self-supervised --encoder-model DIR`, where DIR holds weights trained
 * on the pool beforehand (the registry builds encoders, it does not train them). `inputSize`,
 * `featureLayer` and `normalization` are ignored: the trained network fixes all three.
 */
export const selfSupervisedEncoderFactory: EncoderFactory = {
  id: SELF_SUPERVISED_ENCODER_ID,
  description: 'Site-trained CNN (SimCLR on the unlabelled pool, 128-d by default); needs weights trained beforehand (--encoder-model DIR)',
  create: async (options: EncoderOptions) => {
    if (!options.model) throw new InvalidInputError('invalid-option', `the self-supervised encoder needs weights trained on your pool (--encoder-model DIR). ${HOW_TO_TRAIN}`);
    // As the tfjs-model factory does: the process's backend (SCANSELECT_BACKEND, else tensorflow → wasm → cpu).
    await initCompute();
    return loadSelfSupervisedEncoder(options.model, { batchSize: options.batchSize });
  },
};
