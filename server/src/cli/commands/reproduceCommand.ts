import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import {
  CheckpointStore,
  createEncoderRegistry,
  datasetBudgets,
  DEFAULT_ENCODER_ID,
  experimentDataset,
  experimentProfile,
  initCompute,
  paperSettings,
  parseActiveLearningSplit,
  resultsCsv,
  resultsMarkdown,
  resultsRows,
  runExperiment,
  settingKey,
  budgetChartsSvg,
  createRng,
  defaultRegistries,
  methodLabel,
  pairedComparison,
  pairedMarkdown,
  runSeed,
  selectionFigureSvg,
  settingBudget,
  svgToPng,
  testSplit,
  type ExperimentOutcome,
  type Setting,
  type StoredResult,
} from '@scanselect/plugin';
import { UsageError } from '../errors';
import { integer } from '../options';
import { ProgressBar } from '../progressBar';

interface ReproduceOptions {
  dataset: string;
  profile: string;
  runs?: number;
  budgets?: number[];
  al?: Array<[number, number]>;
  size?: number;
  epochs?: number;
  encoder: string;
  encoderModel?: string;
  sharedData: string;
  out?: string;
  resume: boolean;
  depth?: number;
  baseChannels?: number;
  progress: boolean;
  mapRun: number;
  plots: boolean;
}

const list = (v: string): number[] => v.split(',').map((x) => integer(x));
const alList = (v: string): Array<[number, number]> => v.split(',').map((x) => parseActiveLearningSplit(x));

/** `scanselect reproduce`: the paper's experiments on a data set, with checkpoints and tables. */
export function reproduceCommand(): Command {
  return new Command('reproduce')
    .description("Run the paper's protocol (random / k-means to budget / cold start, then active learning with α = 0, 0.3, 1) on a labelled data set and write its results table.")
    .requiredOption('--dataset <spec>', 'montgomery | jsrt | ibsr18 | folder:PATH (PATH/images, PATH/masks, optional PATH/classes.txt)')
    .option('--profile <id>', 'paper (its budgets, 256², 120/150 epochs, 11 runs) or cpu (reduced for a 2-core machine)', 'cpu')
    .option('--runs <n>', 'runs (seeds 43, 44, …)', integer)
    .option('--budgets <list>', 'cold-start budgets, e.g. 8,10,12', list)
    .option('--al <list>', 'active-learning splits B0+A, e.g. 8+4,12+4', alList)
    .option('--size <S>', 'image size S×S', integer)
    .option('--epochs <n>', 'training epochs', integer)
    .option('--encoder <id>', 'encoder for the embeddings', DEFAULT_ENCODER_ID)
    .option('--encoder-model <path>', 'TensorFlow.js model for --encoder tfjs-model')
    .option('--shared-data <dir>', 'folder holding montgomery/, jsrt/, ibsr18/', path.join('..', 'shared', 'data'))
    .option('--out <dir>', 'output folder (default out/reproduce/<dataset>)')
    .option('--resume', 'reuse the finished units checkpointed in --out', false)
    .option('--depth <n>', 'U-Net levels (default 4)', integer)
    .option('--base-channels <n>', 'U-Net channels of the first level (default 16)', integer)
    .option('--map-run <r>', 'run whose 2-D selection map is drawn', integer, 1)
    .option('--no-plots', 'write the tables only (no SVG/PNG figures)')
    .option('--no-progress', 'do not draw a progress bar')
    .action(async (options: ReproduceOptions) => {
      const profile = experimentProfile(options.profile);
      const dataset = experimentDataset(options.dataset, options.sharedData);
      const budgets = datasetBudgets(profile, options.dataset);
      const runs = options.runs ?? profile.runs;
      const size = options.size ?? profile.size;
      const epochs = options.epochs ?? budgets.epochs;
      const settings = paperSettings({ budgets: options.budgets ?? budgets.budgets, activeLearning: options.al ?? budgets.activeLearning });
      const out = options.out ?? path.join('out', 'reproduce', options.dataset.replace(/[^A-Za-z0-9._-]/g, '_'));
      const store = new CheckpointStore<StoredResult>(path.join(out, 'runs'));
      if (!options.resume && existsSync(path.join(out, 'runs'))) {
        throw new UsageError(`${out} already holds results; pass --resume to continue them, or choose another --out`);
      }
      const compute = await initCompute();
      const header = `profile ${profile.id} (${profile.description}); this run: ${runs} runs, ${size}×${size}, ${epochs} epochs, dropout ${budgets.dropout}, encoder ${options.encoder}, backend ${compute.backend}`;
      process.stderr.write(`${dataset.id}: ${header}\n`);
      const encoder = await createEncoderRegistry().get(options.encoder).create(options.encoderModel === undefined ? {} : { model: options.encoderModel });
      const bar = new ProgressBar(process.stderr, options.progress);
      const started = Date.now();
      let fresh = 0;
      let unit: StoredResult['hdUnit'] = 'px';
      try {
        const outcome = await runExperiment({
          dataset, datasetKey: options.dataset, runs, settings, size, epochs, dropout: budgets.dropout, encoder, store,
          ...(options.depth !== undefined && { depth: options.depth }),
          ...(options.baseChannels !== undefined && { baseChannels: options.baseChannels }),
          onProgress: bar.update,
          onEvent: (e) => {
            if (!e.cached) fresh++;
            unit = e.result.hdUnit;
            const perUnit = fresh > 0 ? (Date.now() - started) / 1000 / fresh : 0;
            const eta = Math.round(perUnit * (e.total - e.done));
            bar.update({ stage: 'reproduce', fraction: e.done / e.total, detail: `run ${e.run} ${settingKey(e.setting)} ETA ${eta}s` });
            if (!process.stderr.isTTY) process.stderr.write(`run ${e.run} ${settingKey(e.setting)}: Dice ${e.result.dice.toFixed(4)}, HD95 ${e.result.hd95?.toFixed(2) ?? '—'} ${e.result.hdUnit}${e.cached ? ' (checkpoint)' : ''}\n`);
          },
        });
        bar.done();
        const { results } = outcome;
        const rows = resultsRows(results);
        const vsRandom = pairedComparison(results, 'Random');
        const vsColdStart = pairedComparison(results, 'Ours (cold start)', (setting) => setting.kind === 'active-learning');
        const table = [
          `# ${dataset.description}`, '', header, '', resultsMarkdown(rows, unit),
          '## Paired by run', '',
          'Per-run differences (same seed, test split and initial weights in both settings).', '',
          pairedMarkdown([...vsRandom, ...vsColdStart], unit),
        ].join('\n');
        await fs.mkdir(out, { recursive: true });
        await fs.writeFile(path.join(out, 'results.md'), table);
        await fs.writeFile(path.join(out, 'results.csv'), `# ${header}\n` + resultsCsv(rows));
        const written = [path.join(out, 'results.md'), path.join(out, 'results.csv')];
        if (options.plots) {
          const charts = budgetChartsSvg(rows, { title: dataset.id, hdUnit: unit });
          const figures: Array<[string, string]> = [['dice-vs-budget', charts.dice], ['hd95-vs-budget', charts.hd95]];
          const map = await selectionFigure(outcome, settings, store, options.dataset, Math.min(options.mapRun, runs), dataset.id);
          if (map) figures.push(['selection-map', map]);
          for (const [name, svg] of figures) {
            await fs.writeFile(path.join(out, `${name}.svg`), svg);
            await fs.writeFile(path.join(out, `${name}.png`), svgToPng(svg));
            written.push(path.join(out, `${name}.svg|png`));
          }
        }
        process.stdout.write(table);
        process.stderr.write(`wrote ${written.join(', ')}; per-run JSON under ${path.join(out, 'runs')}\n`);
      } finally {
        bar.done();
        encoder.dispose();
      }
    });
}

/**
 * The paper's Figure 6 for one run: a display t-SNE of every image (pool and test; the run's
 * seed), with the run's cold start and the images acquired by the α closest to 0.3 of the first
 * active-learning split (or, without active learning, the smallest cold-start budget). The
 * selection itself was made on the pool's own map, which does not contain the test images.
 */
async function selectionFigure(
  outcome: ExperimentOutcome, settings: readonly Setting[], store: CheckpointStore<StoredResult>, datasetKey: string, run: number, title: string,
): Promise<string | null> {
  const al = settings.filter((s): s is Extract<Setting, { kind: 'active-learning' }> => s.kind === 'active-learning');
  const first = al[0];
  const chosen = first
    ? al.filter((s) => s.coldStartBudget === first.coldStartBudget && s.acquire === first.acquire).sort((a, b) => Math.abs(a.alpha - 0.3) - Math.abs(b.alpha - 0.3))[0]!
    : settings.filter((s) => s.kind === 'cold-start' && s.strategy === 'coldstart').sort((a, b) => settingBudget(a) - settingBudget(b))[0];
  if (!chosen) return null;
  const stored = await store.get({ dataset: datasetKey, run, setting: settingKey(chosen) });
  if (!stored) return null;
  const seed = runSeed(run);
  const split = testSplit(outcome.ids.length, seed);
  const map = await defaultRegistries.projections.get('tsne').project(outcome.embeddings, {}, createRng(seed).fork());
  const coldStart = stored.coldStart ?? stored.selected;
  const acquired = stored.acquired ?? [];
  const what = chosen.kind === 'active-learning' ? `${methodLabel(chosen)}, ${chosen.coldStartBudget} + ${chosen.acquire}` : `cold start, B = ${settingBudget(chosen)}`;
  return selectionFigureSvg({
    title: `${title}, run ${run} (seed ${seed}): ${what} — display t-SNE of all ${outcome.ids.length} images`,
    ids: outcome.ids, map, test: split.test.map((i) => outcome.ids[i]!), coldStart, acquired,
  });
}
