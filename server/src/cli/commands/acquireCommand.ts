import { Command } from 'commander';
import { DEFAULT_ALPHA, runAcquisition } from '@scanselect/plugin';
import { readEmbeddings, readEntropy, readIds } from '../files';
import { finiteNumber, integer } from '../options';
import { ProgressBar } from '../progressBar';
import { addSharedOptions, tsneOptions, type SharedOptions } from './projectionOptions';
import { writeRun } from './writeRun';

interface AcquireOptions extends SharedOptions {
  embeddings: string;
  entropy: string;
  labeled: string;
  count: number;
  alpha: number;
}

/** `scanselect acquire`: one active-learning round (entropy + diversity, eq. 10). */
export function acquireCommand(): Command {
  const command = new Command('acquire')
    .description('Choose the next images to label after a model has been trained: highest entropy first, then S = α·D̃ + (1−α)·H̃.')
    .requiredOption('--embeddings <file>', 'CSV of every image in the pool, labelled or not (header "id,<name>,…")')
    .requiredOption('--entropy <file>', 'CSV "id,entropy": image-level mean entropy of each unlabelled image')
    .requiredOption('--labeled <file>', 'ids already labelled, one per line (may be empty)')
    .requiredOption('--count <A>', 'how many images to acquire', integer)
    .option('--alpha <a>', 'trade-off in [0,1]: 0 pure entropy, 1 pure diversity', finiteNumber, DEFAULT_ALPHA);
  addSharedOptions(command);
  command.addHelpText('after', [
    '',
    'Use the same --seed and --projection as the cold start so that both use the same 2-D map.',
    'Output: JSON { strategy, seed, alpha, selected: [{id,rank,reason,x,y,entropy,entropyNormalised,diversity,score}] }.',
    'Exit codes: 0 success, 2 bad input (message on stderr), 1 other failure.',
  ].join('\n'));
  return command.action(async (options: AcquireOptions) => {
    const pool = await readEmbeddings(options.embeddings);
    const entropy = await readEntropy(options.entropy);
    const labelled = await readIds(options.labeled, '--labeled');
    const bar = new ProgressBar(process.stderr, options.progress);
    try {
      const run = await runAcquisition(pool, {
        entropy,
        labelled,
        count: options.count,
        alpha: options.alpha,
        projection: options.projection,
        seed: options.seed,
        tsne: tsneOptions(options),
        onProgress: bar.update,
      });
      bar.done();
      await writeRun(run, pool, options, `acquire: ${run.report.selected.length} more (α=${run.report.alpha}, ${labelled.length} labelled, seed ${run.report.seed})`);
    } finally {
      bar.done();
    }
  });
}
