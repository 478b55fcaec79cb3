import { createWriteStream } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import {
  combinedParts,
  createEncoder,
  createEncoderRegistry,
  embedWithCache,
  FileSystemEmbeddingCache,
  InMemoryEmbeddingCache,
  listImageFiles,
  readImageFile,
  resizeBilinear,
  DEFAULT_ENCODER_ID,
  quoteField,
  type GrayImage,
} from '@scanselect/plugin';
import { UsageError } from '../errors';
import { integer } from '../options';
import { ProgressBar } from '../progressBar';

interface EmbedOptions {
  images: string[];
  encoder: string;
  encoderModel?: string;
  featureLayer?: string;
  encoderNormalization?: string;
  batchSize?: number;
  size: number;
  niftiAxis: number;
  cacheDir?: string;
  cache: boolean;
  out: string;
  progress: boolean;
}

/** Default embedding cache folder: $XDG_CACHE_HOME/scanselect/embeddings or ~/.cache/… */
export function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME ?? path.join(os.homedir(), '.cache');
  return path.join(base, 'scanselect', 'embeddings');
}

/** `scanselect embed`: one embedding per image, as the CSV that `coldstart` reads. */
export function embedCommand(): Command {
  const encoders = createEncoderRegistry();
  return new Command('embed')
    .description('Embed images (DICOM, PNG, JPEG, NIfTI slices) with an encoder and write the CSV that `scanselect coldstart` reads.')
    .requiredOption('--images <paths...>', 'image files and/or folders (searched recursively); ids are paths without extension')
    .option('--encoder <id>', `encoder: ${encoders.ids().join(', ')}, or several joined by + (concatenated, each L2-normalised)`, DEFAULT_ENCODER_ID)
    .option('--encoder-model <path|url>', 'TensorFlow.js model (directory, model.json or URL) for --encoder tfjs-model')
    .option('--feature-layer <name>', 'layer (or graph node) whose output is pooled into the embedding (default: last feature map)')
    .option('--encoder-normalization <kind>', 'input normalisation of a CNN encoder: imagenet, zero-one, minus-one-one, raw, caffe')
    .option('--batch-size <n>', 'images per inference batch', integer)
    .option('--size <S>', 'resize every image to S×S (bilinear) before encoding', integer, 256)
    .option('--nifti-axis <axis>', 'NIfTI volumes: slice along this axis (0, 1 or 2)', integer, 2)
    .option('--cache-dir <dir>', `embedding cache, keyed by image content, encoder and version (default ${defaultCacheDir()})`)
    .option('--no-cache', 'do not read or write the embedding cache')
    .requiredOption('--out <file.csv>', 'output CSV: header id,f0,f1,…, one row per image')
    .option('--no-progress', 'do not draw a progress bar')
    .addHelpText('after', '\nEncoders:\n' + encoders.list().map((e) => `  ${e.id.padEnd(18)} ${e.description}`).join('\n'))
    .action(async (options: EmbedOptions) => {
      if (![0, 1, 2].includes(options.niftiAxis)) throw new UsageError('--nifti-axis must be 0, 1 or 2');
      for (const id of combinedParts(options.encoder) ?? [options.encoder]) encoders.get(id); // an unknown id fails before any file is read
      const bar = new ProgressBar(process.stderr, options.progress);
      const files = await listImageFiles(options.images);
      const ids: string[] = [];
      const images: GrayImage[] = [];
      for (let f = 0; f < files.length; f++) {
        bar.update({ stage: 'read', fraction: f / files.length, detail: files[f]!.id });
        for (const { id, image } of await readImageFile(files[f]!, { niftiAxis: options.niftiAxis as 0 | 1 | 2 })) {
          const resized = resizeBilinear(image, { width: options.size, height: options.size });
          ids.push(id);
          images.push({ width: resized.width, height: resized.height, data: resized.data });
        }
      }
      const encoder = await createEncoder(encoders, options.encoder, {
        ...(options.encoderModel !== undefined && { model: options.encoderModel }),
        ...(options.featureLayer !== undefined && { featureLayer: options.featureLayer }),
        ...(options.encoderNormalization !== undefined && { normalization: options.encoderNormalization }),
        ...(options.batchSize !== undefined && { batchSize: options.batchSize }),
      });
      try {
        const cache = options.cache ? new FileSystemEmbeddingCache(options.cacheDir ?? defaultCacheDir()) : new InMemoryEmbeddingCache();
        const result = await embedWithCache(encoder, images, cache, { optionsHash: `size=${options.size}`, onProgress: bar.update });
        bar.done();
        await writeCsv(options.out, ids, result.embeddings, encoder.dimensions());
        process.stderr.write(`embedded ${ids.length} images with ${encoder.id} (${encoder.dimensions()} dimensions; ${result.hits} from the cache) → ${options.out}\n`);
      } finally {
        bar.done();
        encoder.dispose();
      }
    });
}

async function writeCsv(file: string, ids: readonly string[], data: Float32Array, dims: number): Promise<void> {
  const stream = createWriteStream(file);
  const write = (text: string): Promise<void> => new Promise((resolve) => (stream.write(text) ? resolve() : stream.once('drain', resolve)));
  await write(['id', ...Array.from({ length: dims }, (_, c) => `f${c}`)].join(',') + '\n');
  for (let i = 0; i < ids.length; i++) {
    const row = Array.from(data.subarray(i * dims, (i + 1) * dims), (v) => String(v));
    await write(`${quoteField(ids[i]!)},${row.join(',')}\n`);
  }
  await new Promise<void>((resolve, reject) => stream.end((err?: Error | null) => (err ? reject(err) : resolve())));
}
