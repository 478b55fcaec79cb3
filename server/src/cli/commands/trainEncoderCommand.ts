import { Command } from 'commander';
import {
  listImageFiles,
  readImageFile,
  saveSelfSupervisedEncoder,
  SelfSupervisedEncoder,
  trainSelfSupervised,
  type GrayImage,
} from '@scanselect/plugin';
import { cancelOnSigint } from '../cancelOnSigint';
import { UsageError } from '../errors';
import { finiteNumber, integer } from '../options';
import { ProgressBar } from '../progressBar';
import { addDatasetOptions, idsOption, niftiAxis, startCompute, type DatasetOptions } from './datasetOptions';

interface TrainEncoderOptions extends DatasetOptions {
  images: string[];
  epochs?: number;
  seed: number;
  batchSize?: number;
  learningRate?: number;
  inputSize?: number;
  out: string;
}

/**
 * `scanselect train-encoder`: the site-trained encoder (SimCLR on the unlabelled images, no labels,
 * no download), saved as the weights directory that `--encoder self-supervised --encoder-model DIR`
 * reads — in `embed`, `reproduce`, or a server's `models` configuration.
 */
export function trainEncoderCommand(): Command {
  const command = new Command('train-encoder')
    .description('Train the self-supervised encoder on your own unlabelled images (contrastive, no labels, no download) and save its weights directory.')
    .requiredOption('--images <paths...>', 'image files and/or folders (DICOM, PNG, JPEG, NIfTI slices): the pool to learn from')
    .option('--epochs <n>', 'passes over the images (default 20)', integer)
    .option('--seed <n>', 'initial weights, batches and augmentations', integer, 42)
    .option('--batch-size <n>', 'images per step, two views each (default 32)', integer)
    .option('--learning-rate <lr>', 'Adam learning rate (default 1e-3)', finiteNumber)
    .option('--input-size <S>', 'side the network sees (default 64)', integer)
    .requiredOption('--out <dir>', 'weights directory (model.json, weights.bin, metadata.json)');
  addDatasetOptions(command, 'ids of the images to learn from, one per line (default: all)');
  return command.action(async (options: TrainEncoderOptions) => {
    const compute = await startCompute(options);
    const bar = new ProgressBar(process.stderr, options.progress);
    const only = await idsOption(options);
    const wanted = only === undefined ? null : new Set(only);
    const files = await listImageFiles(options.images);
    const images: GrayImage[] = [];
    for (const [f, file] of files.entries()) {
      bar.update({ stage: 'read', fraction: f / files.length, detail: file.id });
      for (const { id, image } of await readImageFile(file, { niftiAxis: niftiAxis(options) })) {
        if (wanted === null || wanted.has(id)) images.push(image);
      }
    }
    if (images.length < 2) throw new UsageError(`train-encoder needs at least 2 images, found ${images.length}`);
    try {
      await cancelOnSigint(async (signal) => {
        const training = await trainSelfSupervised(images, {
          seed: options.seed, signal,
          ...(options.epochs !== undefined && { epochs: options.epochs }),
          ...(options.batchSize !== undefined && { batchSize: options.batchSize }),
          ...(options.learningRate !== undefined && { learningRate: options.learningRate }),
          ...(options.inputSize !== undefined && { inputSize: options.inputSize }),
          onProgress: (p) => bar.update({ stage: 'train', fraction: p.epoch / p.epochs, detail: `epoch ${p.epoch}/${p.epochs} loss ${p.loss.toFixed(3)} ETA ${Math.round(p.etaSeconds)}s` }),
        });
        bar.done();
        const encoder = await SelfSupervisedEncoder.create(training.representation, { training: training.summary });
        try {
          await saveSelfSupervisedEncoder(encoder, options.out);
        } finally {
          encoder.dispose();
        }
        const s = training.summary;
        process.stderr.write(`trained on ${images.length} images (${compute.backend}, ${s.epochs} epochs, ${s.seconds.toFixed(1)} s, final loss ${s.finalLoss.toFixed(3)}); version ${encoder.version} → ${options.out}\n`);
      });
    } finally {
      bar.done();
    }
  });
}
