import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { heatmapPng, loadModel, loadSegmentationSamples, predictBatch, quoteField } from '@scanselect/plugin';
import { writeOutput } from '../files';
import { ProgressBar } from '../progressBar';
import { addDatasetOptions, idsOption, niftiAxis, startCompute, type DatasetOptions } from './datasetOptions';

interface PredictCommandOptions extends DatasetOptions {
  model: string;
  out?: string;
  maps?: string;
}

/** Images predicted per progress update (and per forward pass). */
const CHUNK = 8;

/** `scanselect predict`: mean entropy per image (eq. 6) for `acquire`, and optional entropy maps. */
export function predictCommand(): Command {
  const command = new Command('predict')
    .description('Run a trained model on images: write "id,entropy" (image-level mean entropy, eq. 6) for `scanselect acquire`, and optionally per-pixel entropy maps.')
    .requiredOption('--model <dir>', 'model folder written by `scanselect train`')
    .requiredOption('--images <paths...>', 'image files and/or folders')
    .option('--out <file.csv>', 'entropy CSV (default: stdout)')
    .option('--maps <dir>', 'also write per image: <id>.entropy.png (heat map, 0…log C), <id>.entropy.f32 (raw float32 LE, S×S) and <id>.mask.png');
  addDatasetOptions(command, 'only these ids, one per line (default: every image)');
  return command.action(async (options: PredictCommandOptions) => {
    await startCompute(options);
    const trained = await loadModel(options.model);
    const bar = new ProgressBar(process.stderr, options.progress);
    try {
      const size = trained.config.inputSize;
      const classes = trained.config.classes;
      const ids = await idsOption(options);
      const samples = await loadSegmentationSamples({ images: options.images, size, niftiAxis: niftiAxis(options), onProgress: bar.update, ...(ids && { ids }) });
      const lines = ['id,entropy'];
      const index: unknown[] = [];
      for (let start = 0; start < samples.length; start += CHUNK) {
        bar.update({ stage: 'predict', fraction: start / samples.length, detail: `${start}/${samples.length}` });
        const chunk = samples.slice(start, start + CHUNK);
        const predictions = predictBatch(trained.model, chunk.map((s) => s.image), size);
        for (let k = 0; k < chunk.length; k++) {
          const { id } = chunk[k]!;
          const p = predictions[k]!;
          lines.push(`${quoteField(id)},${p.meanEntropy}`);
          if (options.maps) index.push(await writeMaps(options.maps, id, p.entropyMap, p.mask, size, classes));
        }
      }
      bar.done();
      await writeOutput(lines.join('\n') + '\n', options.out);
      if (options.maps) {
        await fs.writeFile(path.join(options.maps, 'maps.json'), JSON.stringify({ size, classes, entropyScale: [0, Math.log(classes)], dtype: 'float32-le', maps: index }, null, 2) + '\n');
      }
      process.stderr.write(`predicted ${samples.length} images${options.maps ? `; maps in ${options.maps}` : ''}\n`);
    } finally {
      bar.done();
      trained.dispose();
    }
  });
}

async function writeMaps(dir: string, id: string, entropy: Float32Array, mask: Uint8Array, size: number, classes: number): Promise<unknown> {
  const base = path.join(dir, ...id.split('/'));
  await fs.mkdir(path.dirname(base), { recursive: true });
  // A fixed scale 0…log C (the largest possible entropy) keeps maps comparable across images.
  await fs.writeFile(`${base}.entropy.png`, heatmapPng(entropy, size, size, { min: 0, max: Math.log(classes) }));
  await fs.writeFile(`${base}.entropy.f32`, Buffer.from(entropy.buffer, entropy.byteOffset, entropy.byteLength));
  const grey = Float32Array.from(mask, (c) => c / Math.max(1, classes - 1));
  await fs.writeFile(`${base}.mask.png`, heatmapPng(grey, size, size, { min: 0, max: 1 }));
  const rel = (f: string): string => path.relative(dir, f).split(path.sep).join('/');
  return { id, entropyPng: rel(`${base}.entropy.png`), entropyRaw: rel(`${base}.entropy.f32`), maskPng: rel(`${base}.mask.png`) };
}
