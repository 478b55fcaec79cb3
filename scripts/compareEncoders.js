#!/usr/bin/env node
'use strict';
/**
 * Which encoder should be the default? For every candidate, how much the paper's cold start on
 * its embeddings beats random selection, paired by run, on real chest X-rays (Montgomery, JSRT in
 * ../shared/data), with the reproduction harness's protocol (runExperiment: per run r a seed
 * 42 + r, a seeded 20 % test split, the rest as the pool, a fresh Attention U-Net with the run's
 * initial weights trained on each selection, Dice of the organs and HD95 on the test split):
 *
 *   random:                 B images uniformly from the pool (does not depend on the encoder)
 *   coldstart(enc):         B images by the paper's cold start on enc's embeddings
 *
 * `self-supervised` is trained per run on that run's pool only (no labels, no test image), seed =
 * the run's seed; `a+b` is the concatenation of a and b, each block L2-normalised per image
 * (plugin/src/encoders/combinedEncoder.ts). `darknet` is the ImageNet Tiny Darknet in
 * ../shared/models (a reference: it does not ship with any npm package).
 *
 *   node scripts/compareEncoders.js [--datasets montgomery,jsrt] [--runs 8] [--budgets 8,12]
 *       [--size 64] [--epochs 40] [--ssl-epochs 100]
 *       [--encoders intensity-texture,self-supervised,intensity-texture+self-supervised]
 *       [--out out/compare-encoders] [--md FILE] [--json FILE] [--only-runs 8,7,6]
 *
 * Budgets and epochs default to the `cpu` profile of `scanselect reproduce` per data set. Every
 * unit is checkpointed under --out (and each run's site-trained weights), so a rerun with the same
 * --out continues where it stopped. Requires `npm run build`.
 */
const fs = require('node:fs');
const path = require('node:path');
const os = require('node:os');
const p = require('../plugin/dist/index.js');

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const datasets = arg('--datasets', 'montgomery,jsrt').split(',');
const runs = Number(arg('--runs', '8'));
const budgetsArg = arg('--budgets', null);
const size = Number(arg('--size', '64'));
const epochsArg = arg('--epochs', null);
const sslEpochs = Number(arg('--ssl-epochs', '100'));
const encoderSpecs = arg('--encoders', 'intensity-texture,self-supervised,intensity-texture+self-supervised').split(',');
const out = arg('--out', path.join('out', 'compare-encoders'));
// A second process can take some runs of the same --out (each unit and each run's site encoder is
// checkpointed), e.g. --only-runs 8,7,6 beside one going 1…8; the table needs every run.
const onlyRuns = arg('--only-runs', null)?.split(',').map(Number) ?? null;
const mdOut = arg('--md', null);
const jsonOut = arg('--json', null);
const shared = path.join(__dirname, '..', '..', 'shared');
const darknet = path.join(shared, 'models', 'darknet-tiny-imagenet', 'tfjs');
const profile = p.experimentProfile('cpu');

function log(text) {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${text}\n`);
}

const usesSsl = (spec) => (p.combinedParts(spec) ?? [spec]).includes('self-supervised');
const safe = (spec) => spec.replace(/[^A-Za-z0-9._-]/g, '_');

/** The run's site-trained encoder directory: trained on the run's pool once, reused on a rerun. */
async function sslWeights(dataset, images, run, dir) {
  if (fs.existsSync(path.join(dir, 'metadata.json'))) return { dir, seconds: JSON.parse(fs.readFileSync(path.join(dir, 'metadata.json'), 'utf8')).training.seconds };
  const seed = p.runSeed(run);
  const pool = p.testSplit(images.length, seed).pool.map((i) => images[i].encoderInput);
  const training = await p.trainSelfSupervised(pool, { seed, epochs: sslEpochs });
  const encoder = await p.SelfSupervisedEncoder.create(training.representation, { training: training.summary });
  await p.saveSelfSupervisedEncoder(encoder, dir);
  encoder.dispose();
  log(`${dataset} run ${run}: self-supervised encoder trained on ${pool.length} pool images, ${sslEpochs} epochs, ${training.summary.seconds.toFixed(1)} s, final loss ${training.summary.finalLoss.toFixed(3)}`);
  return { dir, seconds: training.summary.seconds };
}

async function createEncoder(spec, model) {
  if (spec === 'darknet') return p.createEncoderRegistry().get('tfjs-model').create({ model: darknet });
  return p.createEncoder(p.createEncoderRegistry(), spec, model === undefined ? {} : { model });
}

/** Per-run results of one data set: { random: {budget: [..]}, [spec]: {budget: [..]} }, and SSL training seconds. */
async function runDataset(key) {
  const budgets = budgetsArg ? budgetsArg.split(',').map(Number) : [...p.datasetBudgets(profile, key).budgets];
  const { epochs: profileEpochs, dropout } = p.datasetBudgets(profile, key);
  const epochs = epochsArg ? Number(epochsArg) : profileEpochs;
  const dataset = p.experimentDataset(key, path.join(shared, 'data'));
  const images = await dataset.load({ size });
  const base = path.join(out, key);
  const results = { random: new Map() };
  const sslSeconds = [];
  log(`${key}: ${images.length} images, ${runs} runs, budgets ${budgets.join(', ')}, ${size}², ${epochs} epochs; encoders ${encoderSpecs.join(', ')}`);
  for (const run of onlyRuns ?? Array.from({ length: runs }, (_, r) => r + 1)) {
    const ssl = encoderSpecs.some(usesSsl) ? await sslWeights(key, images, run, path.join(base, `ssl-run${run}`)) : null;
    if (ssl) sslSeconds.push(ssl.seconds);
    for (const [e, spec] of encoderSpecs.entries()) {
      const encoder = await createEncoder(spec, usesSsl(spec) ? ssl.dir : undefined);
      results[spec] ??= new Map();
      const stores = [['random', 'random'], [spec, 'coldstart']].filter(([, s]) => s === 'coldstart' || e === 0);
      try {
        for (const [name, strategy] of stores) {
          await p.runExperiment({
            dataset, datasetKey: key, images, runs, onlyRuns: [run], size, epochs, dropout, encoder,
            settings: budgets.map((budget) => ({ kind: 'cold-start', strategy, budget })),
            store: new p.CheckpointStore(path.join(base, safe(name))),
            onEvent: ({ setting, result, cached }) => {
              const list = results[name].get(setting.budget) ?? [];
              list[run - 1] = { run, dice: result.dice, hd95: result.hd95 ?? NaN, k: result.k, selected: result.selected };
              results[name].set(setting.budget, list);
              log(`${key} run ${run} B=${setting.budget} ${name.padEnd(36)} Dice ${result.dice.toFixed(4)}  HD95 ${(result.hd95 ?? NaN).toFixed(2)}${cached ? ' (checkpoint)' : ` (${result.trainSeconds.toFixed(0)} s)`}`);
            },
          });
        }
      } finally {
        encoder.dispose();
      }
    }
  }
  return { key, budgets, epochs, images: images.length, results, sslSeconds };
}

const sign = (v, d) => (Number.isFinite(v) ? `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(d)}` : '—');

/** Paired rows of one data set and budget: every candidate against random and against the first candidate. */
function table(r) {
  const lines = [];
  for (const budget of r.budgets) {
    const random = r.results.random.get(budget);
    const reference = r.results[encoderSpecs[0]].get(budget);
    lines.push(`**${r.key}, B = ${budget}** (${runs} runs, seeds 43…${42 + runs})`, '',
      `| selection | Dice mean ± std | HD95 px mean ± std | ΔDice vs random: mean ± std | median | runs better | Dice std ratio to random | ΔDice vs ${encoderSpecs[0]}: mean ± std | runs better |`,
      '|---|---|---|---|---|---|---|---|---|');
    for (const name of ['random', ...encoderSpecs]) {
      const rows = r.results[name].get(budget);
      const d = p.summary(rows.map((x) => x.dice));
      const h = p.summary(rows.map((x) => x.hd95));
      if (name === 'random') {
        lines.push(`| random | ${d.mean.toFixed(4)} ± ${d.std.toFixed(4)} | ${h.mean.toFixed(2)} ± ${h.std.toFixed(2)} | — | — | — | — | — | — |`);
        continue;
      }
      const vsRandom = p.summary(rows.map((x, i) => x.dice - random[i].dice));
      const better = rows.filter((x, i) => x.dice > random[i].dice).length;
      const ratio = d.std / p.summary(random.map((x) => x.dice)).std;
      const vsRef = p.summary(rows.map((x, i) => x.dice - reference[i].dice));
      const refBetter = rows.filter((x, i) => x.dice > reference[i].dice).length;
      const isRef = name === encoderSpecs[0];
      lines.push(`| cold start: ${name} | ${d.mean.toFixed(4)} ± ${d.std.toFixed(4)} | ${h.mean.toFixed(2)} ± ${h.std.toFixed(2)} | ${sign(vsRandom.mean, 4)} ± ${vsRandom.std.toFixed(4)} | ${sign(vsRandom.median, 4)} | ${better}/${runs} | ${ratio.toFixed(2)} | ${isRef ? '—' : `${sign(vsRef.mean, 4)} ± ${vsRef.std.toFixed(4)}`} | ${isRef ? '—' : `${refBetter}/${runs}`} |`);
    }
    lines.push('');
  }
  if (r.sslSeconds.length > 0) {
    const s = p.summary(r.sslSeconds);
    lines.push(`Site-trained encoder: ${sslEpochs} epochs on each run's pool (${Math.round(r.images * 0.8)} images), ${s.mean.toFixed(1)} s per run on average (${Math.min(...r.sslSeconds).toFixed(1)}–${Math.max(...r.sslSeconds).toFixed(1)} s).`, '');
  }
  return lines.join('\n');
}

async function main() {
  for (const key of datasets) {
    if (!fs.existsSync(path.join(shared, 'data', key))) {
      console.error(`compareEncoders: ${path.join(shared, 'data', key)} is absent (the shared data set is needed)`);
      process.exit(2);
    }
  }
  const compute = await p.initCompute();
  const header = `${runs} runs, ${size}×${size}, U-Net epochs per the cpu profile${epochsArg ? ` (here ${epochsArg})` : ''}, backend ${compute.backend}, ${os.cpus().length} × ${os.cpus()[0].model}, ${new Date().toISOString().slice(0, 10)}`;
  log(header);
  const done = [];
  for (const key of datasets) done.push(await runDataset(key));
  if (onlyRuns) {
    log(`runs ${onlyRuns.join(', ')} done; run without --only-runs (same --out) for the table`);
    return;
  }
  const markdown = [`Cold start per encoder against random, paired by run — ${header}`, '', ...done.map(table)].join('\n');
  console.log(markdown);
  if (mdOut) fs.writeFileSync(mdOut, markdown + '\n');
  if (jsonOut) {
    const json = done.map((r) => ({ dataset: r.key, budgets: r.budgets, epochs: r.epochs, sslEpochs, sslSeconds: r.sslSeconds, results: Object.fromEntries(Object.entries(r.results).map(([k, m]) => [k, Object.fromEntries(m)])) }));
    fs.writeFileSync(jsonOut, JSON.stringify({ runs, size, backend: compute.backend, datasets: json }, null, 2));
  }
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
