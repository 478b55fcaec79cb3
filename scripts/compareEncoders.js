#!/usr/bin/env node
'use strict';
/**
 * Which built-in encoder should be the default? Measures how much cold start with each encoder
 * beats random selection on real chest X-rays (Montgomery, ../shared/data/montgomery), with the
 * reproduction harness's protocol (runExperiment: per run r a seed 42 + r, a seeded 20 % test
 * split, a fresh Attention U-Net with the run's initial weights trained on each selection, Dice of
 * the two lungs and HD95 on the test split):
 *
 *   random:           B images uniformly from the pool
 *   coldstart(enc):   B images by the paper's cold start on enc's embeddings
 *
 *   node scripts/compareEncoders.js [--runs 3] [--budget 8] [--size 64] [--epochs 40]
 *       [--encoders intensity-texture,thumbnail,darknet] [--json FILE]
 *
 * `darknet` is the ImageNet Tiny Darknet in ../shared/models (a reference, not a candidate for
 * the default: it does not ship with any npm package). Requires `npm run build`.
 */
const fs = require('node:fs');
const path = require('node:path');
const os = require('node:os');
const p = require('../plugin/dist/index.js');

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}
const runs = Number(arg('--runs', '3'));
const budget = Number(arg('--budget', '8'));
const size = Number(arg('--size', '64'));
const epochs = Number(arg('--epochs', '40'));
const encoderIds = arg('--encoders', 'intensity-texture,thumbnail,darknet').split(',');
const jsonOut = arg('--json', null);
const shared = path.join(__dirname, '..', '..', 'shared');
const darknet = path.join(shared, 'models', 'darknet-tiny-imagenet', 'tfjs');

function log(text) {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${text}\n`);
}

function createEncoder(id) {
  const registry = p.createEncoderRegistry();
  return id === 'darknet' ? registry.get('tfjs-model').create({ model: darknet }) : registry.get(id).create({});
}

function stats(values) {
  const m = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - m) ** 2, 0) / values.length);
  return { mean: m, std: sd };
}

async function main() {
  if (!fs.existsSync(path.join(shared, 'data', 'montgomery'))) {
    console.error(`compareEncoders: ${path.join(shared, 'data', 'montgomery')} is absent (the shared data set is needed)`);
    process.exit(2);
  }
  const compute = await p.initCompute();
  log(`backend ${compute.backend}; runs ${runs}, budget ${budget}, ${size}², ${epochs} epochs; encoders ${encoderIds.join(', ')}`);
  const dataset = p.experimentDataset('montgomery', path.join(shared, 'data'));
  const images = await dataset.load({ size });
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'scanselect-compare-'));
  const results = { random: [] };
  try {
    for (const [e, id] of encoderIds.entries()) {
      const encoder = await createEncoder(id);
      const label = `coldstart:${id}`;
      results[label] = [];
      // Random selection does not depend on the encoder: it runs once, with the first one.
      const settings = [
        ...(e === 0 ? [{ kind: 'cold-start', strategy: 'random', budget }] : []),
        { kind: 'cold-start', strategy: 'coldstart', budget },
      ];
      try {
        await p.runExperiment({
          dataset, datasetKey: 'montgomery', images, runs, settings, size, epochs, dropout: 0.15, encoder,
          store: new p.CheckpointStore(path.join(scratch, id)),
          onEvent: ({ run, setting, result }) => {
            const name = setting.strategy === 'random' ? 'random' : label;
            results[name].push({ run, seed: p.runSeed(run), k: result.k, dice: result.dice, hd95: result.hd95 ?? NaN, seconds: result.trainSeconds, selected: result.selected });
            log(`run ${run} ${name.padEnd(28)} k=${String(result.k).padEnd(4)} Dice ${result.dice.toFixed(4)}  HD95 ${(result.hd95 ?? NaN).toFixed(2)} px  (${result.trainSeconds.toFixed(0)} s)`);
          },
        });
      } finally {
        encoder.dispose();
      }
    }
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
  const settings = ['random', ...encoderIds.map((e) => `coldstart:${e}`)];
  const lines = [
    `Montgomery, ${runs} runs (seeds 43…${42 + runs}), budget B = ${budget}, ${size}×${size}, ${epochs} epochs, backend ${compute.backend}, ${os.cpus().length} × ${os.cpus()[0].model}`,
    '',
    '| setting | Dice mean ± std | HD95 px mean ± std | Dice − random (mean over runs) | runs better than random |',
    '|---|---|---|---|---|',
  ];
  for (const s of settings) {
    const d = stats(results[s].map((x) => x.dice));
    const h = stats(results[s].map((x) => x.hd95).filter(Number.isFinite));
    const diff = results[s].map((x, i) => x.dice - results.random[i].dice);
    const better = diff.filter((v) => v > 0).length;
    lines.push(`| ${s} | ${d.mean.toFixed(4)} ± ${d.std.toFixed(4)} | ${h.mean.toFixed(2)} ± ${h.std.toFixed(2)} | ${s === 'random' ? '—' : (diff.reduce((a, b) => a + b, 0) / diff.length).toFixed(4)} | ${s === 'random' ? '—' : `${better}/${runs}`} |`);
  }
  console.log(lines.join('\n'));
  if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify({ runs, budget, size, epochs, backend: compute.backend, results }, null, 2));
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exit(1);
});
