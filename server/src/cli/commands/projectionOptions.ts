import { Option, type Command } from 'commander';
import { PROJECTION_IDS, type TsneOptions } from '@scanselect/plugin';
import { finiteNumber, integer } from '../options';

/** Options every selection command shares (projection, seed, t-SNE knobs, output). */
export interface SharedOptions {
  projection: string;
  seed: number;
  perplexity?: number;
  tsneIterations?: number;
  threads?: number;
  out?: string;
  plot?: string;
  progress: boolean;
}

/** Adds the shared options to a command. */
export function addSharedOptions(command: Command): Command {
  return command
    .addOption(new Option('--projection <id>', 'projection to the 2-D map').choices([...PROJECTION_IDS]).default('tsne'))
    .option('--seed <n>', 'seed of every stochastic step', integer, 42)
    .option('--perplexity <p>', 't-SNE perplexity (clamped for small pools)', finiteNumber)
    .option('--tsne-iterations <n>', 't-SNE gradient iterations in total (default 750)', integer)
    .option('--threads <n>', 'worker threads for t-SNE (default: up to 2)', integer)
    .option('--out <file>', 'write the JSON report here instead of stdout')
    .option('--plot <file.svg>', 'write an SVG of the 2-D map with the selection')
    .option('--no-progress', 'do not draw a progress bar');
}

/** The t-SNE options given on the command line. */
export function tsneOptions(options: SharedOptions): TsneOptions {
  return {
    ...(options.perplexity !== undefined && { perplexity: options.perplexity }),
    ...(options.tsneIterations !== undefined && { iterations: options.tsneIterations }),
    ...(options.threads !== undefined && { threads: options.threads }),
  };
}
