import { Command } from 'commander';
import { loadSegmentationSamples, saveModel, trainSegmentation } from '@scanselect/plugin';
import { cancelOnSigint } from '../cancelOnSigint';
import { finiteNumber, integer } from '../options';
import { ProgressBar } from '../progressBar';
import { addDatasetOptions, idsOption, niftiAxis, numberList, startCompute, type DatasetOptions, maskSource, classCount } from './datasetOptions';

interface TrainCommandOptions extends DatasetOptions {
  masks?: string;
  classMasks?: string[];
  classes?: number;
  epochs: number;
  size: number;
  seed: number;
  batchSize: number;
  learningRate: number;
  depth?: number;
  baseChannels?: number;
  dropout: number;
  out: string;
}

/** `scanselect train`: an Attention U-Net from scratch on the labelled images (paper section 4.2). */
export function trainCommand(): Command {
  const command = new Command('train')
    .description('Train an Attention U-Net from scratch on labelled images (Dice + CE, Adam), and save it with its metadata.')
    .requiredOption('--images <paths...>', 'image files and/or folders')
    .option('--masks <dir>', 'folder of mask PNGs named like the images (label maps, or binary for 2 classes)')
    .option('--class-masks <dirs>', 'instead of --masks: comma-separated folders of binary PNGs, one per foreground class (folder i → class i+1)', (v: string) => v.split(','))
    .option('--classes <n>', 'classes including background (default 2, or the number of --class-masks folders + 1)', integer)
    .option('--mask-values <list>', 'pixel value of each class in the masks, e.g. 0,150,200,250', numberList)
    .option('--epochs <n>', 'epochs (paper: 120 chest X-ray, 150 brain)', integer, 120)
    .option('--size <S>', 'images and masks are resized to S×S', integer, 256)
    .option('--seed <n>', 'run seed: initial weights, shuffling, dropout', integer, 42)
    .option('--batch-size <n>', 'batch size', integer, 2)
    .option('--learning-rate <lr>', 'Adam learning rate', finiteNumber, 1e-3)
    .option('--depth <n>', 'U-Net levels (default 4)', integer)
    .option('--base-channels <n>', 'channels of the first level (default 16)', integer)
    .option('--dropout <p>', 'dropout (paper: 0.15 chest X-ray, 0.10 brain)', finiteNumber, 0.15)
    .requiredOption('--out <dir>', 'folder for model.json, weights.bin and metadata.json');
  addDatasetOptions(command, 'ids of the labelled images to train on, one per line (default: every image that has a mask)');
  return command.action(async (options: TrainCommandOptions) => {
    const compute = await startCompute(options);
    const bar = new ProgressBar(process.stderr, options.progress);
    const ids = await idsOption(options);
    const samples = await loadSegmentationSamples({
      images: options.images, size: options.size, classes: classCount(options), ...maskSource(options),
      niftiAxis: niftiAxis(options), onProgress: bar.update,
      ...(ids && { ids }), ...(options.maskValues && { maskValues: options.maskValues }),
    });
    try {
      await cancelOnSigint(async (signal) => {
        const trained = await trainSegmentation(
          { images: samples.map((s) => s.image), masks: samples.map((s) => s.mask!), size: options.size },
          {
            classes: classCount(options), epochs: options.epochs, seed: options.seed, batchSize: options.batchSize,
            learningRate: options.learningRate, dropout: options.dropout, ids: samples.map((s) => s.id), signal,
            ...(options.depth !== undefined && { depth: options.depth }),
            ...(options.baseChannels !== undefined && { baseChannels: options.baseChannels }),
            onProgress: (p) => bar.update({ stage: 'train', fraction: p.epoch / p.epochs, detail: `epoch ${p.epoch}/${p.epochs} loss ${p.loss.toFixed(4)} ETA ${Math.round(p.etaSeconds)}s` }),
          },
        );
        bar.done();
        await saveModel(trained, options.out);
        process.stderr.write(`trained on ${samples.length} images (${compute.backend}, ${trained.seconds.toFixed(1)} s, final loss ${trained.finalLoss.toFixed(4)}) → ${options.out}\n`);
        trained.dispose();
      });
    } finally {
      bar.done();
    }
  });
}
