import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import {
  clusteredEmbeddings,
  createRng,
  formatEmbeddingsCsv,
  runAcquisition,
  runColdStart,
  selectionMapSvg,
  type SelectionReport,
} from '@scanselect/plugin';
import { integer } from '../options';
import { ProgressBar } from '../progressBar';

interface DemoOptions {
  out: string;
  size: number;
  budget: number;
  round: number;
  seed: number;
  progress: boolean;
}

/**
 * `scanselect engine-demo`: the engine alone end to end on an embedded synthetic pool, with no data and no
 * setup: cold start, then one acquisition round with a synthetic uncertainty. Writes the inputs
 * and outputs so that the same run can be repeated with the `coldstart` and `acquire` commands.
 */
export function engineDemoCommand(): Command {
  return new Command('engine-demo')
    .description('Run cold start and one active-learning round on a built-in synthetic pool (no data needed).')
    .option('--out <dir>', 'folder for the inputs, JSON reports and SVG maps', 'out/engine-demo')
    .option('--size <n>', 'images in the synthetic pool', integer, 1200)
    .option('--budget <B>', 'cold-start budget', integer, 12)
    .option('--round <A>', 'images acquired in the active-learning round', integer, 6)
    .option('--seed <n>', 'seed', integer, 42)
    .option('--no-progress', 'do not draw a progress bar')
    .action(async (options: DemoOptions) => {
      await fs.mkdir(options.out, { recursive: true });
      const file = (name: string): string => path.join(options.out, name);
      const pool = clusteredEmbeddings({ n: options.size, dimensions: 512, clusters: 8 }, createRng(options.seed));
      await fs.writeFile(file('embeddings.csv'), formatEmbeddingsCsv(pool));
      process.stdout.write(`Synthetic pool: ${pool.ids.length} images × ${pool.embeddings.cols}-d embeddings in 8 clusters of unequal size → ${file('embeddings.csv')}\n`);

      const bar = new ProgressBar(process.stderr, options.progress);
      const cold = await runColdStart(pool, { budget: options.budget, seed: options.seed, onProgress: bar.update });
      bar.done();
      await fs.writeFile(file('coldstart.json'), JSON.stringify(cold.report, null, 2) + '\n');
      await fs.writeFile(file('coldstart.svg'), selectionMapSvg({ ids: pool.ids, map: cold.map, selected: cold.report.selected, title: `Cold start: ${options.budget} of ${pool.ids.length}, k̂ = ${cold.report.k}` }));
      printWorklist('Cold-start worklist', cold.report);

      // Stand-in for a trained model's mean entropy: images far from their cluster's centre are
      // the atypical, uncertain ones. Real rounds take `scanselect predict`'s entropy (issue 3).
      const labelled = cold.report.selected.map((s) => s.id);
      const taken = new Set(labelled);
      const entropy = new Map<string, number>();
      pool.ids.forEach((id, i) => {
        if (!taken.has(id)) entropy.set(id, Number((0.05 * pool.atypicality[i]!).toFixed(6)));
      });
      await fs.writeFile(file('entropy.csv'), 'id,entropy\n' + [...entropy].map(([id, h]) => `${id},${h}`).join('\n') + '\n');
      await fs.writeFile(file('labeled.txt'), labelled.join('\n') + '\n');
      const round = await runAcquisition(pool, { entropy, labelled, count: options.round, seed: options.seed, onProgress: bar.update });
      bar.done();
      await fs.writeFile(file('round1.json'), JSON.stringify(round.report, null, 2) + '\n');
      await fs.writeFile(file('round1.svg'), selectionMapSvg({ ids: pool.ids, map: round.map, selected: round.report.selected, labelled, title: `Round 1: ${options.round} more (α = ${round.report.alpha})` }));
      printWorklist('Active-learning round 1 worklist (synthetic entropy)', round.report);
      process.stdout.write(`\nReports and maps: ${file('coldstart.json')}, ${file('coldstart.svg')}, ${file('round1.json')}, ${file('round1.svg')}\n`);
      process.stdout.write(`Repeat with the CLI:\n  npx scanselect coldstart --embeddings ${file('embeddings.csv')} --budget ${options.budget} --seed ${options.seed}\n`);
      process.stdout.write(`  npx scanselect acquire --embeddings ${file('embeddings.csv')} --entropy ${file('entropy.csv')} --labeled ${file('labeled.txt')} --count ${options.round} --seed ${options.seed}\n`);
    });
}

function printWorklist(title: string, report: SelectionReport): void {
  process.stdout.write(`\n${title}${report.k === null ? '' : ` (k̂ = ${report.k} by silhouette)`}:\n`);
  process.stdout.write('  rank  id          reason          cluster  entropy   diversity  score\n');
  for (const s of report.selected) {
    const num = (v: number | null | undefined): string => (v === undefined || v === null ? '—' : v.toFixed(3));
    process.stdout.write(`  ${String(s.rank).padStart(4)}  ${s.id.padEnd(10)}  ${s.reason.padEnd(14)}  ${String(s.cluster ?? '—').padStart(7)}  ${num(s.entropy).padStart(7)}  ${num(s.diversity).padStart(9)}  ${num(s.score).padStart(5)}\n`);
  }
}
