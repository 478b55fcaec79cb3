import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { Command, InvalidOptionArgumentError, Option } from 'commander';
import {
  CheckpointStore,
  createEncoder,
  createEncoderRegistry,
  datasetBudgets,
  DEFAULT_ENCODER_ID,
  experimentDataset,
  experimentProfile,
  initCompute,
  paperSettings,
  parseActiveLearningSplit,
  parseAlphas,
  capEffect,
  capEffectMarkdown,
  type AlphaRule,
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
  type ExperimentEvent,
  type ExperimentOutcome,
  type Setting,
  type StoredResult,
} from '@scanselect/plugin';
import { UsageError } from '../errors';
import { finiteNumber, integer } from '../options';
import { ProgressBar } from '../progressBar';

interface ReproduceOptions {
  dataset: string;
  profile: string;
  runs?: number;
  budgets?: number[];
  al?: Array<[number, number] | [number, number, number]>;
  alphas?: AlphaRule[];
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
  workers: number;
  workerOf?: [number, number];
  maxPerVolume?: number;
  volumePenalty?: number;
}

const list = (v: string): number[] => v.split(',').map((x) => integer(x));
const alList = (v: string): Array<[number, number] | [number, number, number]> => v.split(',').map((x) => parseActiveLearningSplit(x));

/** `scanselect reproduce`: the paper's experiments on a data set, with checkpoints and tables. */
export function reproduceCommand(): Command {
  return new Command('reproduce')
    .description("Run the paper's protocol (random / k-means to budget / cold start, then active learning with α = 0, 0.3, 1) on a labelled data set and write its results table.")
    .requiredOption('--dataset <spec>', 'montgomery | jsrt | ibsr18 | folder:PATH (PATH/images, PATH/masks, optional PATH/classes.txt)')
    .option('--profile <id>', 'paper (its budgets, 256², 120/150 epochs, 11 runs) or cpu (reduced for a 2-core machine)', 'cpu')
    .option('--runs <n>', 'runs (seeds 43, 44, …)', integer)
    .option('--budgets <list>', 'cold-start budgets, e.g. 8,10,12', list)
    .option('--al <list>', 'active-learning splits B0+A, or B0+AxROUNDS for several rounds, e.g. 8+4,12+4 or 8+4x3', alList)
    .option('--alphas <list>', 'α of the active-learning settings: numbers in [0, 1] and/or adaptive (default 0,0.3,1)', (v: string) => parseAlphas(v))
    .option('--max-per-volume <n>', 'also run the cold start and the α = 0.3 round with at most n slices per volume (data sets of volumes: ibsr18)', integer)
    .option('--volume-penalty <λ>', 'also run the cold start and the α = 0.3 round with the volume penalty λ in (0, 1]: a diversity distance within one volume counts (1 − λ) times (data sets of volumes)', finiteNumber)
    .option('--size <S>', 'image size S×S', integer)
    .option('--epochs <n>', 'training epochs', integer)
    .option('--encoder <id>', 'encoder for the embeddings (several joined by + are concatenated)', DEFAULT_ENCODER_ID)
    .option('--encoder-model <path>', 'TensorFlow.js model for --encoder tfjs-model, or the weights directory of self-supervised (scanselect train-encoder)')
    .option('--shared-data <dir>', 'folder holding montgomery/, jsrt/, ibsr18/', path.join('..', 'shared', 'data'))
    .option('--out <dir>', 'output folder (default out/reproduce/<dataset>)')
    .option('--resume', 'reuse the finished units checkpointed in --out', false)
    .option('--depth <n>', 'U-Net levels (default 4)', integer)
    .option('--base-channels <n>', 'U-Net channels of the first level (default 16)', integer)
    .option('--map-run <r>', 'run whose 2-D selection map is drawn', integer, 1)
    .option('--no-plots', 'write the tables only (no SVG/PNG figures)')
    .option('--workers <n>', 'processes sharing the runs (each trains on one core with the wasm backend)', integer, 1)
    .addOption(new Option('--worker-of <i/n>', 'internal: be worker i of n').argParser(workerOf).hideHelp())
    .option('--no-progress', 'do not draw a progress bar')
    .action(async (options: ReproduceOptions) => {
      const profile = experimentProfile(options.profile);
      const dataset = experimentDataset(options.dataset, options.sharedData);
      const budgets = datasetBudgets(profile, options.dataset);
      const runs = options.runs ?? profile.runs;
      const size = options.size ?? profile.size;
      const epochs = options.epochs ?? budgets.epochs;
      const settings = paperSettings({
        budgets: options.budgets ?? budgets.budgets, activeLearning: options.al ?? budgets.activeLearning,
        ...(options.alphas !== undefined && { alphas: options.alphas }),
        ...(options.maxPerVolume !== undefined && { maxPerVolume: options.maxPerVolume }),
        ...(options.volumePenalty !== undefined && { volumePenalty: options.volumePenalty }),
      });
      const out = options.out ?? path.join('out', 'reproduce', options.dataset.replace(/[^A-Za-z0-9._-]/g, '_'));
      const store = new CheckpointStore<StoredResult>(path.join(out, 'runs'));
      if (options.workers < 1) throw new UsageError(`--workers must be at least 1, got ${options.workers}`);
      if (!options.resume && !options.workerOf && existsSync(path.join(out, 'runs'))) {
        throw new UsageError(`${out} already holds results; pass --resume to continue them, or choose another --out`);
      }
      await checkConfig(out, {
        dataset: options.dataset, size, epochs, dropout: budgets.dropout, encoder: options.encoder,
        encoderModel: options.encoderModel ?? null, depth: options.depth ?? null, baseChannels: options.baseChannels ?? null,
      });
      const compute = await initCompute();
      const header = `profile ${profile.id} (${profile.description}); this run: ${runs} runs, ${size}×${size}, ${epochs} epochs, dropout ${budgets.dropout}, encoder ${options.encoder}, backend ${compute.backend}`;
      if (!options.workerOf) process.stderr.write(`${dataset.id}: ${header}\n`);
      const encoder = await createEncoder(createEncoderRegistry(), options.encoder, options.encoderModel === undefined ? {} : { model: options.encoderModel });
      const bar = new ProgressBar(process.stderr, options.progress, 1000, 24, 72);
      let unit: StoredResult['hdUnit'] = 'px';
      try {
        const common = {
          dataset, datasetKey: options.dataset, runs, settings, size, epochs, dropout: budgets.dropout, encoder, store,
          ...(options.depth !== undefined && { depth: options.depth }),
          ...(options.baseChannels !== undefined && { baseChannels: options.baseChannels }),
        };
        if (options.workerOf) {
          // A worker process of --workers: its share of the runs, checkpoints only.
          const [index, count] = options.workerOf;
          await runExperiment({
            ...common, onlyRuns: Array.from({ length: runs }, (_, r) => r + 1).filter((r) => (r - 1) % count === index),
            onEvent: (e) => process.stderr.write(unitLine(e)),
          });
          return;
        }
        if (options.workers > 1) await runWorkers(options.workers, runs * settings.length, bar);
        const started = Date.now();
        let fresh = 0;
        let current = 'prepare';
        const trainSeconds: number[] = [];
        const selections = new Map<string, readonly string[]>();
        let doneUnits = 0;
        let totalUnits = 1;
        const eta = (): string => etaText(started, fresh, totalUnits - doneUnits);
        const outcome = await runExperiment({
          ...common,
          onUnitStart: (u) => {
            current = `run ${u.run}/${runs} ${settingKey(u.setting)}`;
            doneUnits = u.done;
            totalUnits = u.total;
          },
          onProgress: (event) => bar.update({ stage: current, fraction: (doneUnits + Math.max(0, Math.min(1, event.fraction)) * 0.999) / totalUnits, detail: `${event.stage}${eta()}` }),
          onEvent: (e) => {
            selections.set(`${e.run}|${settingKey(e.setting)}`, e.result.selected);
            trainSeconds.push(e.result.trainSeconds);
            if (!e.cached) fresh++;
            unit = e.result.hdUnit;
            doneUnits = e.done;
            bar.update({ stage: current, fraction: e.done / e.total, detail: `done${eta()}` });
            if (!process.stderr.isTTY) process.stderr.write(unitLine(e));
          },
        });
        bar.done();
        const { results } = outcome;
        const rows = resultsRows(results);
        const vsRandom = pairedComparison(results, 'Random');
        const perVolume = (setting: Setting): boolean => setting.maxPerVolume !== undefined || setting.volumePenalty !== undefined;
        const vsColdStart = pairedComparison(results, 'Ours (cold start)', (setting) => setting.kind === 'active-learning' || perVolume(setting));
        const vsUncappedRound = pairedComparison(results, 'Entropy+Distance (α=0.3)', (setting) => setting.kind === 'active-learning' && perVolume(setting));
        // The other α rules (0, 1, adaptive) against the paper's α = 0.3, round for round.
        const vsAlpha = pairedComparison(results, 'Entropy+Distance (α=0.3)', (setting) => setting.kind === 'active-learning' && !perVolume(setting));
        const volumeOf = new Map(outcome.ids.map((id, i) => [id, outcome.volumes[i] ?? null]));
        const capRows = capEffect(settings, Array.from({ length: runs }, (_, r) => r + 1), (run, setting) => selections.get(`${run}|${settingKey(setting)}`) ?? null, (id) => volumeOf.get(id) ?? null);
        const labels = new Map(settings.map((setting) => [settingKey(setting), methodLabel(setting)]));
        const table = [
          `# ${dataset.description}`, '', header, '', resultsMarkdown(rows, unit), trainingLine(trainSeconds), '',
          '## Paired by run', '',
          'Per-run differences (same seed, test split and initial weights in both settings).', '',
          pairedMarkdown([...vsRandom, ...vsColdStart, ...vsAlpha, ...vsUncappedRound], unit),
          ...(capRows.length === 0 ? [] : ['', '## Per-volume cap and volume penalty', '', 'What the cap or the penalty did to the selections (the whole selection: cold start and acquired).', '', capEffectMarkdown(capRows, (key) => labels.get(key) ?? key)]),
        ].join('\n');
        await fs.mkdir(out, { recursive: true });
        await fs.writeFile(path.join(out, 'results.md'), table);
        await fs.writeFile(path.join(out, 'results.csv'), `# ${header}\n` + resultsCsv(rows));
        const written = [path.join(out, 'results.md'), path.join(out, 'results.csv')];
        if (options.plots) {
          const charts = budgetChartsSvg(rows, { title: dataset.id, hdUnit: unit, note: header });
          const figures: Array<[string, string]> = [['dice-vs-budget', charts.dice], ['hd95-vs-budget', charts.hd95]];
          const map = await selectionFigure(outcome, settings, store, options.dataset, Math.min(options.mapRun, runs), dataset.id, header);
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
  outcome: ExperimentOutcome, settings: readonly Setting[], store: CheckpointStore<StoredResult>, datasetKey: string, run: number, title: string, note: string,
): Promise<string | null> {
  const al = settings.filter((s): s is Extract<Setting, { kind: 'active-learning' }> => s.kind === 'active-learning');
  const first = al[0];
  const chosen = first
    ? al.filter((s) => s.coldStartBudget === first.coldStartBudget && s.acquire === first.acquire).sort((a, b) => alphaDistance(a.alpha) - alphaDistance(b.alpha))[0]!
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
    ids: outcome.ids, map, test: split.test.map((i) => outcome.ids[i]!), coldStart, acquired, note,
  });
}

/** How far an α rule is from the paper's 0.3 (adaptive counts as furthest, for the figure). */
function alphaDistance(alpha: AlphaRule): number {
  return alpha === 'adaptive' ? 2 : Math.abs(alpha - 0.3);
}

function workerOf(value: string): [number, number] {
  const m = /^(\d+)\/(\d+)$/.exec(value);
  if (!m || Number(m[1]) >= Number(m[2])) throw new InvalidOptionArgumentError(`"${value}" is not of the form i/n with i < n`);
  return [Number(m[1]), Number(m[2])];
}

function unitLine(e: ExperimentEvent): string {
  return `run ${e.run} ${settingKey(e.setting)}: Dice ${e.result.dice.toFixed(4)}, HD95 ${e.result.hd95?.toFixed(2) ?? '—'} ${e.result.hdUnit}, ${e.cached ? 'checkpoint' : `trained in ${e.result.trainSeconds.toFixed(0)} s`}\n`;
}

/**
 * --workers n: n child processes of this command (same options, --resume, no plots), worker i
 * taking runs i+1, i+1+n, …; all write to the same checkpoint store. Their unit lines are relayed
 * with a [wi] prefix; the bar counts them. Fails if any worker fails — finished units
 * stay checkpointed, so a rerun with --resume continues.
 */
async function runWorkers(count: number, total: number, bar: ProgressBar): Promise<void> {
  const args = process.argv.slice(1).filter((arg, i, all) => !(arg === '--workers' || arg.startsWith('--workers=') || all[i - 1] === '--workers'));
  const started = Date.now();
  let done = 0;
  let fresh = 0;
  try {
    const codes = await Promise.all(Array.from({ length: count }, (_, i) => new Promise<number>((resolve) => {
      const child = spawn(process.execPath, [...args, '--resume', '--no-plots', '--no-progress', '--worker-of', `${i}/${count}`], { stdio: ['ignore', 'ignore', 'pipe'] });
      let pending = '';
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => {
        pending += chunk;
        const lines = pending.split('\n');
        pending = lines.pop()!;
        bar.done();
        for (const line of lines) {
          process.stderr.write(`[w${i}] ${line}\n`);
          // Each finished unit is one unitLine(): count them for the bar.
          if (!/^run \d+ /.test(line)) continue;
          done++;
          if (!line.endsWith(', checkpoint')) fresh++;
        }
        bar.update({ stage: `${count} workers: ${done}/${total} units`, fraction: done / total, detail: etaText(started, fresh, total - done) });
      });
      child.on('close', (code) => {
        if (pending) process.stderr.write(`[w${i}] ${pending}\n`);
        resolve(code ?? 1);
      });
    })));
    const failed = codes.map((code, i) => [i, code] as const).filter(([, code]) => code !== 0);
    if (failed.length > 0) {
      throw new Error(`worker ${failed.map(([i, code]) => `w${i} (exit ${code})`).join(', ')} failed; finished units are checkpointed — rerun with --resume`);
    }
  } finally {
    bar.done();
  }
}

/** " ETA 1h05m" / " ETA 7m" from the mean time of the units trained so far; "" before the first. */
function etaText(started: number, trained: number, remaining: number): string {
  if (trained === 0) return '';
  const seconds = ((Date.now() - started) / 1000 / trained) * remaining;
  return ` ETA ${seconds >= 3600 ? `${Math.floor(seconds / 3600)}h${String(Math.round((seconds % 3600) / 60)).padStart(2, '0')}m` : `${Math.ceil(seconds / 60)}m`}`;
}

/**
 * What makes two units comparable. Written to <out>/config.json on the first run; a --resume
 * with different values is refused, so that units trained differently are never mixed in one
 * table. (Runs, budgets and α may change between resumes: they add units, not change them.)
 */
async function checkConfig(out: string, config: Record<string, string | number | null>): Promise<void> {
  const file = path.join(out, 'config.json');
  let previous: Record<string, unknown> | null = null;
  try {
    previous = JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw new UsageError(`${file} cannot be read (${(error as Error).message}); remove it or choose another --out`);
  }
  if (previous) {
    const changed = Object.keys(config).filter((k) => previous![k] !== config[k]);
    if (changed.length > 0) {
      throw new UsageError(`${out} holds units made with ${changed.map((k) => `${k} ${JSON.stringify(previous![k])}`).join(', ')}; this run asks ${changed.map((k) => `${k} ${JSON.stringify(config[k])}`).join(', ')} — choose another --out`);
    }
    return;
  }
  await fs.mkdir(out, { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, JSON.stringify(config, null, 2) + '\n');
  await fs.rename(tmp, file);
}

/** How long the units' models took to train (stored per unit, so the same after any resume). */
function trainingLine(seconds: readonly number[]): string {
  if (seconds.length === 0) return '';
  const total = seconds.reduce((a, b) => a + b, 0);
  return `Training time of the ${seconds.length} units' models (stored with each unit; excludes loading, embedding, selection and testing): `
    + `${(total / seconds.length).toFixed(0)} s per unit on average (${Math.min(...seconds).toFixed(0)}–${Math.max(...seconds).toFixed(0)} s), ${(total / 60).toFixed(0)} min in all.`;
}
