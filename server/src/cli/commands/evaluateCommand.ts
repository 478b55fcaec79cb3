import { Command } from 'commander';
import { diceScores, hausdorffScores, loadModel, loadSegmentationSamples, predictBatch, summary, type DiceResult, type HausdorffResult, type PixelSpacing } from '@scanselect/plugin';
import { writeOutput } from '../files';
import { ProgressBar } from '../progressBar';
import { addDatasetOptions, idsOption, niftiAxis, numberList, startCompute, type DatasetOptions, maskSource } from './datasetOptions';

interface EvaluateCommandOptions extends DatasetOptions {
  model: string;
  masks?: string;
  classMasks?: string[];
  out?: string;
}

/** Mean, standard deviation and median of the finite values (null when there are none, in JSON). */
export function summarise(values: readonly number[]): { mean: number; std: number; median: number; n: number } {
  const { mean, std, median, count } = summary(values);
  return { mean, std, median, n: count };
}

/** `scanselect evaluate`: Dice and HD95 of a trained model against ground-truth masks. */
export function evaluateCommand(): Command {
  const command = new Command('evaluate')
    .description('Evaluate a trained model: Dice per class, mean over foreground classes, image-level Dice, and HD95 (pixels of the model grid; mm where the images give a pixel spacing).')
    .requiredOption('--model <dir>', 'model folder written by `scanselect train`')
    .requiredOption('--images <paths...>', 'image files and/or folders')
    .option('--masks <dir>', 'folder of ground-truth mask PNGs named like the images')
    .option('--class-masks <dirs>', 'instead of --masks: comma-separated folders of binary PNGs, one per foreground class', (v: string) => v.split(','))
    .option('--mask-values <list>', 'pixel value of each class in the masks, e.g. 0,150,200,250', numberList)
    .option('--out <file.json>', 'metrics JSON (default: stdout)');
  addDatasetOptions(command, 'only these ids, one per line (default: every image)');
  return command.action(async (options: EvaluateCommandOptions) => {
    await startCompute(options);
    const trained = await loadModel(options.model);
    const bar = new ProgressBar(process.stderr, options.progress);
    try {
      const { inputSize: size, classes } = trained.config;
      const ids = await idsOption(options);
      const samples = await loadSegmentationSamples({
        images: options.images, size, classes, ...maskSource(options), niftiAxis: niftiAxis(options), onProgress: bar.update,
        ...(ids && { ids }), ...(options.maskValues && { maskValues: options.maskValues }),
      });
      const images: Array<{ id: string; dice: DiceResult; hd95: HausdorffResult; spacingMm: PixelSpacing | null }> = [];
      for (let start = 0; start < samples.length; start += 8) {
        bar.update({ stage: 'evaluate', fraction: start / samples.length });
        const chunk = samples.slice(start, start + 8);
        const predictions = predictBatch(trained.model, chunk.map((s) => s.image), size);
        chunk.forEach((s, k) => {
          const pred = { width: size, height: size, labels: predictions[k]!.mask };
          const truth = { width: size, height: size, labels: s.mask! };
          const dice = diceScores(pred, truth, classes);
          const hd = hausdorffScores(pred, truth, classes, s.spacing ? { spacing: s.spacing } : {});
          images.push({ id: s.id, dice, hd95: hd, spacingMm: s.spacing });
        });
      }
      bar.done();
      const metrics = {
        model: options.model,
        classes,
        size,
        count: images.length,
        summary: {
          diceMeanForeground: summarise(images.map((i) => i.dice.meanForeground)),
          diceImageLevel: summarise(images.map((i) => i.dice.imageLevel)),
          diceByClass: Array.from({ length: classes }, (_, c) => summarise(images.map((i) => i.dice.perClass[c]!))),
          hd95MeanForegroundPx: summarise(images.map((i) => i.hd95.meanForeground)),
          hd95MeanForegroundMm: images.every((i) => i.hd95.meanForegroundMm !== null) ? summarise(images.map((i) => i.hd95.meanForegroundMm!)) : null,
          hd95Excluded: images.reduce((a, i) => a + i.hd95.excludedFromMean, 0),
        },
        images,
      };
      await writeOutput(JSON.stringify(metrics, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n', options.out);
      const d = metrics.summary.diceMeanForeground;
      const h = metrics.summary.hd95MeanForegroundPx;
      process.stderr.write(`evaluated ${images.length} images: Dice ${d.mean.toFixed(4)} ± ${d.std.toFixed(4)}, HD95 ${h.mean.toFixed(2)} px\n`);
    } finally {
      bar.done();
      trained.dispose();
    }
  });
}
