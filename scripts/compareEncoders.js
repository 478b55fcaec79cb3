#!/usr/bin/env node
'use strict';
/**
 * Which built-in encoder should be the default? Measures how much cold start with each encoder
 * beats random selection on real chest X-rays (Montgomery, ../shared/data/montgomery), a small
 * version of the paper's protocol (section 4.1.2–4.4):
 *
 *   for run r = 1…R (seed 42 + r): a seeded 20 % test split; the rest is the pool;
 *     random:           B images uniformly from the pool
 *     coldstart(enc):   B images by the paper's cold start on enc's embeddings
 *     each → a fresh Attention U-Net (same initial weights within the run) trained E epochs at
 *     S × S → Dice (mean of the two lungs) and HD95 on the test split.
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
const dataDir = path.join(shared, 'data', 'montgomery');
const darknet = path.join(shared, 'models', 'darknet-tiny-imagenet', 'tfjs');

function log(text) {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${text}\n`);
}

async function loadMontgomery() {
  const names = fs.readdirSync(path.join(dataDir, 'cxr')).filter((f) => f.endsWith('.png')).sort();
  const ids = [], images = [], grays = [], masks = [];
  for (const name of names) {
    const image = p.readPngFile(path.join(dataDir, 'cxr', name));
    const binary = p.binaryMaskFromPng(fs.readFileSync(path.join(dataDir, 'masks', name)));
    const lungs = p.splitLungsByComponents(binary.labels, binary.width, binary.height); // 0, right lung 1, left lung 2
    ids.push(name.replace(/\.png$/, ''));
    images.push(p.preprocessImage(image, size).data);
    masks.push(p.resizeNearest(lungs.labels, lungs.width, lungs.height, { width: size, height: size }));
    const g = p.resizeBilinear(p.toGrayscale(image), { width: 256, height: 256 });
    grays.push({ width: 256, height: 256, data: g.data });
  }
  return { ids, images, grays, masks };
}

async function embed(encoderId, grays) {
  const registry = p.createEncoderRegistry();
  const encoder = encoderId === 'darknet'
    ? await registry.get('tfjs-model').create({ model: darknet })
    : await registry.get(encoderId).create({});
  try {
    const data = await encoder.embed(grays);
    return { rows: grays.length, cols: encoder.dimensions(), data };
  } finally {
    encoder.dispose();
  }
}

function subset(matrix, rows) {
  const out = new Float32Array(rows.length * matrix.cols);
  rows.forEach((r, i) => out.set(matrix.data.subarray(r * matrix.cols, (r + 1) * matrix.cols), i * matrix.cols));
  return { rows: rows.length, cols: matrix.cols, data: out };
}

function testSplit(n, seed) {
  const order = Array.from({ length: n }, (_, i) => i);
  p.shuffleInPlace(order, p.createRng(seed));
  const nTest = Math.round(0.2 * n);
  return { test: order.slice(0, nTest).sort((a, b) => a - b), pool: order.slice(nTest).sort((a, b) => a - b) };
}

async function trainAndScore(data, trainRows, testRows, seed) {
  const trained = await p.trainSegmentation(
    { images: trainRows.map((r) => data.images[r]), masks: trainRows.map((r) => data.masks[r]), size },
    { classes: 3, epochs, seed, dropout: 0.15 },
  );
  const preds = p.predictBatch(trained.model, testRows.map((r) => data.images[r]), size);
  const dice = [], hd = [];
  testRows.forEach((r, k) => {
    const pred = { width: size, height: size, labels: preds[k].mask };
    const truth = { width: size, height: size, labels: data.masks[r] };
    dice.push(p.diceScores(pred, truth, 3).meanForeground);
    const h = p.hausdorffScores(pred, truth, 3).meanForeground;
    if (Number.isFinite(h)) hd.push(h);
  });
  trained.dispose();
  const mean = (v) => v.reduce((a, b) => a + b, 0) / v.length;
  return { dice: mean(dice), hd95: hd.length ? mean(hd) : NaN, seconds: trained.seconds };
}

function stats(values) {
  const m = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = Math.sqrt(values.reduce((a, b) => a + (b - m) ** 2, 0) / values.length);
  return { mean: m, std: sd };
}

async function main() {
  if (!fs.existsSync(dataDir)) {
    console.error(`compareEncoders: ${dataDir} is absent (the shared data set is needed)`);
    process.exit(2);
  }
  const compute = await p.initCompute();
  log(`backend ${compute.backend}; runs ${runs}, budget ${budget}, ${size}², ${epochs} epochs; encoders ${encoderIds.join(', ')}`);
  const data = await loadMontgomery();
  const embeddings = {};
  for (const id of encoderIds) {
    const t = performance.now();
    embeddings[id] = await embed(id, data.grays);
    log(`embedded ${data.ids.length} images with ${id} (${embeddings[id].cols}-d) in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  const settings = ['random', ...encoderIds.map((e) => `coldstart:${e}`)];
  const results = Object.fromEntries(settings.map((s) => [s, []]));
  for (let r = 1; r <= runs; r++) {
    const seed = 42 + r;
    const { test, pool } = testSplit(data.ids.length, seed);
    for (const setting of settings) {
      const encoder = setting === 'random' ? encoderIds[0] : setting.slice('coldstart:'.length);
      const poolIds = pool.map((i) => data.ids[i]);
      const run = await p.runColdStart({ ids: poolIds, embeddings: subset(embeddings[encoder], pool) }, {
        budget, seed, strategy: setting === 'random' ? 'random' : 'coldstart',
      });
      const chosen = run.report.selected.map((s) => pool[poolIds.indexOf(s.id)]);
      const score = await trainAndScore(data, chosen, test, seed);
      results[setting].push({ run: r, seed, k: run.report.k, ...score, selected: run.report.selected.map((s) => s.id) });
      log(`run ${r} ${setting.padEnd(28)} k=${String(run.report.k).padEnd(4)} Dice ${score.dice.toFixed(4)}  HD95 ${score.hd95.toFixed(2)} px  (${score.seconds.toFixed(0)} s)`);
    }
  }
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
