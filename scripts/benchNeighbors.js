#!/usr/bin/env node
'use strict';
/**
 * `npm run bench:neighbors`: the k-nearest-neighbour search that t-SNE runs on its PCA-50 rows,
 * exact and approximate, with the approximate search's recall against the exact one (the fraction
 * of the true k neighbours it finds) and whether 1 and 2 threads give the same graph.
 *
 *   npm run build && npm run bench:neighbors -- [--sizes 10000,20000] [--data bench,clustered,uniform] [--k 90]
 *
 * Data (50 columns): bench = PCA-50 of bench:select's pool (clusteredEmbeddings, 2048-d, 10
 * clusters, seed 2026); clustered = 8 Gaussian clusters in 50-d; uniform = uniform random rows in
 * [0, 1)^50, the hardest case (no low-dimensional structure). Seconds are wall time on 2 threads.
 */
const crypto = require('node:crypto');
const os = require('node:os');
const path = require('node:path');
const P = require(path.join(__dirname, '..', 'plugin', 'dist', 'index.js'));
const { nearestNeighbors } = require(path.join(__dirname, '..', 'plugin', 'dist', 'projection', 'nearestNeighbors.js'));

const argv = process.argv.slice(2);
const arg = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
const sizes = arg('--sizes', '10000,20000').split(',').map(Number);
const kinds = arg('--data', 'bench,clustered,uniform').split(',');
const k = Number(arg('--k', '90'));
const d = 50;

async function rows(kind, n) {
  const rng = P.createRng(11);
  if (kind === 'bench') {
    const { embeddings } = P.clusteredEmbeddings({ n, dimensions: 2048, clusters: 10 }, P.createRng(2026));
    return (await P.pca(embeddings, d, P.createRng(3))).scores;
  }
  const data = new Float64Array(n * d);
  if (kind === 'uniform') {
    for (let i = 0; i < data.length; i++) data[i] = rng.nextFloat();
    return data;
  }
  if (kind !== 'clustered') throw new Error(`unknown data ${kind}`);
  const centres = Array.from({ length: 8 }, () => Array.from({ length: d }, () => 4 * rng.nextGaussian()));
  for (let i = 0; i < n; i++) {
    const c = centres[rng.nextInt(8)];
    for (let j = 0; j < d; j++) data[i * d + j] = c[j] + rng.nextGaussian();
  }
  return data;
}

const sha = (g) => crypto.createHash('sha1').update(Buffer.from(g.indices.buffer)).update(Buffer.from(g.distances.buffer)).digest('hex').slice(0, 12);

async function timed(input, method, threads) {
  const t = performance.now();
  const g = await nearestNeighbors(input, k, P.createRng(2), { method, threads });
  return { g, seconds: (performance.now() - t) / 1000 };
}

(async () => {
  console.log(`bench:neighbors — ${os.cpus().length} × ${os.cpus()[0].model}, node ${process.version}; k = ${k}, ${d} columns`);
  console.log(`load average before: ${os.loadavg().map((x) => x.toFixed(2)).join(', ')}`);
  console.log('data       rows     exact s   approx s (2 thr)   approx s (1 thr)   recall   1 thr = 2 thr');
  for (const n of sizes) {
    for (const kind of kinds) {
      const input = { rows: n, cols: d, data: await rows(kind, n) };
      const exact = await timed(input, 'exact', 2);
      const two = await timed(input, 'approximate', 2);
      const one = await timed(input, 'approximate', 1);
      let hits = 0;
      const mark = new Int32Array(n).fill(-1);
      for (let i = 0; i < n; i++) {
        for (let t = 0; t < k; t++) mark[exact.g.indices[i * k + t]] = i;
        for (let t = 0; t < k; t++) if (mark[two.g.indices[i * k + t]] === i) hits++;
      }
      console.log(`${kind.padEnd(10)} ${String(n).padStart(6)} ${exact.seconds.toFixed(2).padStart(10)} ${two.seconds.toFixed(2).padStart(10)} ${one.seconds.toFixed(2).padStart(18)} ${(hits / (n * k)).toFixed(4).padStart(12)}   ${sha(one.g) === sha(two.g) ? 'yes' : 'NO'}`);
    }
  }
  console.log(`load average after: ${os.loadavg().map((x) => x.toFixed(2)).join(', ')}`);
})().catch((e) => {
  console.error(e);
  process.exit(1);
});
