import path from 'node:path';
import { Command } from 'commander';
import { AppError } from '../../appError';
import { parseServerConfig } from '../../config/serverConfig';
import { chooseValidationSet } from '../../domain/validationSet';
import { evaluateRoundModel } from '../../demo/evaluateRound';
import { SimulatedAnnotator } from '../../demo/simulatedAnnotator';
import { writePhantomDataset, type PhantomCase } from '../../demo/phantomDataset';
import type { Job } from '../../jobs/jobStore';
import type { WorklistItem } from '../../rounds/roundStore';
import { createServer, type ScanSelectServer } from '../../server';
import { integer } from '../options';
import { packageVersion } from '../version';
import { resolvePort, untilSignal } from './serveCommand';

interface DemoOptions {
  dir: string;
  count: number;
  imageSize: number;
  modelSize: number;
  epochs: number;
  seed: number;
  port?: number;
  simulateAnnotator: boolean;
  exit: boolean;
}

const PROJECT = 'chest-phantoms';
const CLASSES = ['right lung', 'left lung'];

/**
 * `scanselect demo` (what `npm start` runs): the whole product on an embedded default with no
 * setup. Writes synthetic chest radiographs as DICOM into a local folder source, starts the
 * server (SQLite, REST API) on 127.0.0.1, syncs, runs the cold start and prints the worklist and
 * the URLs. With `--simulate-annotator` a scripted annotator claims each case and submits its
 * ground truth as DICOM SEG, so masks → retraining → active-learning round → new worklist runs
 * by itself until the budget is spent; a validation set chosen after the cold start gives each
 * round model's point of the learning curve.
 */
export function demoCommand(): Command {
  return new Command('demo')
    .description('Run the server on built-in phantom chest radiographs (no PACS needed): sync, cold start, worklist; optionally the full labelling loop.')
    .option('--dir <dir>', 'folder for the phantom DICOM files and the server data', 'out/demo')
    .option('--count <n>', 'phantom radiographs', integer, 60)
    .option('--image-size <S>', 'phantom size in pixels', integer, 256)
    .option('--model-size <S>', 'side of the Attention U-Net input', integer, 64)
    .option('--epochs <n>', 'training epochs per round', integer, 60)
    .option('--seed <n>', 'seed', integer, 42)
    .option('--port <n>', 'port (default: PORT, else 8080)', integer)
    .option('--simulate-annotator', 'submit the phantoms\' ground truth as DICOM SEG, round after round', false)
    .option('--exit', 'stop when the demo is done instead of serving on', false)
    .action(async (options: DemoOptions) => {
      const dir = path.resolve(options.dir);
      const cases = await writePhantomDataset(path.join(dir, 'phantoms'), options.count, options.seed, options.imageSize);
      say(`Wrote ${cases.length} phantom chest radiographs (DICOM, ${options.imageSize}²) to ${path.join(dir, 'phantoms', 'dicom')}`);
      const config = parseServerConfig({
        dataDir: path.join(dir, 'data'),
        sources: { phantoms: { kind: 'folder', path: path.join(dir, 'phantoms', 'dicom') } },
        projects: [{
          name: PROJECT, source: 'phantoms', filters: { modality: 'DX' }, classes: CLASSES, seed: options.seed,
          budget: { coldStart: 8, perRound: 4, total: 16 }, model: { inputSize: options.modelSize, epochs: options.epochs, baseChannels: 8, depth: 3 },
          encoder: { id: 'intensity-texture', inputSize: 128 },
        }],
      }, dir);
      const server = await createServer(config, { version: packageVersion(), adminToken: process.env.SCANSELECT_ADMIN_TOKEN, jobs: 'child' });
      const url = await server.listen(resolvePort(options.port, process.env.PORT, 8080), '127.0.0.1');
      try {
        await runDemo(server, url, options, new Map(cases.map((c) => [c.sopUid, c])));
        if (!options.exit) {
          say('\nServing until Ctrl-C.');
          await untilSignal();
        }
      } finally {
        await server.close();
      }
    });
}

async function runDemo(server: ScanSelectServer, url: string, options: DemoOptions, cases: ReadonlyMap<string, PhantomCase>): Promise<void> {
  const { ctx } = server;
  const project = (await ctx.projects.find(PROJECT))!;
  const admin = (await server.tokens.create('demo admin', 'admin')).token;
  const annotatorToken = (await server.tokens.create('Simulated annotator', 'annotator')).token;
  say(`Server: ${url}  (OpenAPI: ${url}/openapi.json)\nAdmin console: ${url}/admin  (sign in with the admin token)\nAdmin token for this run: ${admin}\n  e.g. curl -H "Authorization: Bearer ${admin}" ${url}/api/projects/${project.id}/worklist`);

  if ((await ctx.rounds.latest(project.id)) === null) {
    await runJob(server, await ctx.queue.enqueue('sync', project.id));
    await runJob(server, await ctx.queue.enqueue('round', project.id, { reason: 'demo' }));
  }
  const worklist = await ctx.rounds.worklist(project.id, { round: (await ctx.rounds.latest(project.id))!.number });
  printWorklist(worklist);
  const top = worklist.find((i) => i.status === 'open');
  if (top) say(`\nIn the viewer: ${url}/viewer/scanselect?StudyInstanceUIDs=${top.studyUid}&project=${project.id}\n  sign in with the annotator token ${annotatorToken}`);
  if (!options.simulateAnnotator) {
    say(`\nRun again with --simulate-annotator to have a scripted annotator submit masks and watch the next rounds.`);
    return;
  }
  await chooseDemoValidationSet(server, project.id, options.count);
  const annotator = new SimulatedAnnotator(url, annotatorToken, cases, CLASSES);
  for (;;) {
    const labelled = await annotator.labelOpenCases(project.id);
    say(`\nSimulated annotator submitted ${labelled.length} DICOM SEG mask(s).`);
    const next = await ctx.jobs.pending('round', project.id);
    if (!next) break;
    await runJob(server, next);
    const latest = (await ctx.rounds.latest(project.id))!;
    const training = latest.report.training;
    if (training) say(`Round ${latest.number}: trained on ${training.images} masks, ${training.epochs} epochs, final loss ${training.finalLoss.toFixed(4)}, ${training.seconds.toFixed(0)} s on ${training.backend}`);
    const point = await ctx.metrics.get(project.id, latest.number);
    if (point) say(`  learning curve: round ${point.round}, ${point.labelsUsed} labels used, mean lung Dice ${point.metrics.meanDice.toFixed(3)} on the ${point.cases} validation cases`);
    const selected = new Set([...(await ctx.rounds.selectedIds(project.id)), ...(await ctx.rounds.validationIds(project.id))]);
    const unseen = [...cases.values()].filter((c) => !selected.has(c.sopUid));
    if (latest.modelDir && unseen.length > 0) {
      const quality = await evaluateRoundModel(ctx.artifacts, latest.modelDir, unseen, project.settings.model.inputSize, CLASSES.length + 1);
      say(`  that model on the ${quality.images} phantoms never selected: mean lung Dice ${quality.meanDice.toFixed(3)} (the demo knows their ground truth)`);
    }
    printWorklist(await ctx.rounds.worklist(project.id, { round: latest.number }));
  }
  const used = (await ctx.rounds.selectedIds(project.id)).length;
  say(`\nBudget spent: ${used} of ${project.settings.budget.total} cases selected and labelled over ${(await ctx.rounds.list(project.id)).length} rounds.`);
}

/**
 * After the cold start: a validation set of 8 phantoms (fewer when `--count` leaves little beside
 * the budget), labelled by the simulated annotator but never trained on — each round model's
 * mean Dice on it is a point of the learning curve. Kept when the demo is run again.
 */
async function chooseDemoValidationSet(server: ScanSelectServer, projectId: number, count: number): Promise<void> {
  const { ctx } = server;
  if ((await ctx.rounds.validationIds(projectId)).length > 0) return;
  const project = await ctx.projects.get(projectId);
  const size = Math.min(8, Math.floor((count - project.settings.budget.total) / 2));
  if (size < 1) {
    say(`\nNo validation set: ${count} phantoms leave too few beside the budget of ${project.settings.budget.total} (no learning curve).`);
    return;
  }
  try {
    const choice = await chooseValidationSet(ctx, 'demo', projectId, { size });
    say(`\nValidation set: ${choice.size} phantoms, a stratified random sample over ${choice.strata} clusters of the map — labelled, never trained on; every round model is scored on them.`);
  } catch (error) {
    // A demo run again on a project left mid-round or with its pool spent: go on without a curve.
    if (!(error instanceof AppError) || error.status !== 409) throw error;
    say(`\nNo validation set: ${error.message} (no learning curve).`);
  }
}

/** Waits for a job, printing its progress; throws if it fails. */
async function runJob(server: ScanSelectServer, job: Job): Promise<Job> {
  const { ctx } = server;
  let lastStage = '';
  const onJob = (j: Job): void => {
    if (j.id === job.id && j.stage && j.stage !== lastStage && process.stderr.isTTY) {
      lastStage = j.stage;
      process.stderr.write(`\r\x1b[K  ${j.kind} ${Math.round(100 * j.progress)}% ${j.stage}`);
    }
  };
  ctx.queue.on('job', onJob);
  try {
    for (;;) {
      const current = (await ctx.jobs.get(job.id))!;
      if (current.state === 'succeeded' || current.state === 'failed') {
        if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
        if (current.state === 'failed') throw new Error(`${current.kind} job ${current.id} failed: ${current.error}`);
        say(`${current.kind} job ${current.id} done: ${JSON.stringify(current.result)}`);
        return current;
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  } finally {
    ctx.queue.off('job', onJob);
  }
}

function printWorklist(items: readonly WorklistItem[]): void {
  if (items.length === 0) return;
  say(`\nWorklist of round ${items[0]!.round} (${items.length} cases):`);
  say('  rank  priority  reason           entropy  diversity  x        y        SOP Instance UID');
  const num = (v: number | null): string => (v === null ? '—' : v.toFixed(3));
  for (const i of items) {
    say(`  ${String(i.rank).padStart(4)}  ${i.priority.padEnd(8)}  ${i.reason.padEnd(15)}  ${num(i.entropy).padStart(7)}  ${num(i.diversity).padStart(9)}  ${i.x.toFixed(2).padStart(7)}  ${i.y.toFixed(2).padStart(7)}  ${i.sopUid}`);
  }
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}
