#!/usr/bin/env node
'use strict';
/**
 * `npm run bench:select`: time and peak memory of each stage of the cold-start pipeline
 * (projection, k sweep, silhouette, selection) on synthetic clustered 2048-d embeddings, and the
 * same pipeline in scikit-learn on the same data, printed side by side with the ratio.
 *
 *   npm run bench:select -- [--sizes 1000,10000,50000] [--dims 2048] [--budget 50] [--no-sklearn]
 *     [--repulsion auto|barnes-hut|fft] [--neighbors auto|exact|approximate]   (t-SNE options)
 *
 * Each size runs in its own process (peak RSS is per size). scikit-learn comes from Debian's
 * python3-sklearn (/usr/bin/python3); without it only ScanSelect's numbers are printed.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

function arg(name, fallback) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : fallback;
}

const sizes = arg('--sizes', '1000,10000,50000').split(',').map(Number);
const dims = Number(arg('--dims', '2048'));
const budget = Number(arg('--budget', '50'));
const repulsion = arg('--repulsion', 'auto');
const neighbors = arg('--neighbors', 'auto');
const withSklearn = !process.argv.includes('--no-sklearn');
const python = '/usr/bin/python3';
const root = path.join(__dirname, '..');
const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'scanselect-bench-'));

if (!fs.existsSync(path.join(root, 'plugin', 'dist', 'index.js'))) {
  console.error('bench:select: build first (npm run build)');
  process.exit(1);
}
const sklearnOk = withSklearn && spawnSync(python, ['-c', 'import sklearn'], { encoding: 'utf8' }).status === 0;
if (withSklearn && !sklearnOk) console.error('bench:select: scikit-learn not found (apt-get install python3-sklearn); printing ScanSelect only');

console.log(`bench:select — ${os.cpus().length} × ${os.cpus()[0].model}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
console.log(`t-SNE repulsion ${repulsion}, neighbours ${neighbors}`);
console.log('MB = peak resident memory of the process up to the end of the stage (getrusage maxRSS)');
console.log(`synthetic pool: 10 Gaussian clusters of unequal size, ${dims}-d float32; budget B = ${budget}; seed 42; t-SNE defaults`);
const rows = [];
for (const n of sizes) {
  const js = runJson(process.execPath, ['--max-old-space-size=16384', path.join(__dirname, 'bench', 'selectWorker.js'), n, dims, budget, outDir, repulsion, neighbors]);
  const sk = sklearnOk ? runJson(python, [path.join(__dirname, 'bench', 'select_sklearn.py'), n, dims, budget, outDir]) : null;
  rows.push({ n, js, sk });
  print(n, js, sk);
  for (const f of fs.readdirSync(outDir)) fs.rmSync(path.join(outDir, f));
}
fs.rmSync(outDir, { recursive: true, force: true });

function runJson(cmd, args) {
  const r = spawnSync(cmd, args.map(String), { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) {
    console.error(`${path.basename(String(args[0]))} failed:\n${r.stderr}`);
    return null;
  }
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

function print(n, js, sk) {
  console.log(`\nN = ${n.toLocaleString('en')}`);
  console.log('  stage        ScanSelect            scikit-learn          sklearn/ScanSelect');
  for (const stage of ['projection', 'kSweep', 'silhouette', 'selection']) {
    const a = js && js.stages[stage];
    const b = sk && sk.stages[stage];
    console.log(`  ${stage.padEnd(11)}  ${cell(a)}  ${cell(b)}  ${a && b ? (b.seconds / a.seconds).toFixed(2) + '×' : '—'}`);
  }
  const total = (r) => (r ? `${r.total.toFixed(2).padStart(8)} s ${Math.round(r.peakMb).toString().padStart(6)} MB` : '—'.padEnd(20));
  console.log(`  ${'total'.padEnd(11)}  ${total(js)}  ${total(sk)}  ${js && sk ? (sk.total / js.total).toFixed(2) + '×' : '—'}`);
  if (js) console.log(`  k̂: ScanSelect ${js.k}${sk ? `, scikit-learn ${sk.k}` : ''}; silhouette ${js.silhouetteExact ? 'exact' : 'on a 5,000-point sample'}`);
  if (sk) console.log(`  trustworthiness (k=10, ${sk.trustworthiness.subsample}-point subsample): ScanSelect ${sk.trustworthiness.scanselect.toFixed(4)}, scikit-learn ${sk.trustworthiness.sklearn.toFixed(4)}`);
}

function cell(s) {
  return s ? `${s.seconds.toFixed(2).padStart(8)} s ${Math.round(s.peakMb).toString().padStart(6)} MB` : '—'.padEnd(20);
}
