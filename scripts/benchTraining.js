#!/usr/bin/env node
'use strict';
/* global fetch */
/**
 * `npm run bench:training`: how the API answers while a round trains — `/api/health` and the
 * worklist under C concurrent clients, measured only while the round job is in its training
 * stage — with the jobs in the API's own process (`--jobs inline`) and in the worker process the
 * server starts (`--jobs child`, the default of `scanselect serve`), one after the other in the
 * same run on the same data. Prints numbers, never asserts.
 *
 *   npm run bench:training -- [--modes inline,child] [--clients 50] [--size 128] [--epochs 30]
 *     [--images 24] [--json FILE]
 *
 * Setup per mode: the compiled server (server/dist: `npm run build` first) on a temporary data
 * directory, a folder source of `--images` phantom chest radiographs (64² DICOM), one project
 * (cold start 8, rounds of 4, Attention U-Net at `--size`² for `--epochs` epochs, wasm), sync and
 * cold start, then the 8 cases labelled through the API with their ground truth, which queues
 * the round. The clients run in a worker thread (their own event loop), each looping over
 * GET /api/health and GET /api/projects/1/worklist until the round leaves its training stage.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Worker } = require('node:worker_threads');

const root = path.join(__dirname, '..');
const dist = (p) => path.join(root, 'server', 'dist', p);
if (!fs.existsSync(dist('runtime/embeddedWorker.js'))) {
  console.error('bench:training: build first (npm run build)');
  process.exit(1);
}
const { createServer } = require(dist('server.js'));
const { parseServerConfig } = require(dist('config/serverConfig.js'));
const { writePhantomDataset } = require(dist('demo/phantomDataset.js'));
const { writeSegmentation, SECONDARY_CAPTURE_SOP_CLASS } = require(dist('dicom/index.js'));
const { readPng } = require(path.join(root, 'plugin', 'dist', 'index.js'));

const argv = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : fallback;
};
const opts = {
  modes: arg('--modes', 'inline,child').split(','),
  clients: Number(arg('--clients', '50')),
  size: Number(arg('--size', '128')),
  epochs: Number(arg('--epochs', '30')),
  images: Number(arg('--images', '24')),
  json: arg('--json', null),
};
const CLASSES = ['right lung', 'left lung'];

/** The clients (worker thread): loop over the routes until told to stop; latencies per route. */
function clients() {
  const { parentPort, workerData: w } = require('node:worker_threads');
  const headers = { Authorization: `Bearer ${w.token}` };
  const latencies = { health: [], worklist: [] };
  let errors = 0;
  let stop = false;
  parentPort.on('message', () => {
    stop = true;
  });
  const loop = async (i) => {
    while (!stop) {
      const route = i % 2 === 0 ? 'health' : 'worklist';
      const t = performance.now();
      try {
        const res = await fetch(`${w.url}${route === 'health' ? '/api/health' : '/api/projects/1/worklist'}`, { headers });
        await res.arrayBuffer();
        if (res.status !== 200) errors++;
      } catch {
        errors++;
      }
      latencies[route].push(performance.now() - t);
    }
  };
  Promise.all(Array.from({ length: w.clients }, (_v, i) => loop(i))).then(() => parentPort.postMessage({ latencies, errors }));
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
const summary = (values) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? { n: 0 } : { n: s.length, p50: quantile(s, 0.5), p99: quantile(s, 0.99), max: s[s.length - 1] };
};
const fmt = (x) => (x === undefined ? '–' : `${x.toFixed(1)} ms`);

async function runMode(mode) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scanselect-bench-training-'));
  const phantoms = await writePhantomDataset(path.join(dir, 'phantoms'), opts.images, 7, 64);
  const config = parseServerConfig({
    dataDir: path.join(dir, 'data'), backend: 'wasm',
    sources: { phantoms: { kind: 'folder', path: path.join(dir, 'phantoms', 'dicom') } },
    projects: [{ name: 'bench', source: 'phantoms', classes: CLASSES, projection: 'pca', budget: { coldStart: 8, perRound: 4, total: 16 },
      encoder: { id: 'intensity-texture', inputSize: 64 }, model: { inputSize: opts.size, epochs: opts.epochs } }],
  }, dir);
  const server = await createServer(config, { version: 'bench', jobs: mode, log: () => {} });
  const token = (await server.tokens.create('bench', 'admin')).token;
  const url = await server.listen(0, '127.0.0.1');
  const call = async (method, route, body, type) => {
    const res = await fetch(`${url}${route}`, { method, headers: { Authorization: `Bearer ${token}`, ...(type && { 'Content-Type': type }) }, body });
    return res.status === 204 ? null : res.json();
  };
  const waitJob = async (id) => {
    for (;;) {
      const job = await server.ctx.jobs.get(id);
      if (job.state === 'succeeded' || job.state === 'failed') return job;
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  try {
    await waitJob((await call('POST', '/api/projects/1/sync')).id);
    await waitJob((await call('POST', '/api/projects/1/rounds')).id);
    const bySop = new Map(phantoms.map((p) => [p.sopUid, p]));
    let roundJob = null;
    for (const item of await call('GET', '/api/projects/1/worklist')) {
      const p = bySop.get(item.sopUid);
      const truth = readPng(fs.readFileSync(p.truthFile));
      const seg = writeSegmentation({
        source: { studyUid: p.studyUid, seriesUid: p.seriesUid, sopUid: p.sopUid, sopClassUid: SECONDARY_CAPTURE_SOP_CLASS, patientId: p.patientId, patientName: 'Phantom^Chest', rows: truth.height, columns: truth.width },
        segments: CLASSES.map((label, i) => ({ number: i + 1, label, value: i + 1 })), labelMap: Uint8Array.from(truth.data),
      });
      await call('POST', `/api/projects/1/cases/${item.sopUid}/claim`);
      roundJob = (await call('POST', `/api/projects/1/cases/${item.sopUid}/mask`, seg, 'application/dicom')).queuedRoundJob;
    }
    const training = async () => /^training/.test((await server.ctx.jobs.get(roundJob)).stage ?? '');
    while (!(await training())) await new Promise((r) => setTimeout(r, 20));
    const worker = new Worker(`(${clients.toString()})()`, { eval: true, workerData: { url, token, clients: opts.clients } });
    const result = new Promise((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    const started = performance.now();
    while (await training()) await new Promise((r) => setTimeout(r, 20));
    const seconds = (performance.now() - started) / 1000;
    worker.postMessage('stop');
    const { latencies, errors } = await result;
    await worker.terminate();
    await waitJob(roundJob);
    return { mode, seconds, errors, health: summary(latencies.health), worklist: summary(latencies.worklist) };
  } finally {
    await server.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const cpus = os.cpus();
  console.log(`bench:training — ${cpus.length} × ${cpus[0].model}; load average ${os.loadavg().map((x) => x.toFixed(2)).join(', ')}; node ${process.version}`);
  console.log(`${opts.clients} clients (half /api/health, half the worklist) while a round trains (Attention U-Net ${opts.size}², ${opts.epochs} epochs, 8 masks, wasm)`);
  const results = [];
  for (const mode of opts.modes) {
    const r = await runMode(mode);
    results.push(r);
    console.log(`  jobs ${mode.padEnd(6)}: ${r.seconds.toFixed(1)} s of training; /api/health n=${r.health.n} p50 ${fmt(r.health.p50)} p99 ${fmt(r.health.p99)} max ${fmt(r.health.max)}; `
      + `worklist n=${r.worklist.n} p50 ${fmt(r.worklist.p50)} p99 ${fmt(r.worklist.p99)} max ${fmt(r.worklist.max)}; errors ${r.errors}`);
  }
  if (opts.json) fs.writeFileSync(opts.json, JSON.stringify({ opts, load: os.loadavg(), results }, null, 2));
}

main().catch((error) => {
  console.error(`bench:training: ${error.stack ?? error}`);
  process.exit(1);
});
