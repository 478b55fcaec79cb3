#!/usr/bin/env node
'use strict';
/**
 * Per-stage seconds of t-SNE alone (PCA, neighbours, affinities, optimisation) on bench:select's
 * synthetic pool (N × 2048-d, 10 Gaussian clusters, seed 2026; t-SNE seed 42, 2 threads), and the
 * map's trustworthiness (k = 10) on a seeded 2,000-point subsample of the input. bench:select
 * reports all of t-SNE as one "projection" stage; this splits it, for one repulsion method.
 *
 *   npm run build && node scripts/benchTsneStages.js N [barnes-hut|fft|auto]
 */
const path = require('node:path');
const { clusteredEmbeddings, createRng, tsne, trustworthiness } = require(path.join(__dirname, '..', 'plugin', 'dist', 'index.js'));

const n = Number(process.argv[2]);
const repulsion = process.argv[3] ?? 'auto';
if (!Number.isInteger(n) || n < 2) {
  console.error('usage: node scripts/benchTsneStages.js N [barnes-hut|fft|auto]');
  process.exit(2);
}
const { embeddings: x } = clusteredEmbeddings({ n, dimensions: 2048, clusters: 10 }, createRng(2026));
const seconds = {};
let last = performance.now();
tsne(x, { repulsion }, createRng(42), (e) => {
  const now = performance.now();
  seconds[e.stage] = (seconds[e.stage] ?? 0) + (now - last) / 1000;
  last = now;
}).then((y) => {
  const m = Math.min(n, 2000);
  const pick = createRng(7);
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < m; i++) {
    const j = i + Math.floor(pick.nextFloat() * (n - i));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  const hi = new Float64Array(m * x.cols);
  const lo = new Float64Array(2 * m);
  for (let r = 0; r < m; r++) {
    for (let c = 0; c < x.cols; c++) hi[r * x.cols + c] = x.data[idx[r] * x.cols + c];
    lo[2 * r] = y[2 * idx[r]];
    lo[2 * r + 1] = y[2 * idx[r] + 1];
  }
  const t = trustworthiness({ rows: m, cols: x.cols, data: hi }, lo, 10);
  console.log(n, repulsion, Object.entries(seconds).map(([s, v]) => `${s} ${v.toFixed(2)} s`).join(', '), `trustworthiness ${t.toFixed(4)}`);
}, (error) => {
  console.error(error);
  process.exit(1);
});
