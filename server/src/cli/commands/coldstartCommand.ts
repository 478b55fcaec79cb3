import { Command, Option } from 'commander';
import { defaultRegistries, runColdStart, STRATEGY_IDS } from '@scanselect/plugin';
import { readEmbeddings } from '../files';
import { integer } from '../options';
import { ProgressBar } from '../progressBar';
import { addSharedOptions, tsneOptions, type SharedOptions } from './projectionOptions';
import { writeRun } from './writeRun';

interface ColdstartOptions extends SharedOptions {
  embeddings: string;
  budget: number;
  strategy: string;
  kMin: number;
  kMax: number;
  restarts?: number;
}

/** `scanselect coldstart`: pick the first B images to label, with no labels yet. */
export function coldstartCommand(): Command {
  const command = new Command('coldstart')
    .description('Choose the first images to label (no labels yet): project the embeddings to 2-D, cluster, pick medoids and farthest points.')
    .requiredOption('--embeddings <file>', 'CSV: header "id,<name>,…", then one row per image (id, then its vector)')
    .requiredOption('--budget <B>', 'how many images to select', integer)
    .addOption(new Option('--strategy <id>', 'selection strategy').choices([...STRATEGY_IDS]).default('coldstart'))
    .option('--k-min <k>', 'smallest k tried by the silhouette sweep', integer, 2)
    .option('--k-max <k>', 'largest k tried (also capped at B and N−1)', integer, 15)
    .option('--restarts <n>', 'k-means++ restarts per k (default 10; kmeans-budget 3)', integer);
  addSharedOptions(command);
  command.addHelpText('after', registryHelp());
  return command.action(async (options: ColdstartOptions) => {
    const pool = await readEmbeddings(options.embeddings);
    const bar = new ProgressBar(process.stderr, options.progress);
    try {
      const run = await runColdStart(pool, {
        budget: options.budget,
        strategy: options.strategy,
        projection: options.projection,
        seed: options.seed,
        kMin: options.kMin,
        kMax: options.kMax,
        ...(options.restarts !== undefined && { restarts: options.restarts }),
        tsne: tsneOptions(options),
        onProgress: bar.update,
      });
      bar.done();
      await writeRun(run, pool, options, `${run.report.strategy}: ${run.report.selected.length} of ${pool.ids.length} (${run.report.projection}, seed ${run.report.seed}${run.report.k === null ? '' : `, k=${run.report.k}`})`);
    } finally {
      bar.done();
    }
  });
}

function registryHelp(): string {
  const lines = ['', 'Strategies:'];
  for (const s of defaultRegistries.strategies.list()) lines.push(`  ${s.id.padEnd(14)} ${s.description}`);
  lines.push('Projections:');
  for (const p of defaultRegistries.projections.list()) lines.push(`  ${p.id.padEnd(14)} ${p.description}`);
  lines.push('', 'Output: JSON { strategy, seed, k, clusters: [{id,size,medoid,allocated}], selected: [{id,rank,cluster,reason,x,y}] }.');
  lines.push('Exit codes: 0 success, 2 bad input (message on stderr), 1 other failure.');
  return lines.join('\n');
}
