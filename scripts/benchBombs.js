#!/usr/bin/env node
'use strict';
/* global fetch */
/**
 * `node scripts/benchBombs.js` (after `npm run build`): how fast the service answers `/api/health`
 * while it refuses decompression bombs and decodes large legal masks (issue 11, item 2: "< 100 ms
 * while it refuses one"). Prints numbers, never asserts.
 *
 *   node scripts/benchBombs.js [--bomb-rounds 100] [--rounds 10] [--size 512] [--large 4096x3328] [--interval 5]
 *
 * Setup: the compiled server (server/dist: the production code path, compiled mask decode worker)
 * in this process, on a temporary folder source of 6 chest phantoms of size² plus one large
 * 16-bit instance (default 4096 × 3328, a mammogram's size), synced and cold-started; every case
 * claimed by one annotator. Then, one upload at a time, `--bomb-rounds` times the three bombs — a
 * PNG declaring 12000 × 12000 whose data (140 kB) inflates to 144 MB, an interlaced PNG of the
 * case's size whose data inflates to 144 MB, a deflated SEG that inflates to 300 MB — and then
 * `--rounds` times a legal all-background label-map PNG of the large case (decoded, validated,
 * encoded and stored: 201).
 *
 * A prober in a worker thread (its own event loop, so its timing does not wait for the server's)
 * requests `/api/health` one at a time, `--interval` ms apart, before the uploads (baseline) and
 * while they run. Latency = request sent → body read. Peak RSS = getrusage maxRSS of this process
 * (server, decode workers, prober), before and after the uploads. Bombs are built 1 MB at a time
 * (test/harness/maskBombs.ts, transpiled on load) so building them does not raise the peak.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const Module = require('node:module');
const zlib = require('node:zlib');
const { Worker } = require('node:worker_threads');
const ts = require('typescript');

const root = path.join(__dirname, '..');
const argv = process.argv.slice(2);
const arg = (name, fallback) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : fallback);
const opts = {
  bombRounds: Number(arg('--bomb-rounds', '100')),
  rounds: Number(arg('--rounds', '10')),
  size: Number(arg('--size', '512')),
  large: arg('--large', '4096x3328').split('x').map(Number),
  interval: Number(arg('--interval', '5')),
};

const dist = (file) => path.join(root, 'server', 'dist', file);
if (!fs.existsSync(dist('masks/maskDecodeWorker.js'))) {
  console.error('bench:bombs: the server is not built; run `npm run build` (or `npx tsc -b`) first');
  process.exit(1);
}
const { createServer } = require(dist('server.js'));
const { parseServerConfig } = require(dist('config/serverConfig.js'));
const { writePhantomDataset } = require(dist('demo/phantomDataset.js'));
const { writeSecondaryCapture, writeSegmentation } = require(dist('dicom/index.js'));
const { readPng } = require('@scanselect/plugin');

/** One TypeScript file without TypeScript imports, compiled on load. */
function loadTs(file) {
  const filename = path.join(root, file);
  const compiled = new Module(filename, module);
  compiled.filename = filename;
  compiled.paths = Module._nodeModulePaths(path.dirname(filename));
  const options = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true };
  compiled._compile(ts.transpileModule(fs.readFileSync(filename, 'utf8'), { compilerOptions: options, fileName: filename }).outputText, filename);
  return compiled.exports;
}
const { deflatedPart10, deflatedZeros, greyPngWith } = loadTs('test/harness/maskBombs.ts');

/** The prober (worker thread): /api/health one request at a time until told to stop; one phase per message. */
function prober() {
  const { parentPort, workerData } = require('node:worker_threads');
  let phase = null;
  const latencies = {};
  parentPort.on('message', (m) => {
    if (m === 'stop') parentPort.postMessage(latencies);
    else (latencies[(phase = m)] = []);
  });
  (async () => {
    for (;;) {
      if (phase !== null) {
        const t = performance.now();
        const response = await fetch(`${workerData.url}/api/health`);
        await response.arrayBuffer();
        latencies[phase].push(response.status === 200 ? performance.now() - t : Infinity);
      }
      await new Promise((resolve) => setTimeout(resolve, workerData.interval));
    }
  })();
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
function summary(values) {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? 'no samples' : `n ${s.length}, p50 ${quantile(s, 0.5).toFixed(1)} ms, p99 ${quantile(s, 0.99).toFixed(1)} ms, max ${s[s.length - 1].toFixed(1)} ms`;
}
const peakMb = () => process.resourceUsage().maxRSS / 1024;

async function main() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scanselect-bombs-'));
  const [largeW, largeH] = opts.large;
  const phantoms = await writePhantomDataset(path.join(dir, 'phantoms'), 6, 5, opts.size);
  const largeUid = '1.2.826.0.1.3680043.10.1341.41.1.1.1';
  const largePixels = Uint16Array.from({ length: largeW * largeH }, (_, i) => ((i % largeW) + Math.floor(i / largeW)) & 4095); // 12-bit ramps
  fs.writeFileSync(path.join(dir, 'phantoms', 'dicom', 'large.dcm'), writeSecondaryCapture({
    studyUid: '1.2.826.0.1.3680043.10.1341.41.1', seriesUid: '1.2.826.0.1.3680043.10.1341.41.1.1', sopUid: largeUid, patientId: 'LARGE', patientName: 'Large^Case',
    modality: 'MG', bodyPart: 'BREAST', studyDate: '20260101', studyDescription: 'large', rows: largeH, columns: largeW, pixels: largePixels,
  }));
  const config = parseServerConfig({
    dataDir: path.join(dir, 'data'),
    sources: { phantoms: { kind: 'folder', path: path.join(dir, 'phantoms', 'dicom') } },
    projects: [{ name: 'bombs', source: 'phantoms', classes: ['right lung', 'left lung'], projection: 'pca', budget: { coldStart: 7, perRound: 1, total: 7 }, encoder: { id: 'intensity-texture', inputSize: 64 } }],
  }, dir);
  const server = await createServer(config, { version: 'bench', log: () => {} });
  const url = await server.listen(0, '127.0.0.1');
  const token = (await server.tokens.create('bench annotator', 'annotator')).token;
  const admin = (await server.tokens.create('bench admin', 'admin')).token;
  const call = async (method, route, body, type, bearer = token) => {
    const response = await fetch(`${url}${route}`, { method, headers: { Authorization: `Bearer ${bearer}`, ...(type && { 'Content-Type': type }) }, ...(body && { body }) });
    const text = await response.text();
    return { status: response.status, json: text.startsWith('{') ? JSON.parse(text) : null };
  };
  await call('POST', '/api/projects/1/sync', null, null, admin);
  await server.ctx.queue.idle();
  await call('POST', '/api/projects/1/rounds', null, null, admin);
  await server.ctx.queue.idle();
  for (const sop of [largeUid, ...phantoms.map((p) => p.sopUid)]) await call('POST', `/api/projects/1/cases/${sop}/claim`);

  const phantom = phantoms[0];
  const truth = readPng(fs.readFileSync(phantom.truthFile));
  const seg = writeSegmentation({
    source: { studyUid: phantom.studyUid, seriesUid: phantom.seriesUid, sopUid: phantom.sopUid, sopClassUid: '1.2.840.10008.5.1.4.1.1.7', patientId: phantom.patientId, patientName: 'Phantom^Chest', rows: truth.height, columns: truth.width },
    segments: [{ number: 1, label: 'right lung', value: 1 }, { number: 2, label: 'left lung', value: 2 }],
    labelMap: Uint8Array.from(truth.data),
  });
  const uploads = [
    { name: 'PNG declaring 12000 × 12000 (144 MB)', sop: phantom.sopUid, type: 'image/png', body: greyPngWith(12000, 12000, await deflatedZeros(12000 * 12001)) },
    { name: `interlaced ${opts.size}² PNG inflating to 144 MB`, sop: phantom.sopUid, type: 'image/png', body: greyPngWith(opts.size, opts.size, await deflatedZeros(144e6), true) },
    { name: 'deflated SEG inflating to 300 MB', sop: phantom.sopUid, type: 'application/dicom', body: await deflatedPart10(seg, 300e6) },
    { name: `legal ${largeW} × ${largeH} label-map PNG`, sop: largeUid, type: 'image/png', body: greyPngWith(largeW, largeH, zlib.deflateSync(Buffer.alloc(largeH * (largeW + 1)))) },
  ];
  await call('POST', `/api/projects/1/cases/${phantom.sopUid}/mask`, Buffer.from('warm-up'), 'image/png'); // starts a decode worker

  const worker = new Worker(`(${prober})()`, { eval: true, workerData: { url, interval: opts.interval } });
  const peaks = { before: peakMb() };
  worker.postMessage('idle');
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const perUpload = new Map(uploads.map((u) => [u.name, { times: [], answers: new Set() }]));
  const phases = { bombs: { list: uploads.slice(0, 3), rounds: opts.bombRounds }, 'large legal masks': { list: uploads.slice(3), rounds: opts.rounds } };
  const phaseSeconds = {};
  for (const [phase, { list, rounds }] of Object.entries(phases)) {
    worker.postMessage(phase);
    const started = performance.now();
    for (let round = 0; round < rounds; round++) {
      for (const u of list) {
        const t = performance.now();
        const r = await call('POST', `/api/projects/1/cases/${u.sop}/mask`, u.body, u.type);
        perUpload.get(u.name).times.push(performance.now() - t);
        perUpload.get(u.name).answers.add(`${r.status} ${r.json?.code ?? r.json?.status ?? ''}`.trim());
      }
    }
    phaseSeconds[phase] = (performance.now() - started) / 1000;
    peaks[phase] = peakMb();
  }
  worker.postMessage('stop');
  const latencies = await new Promise((resolve) => worker.once('message', resolve));
  await worker.terminate();

  const cpus = os.cpus();
  console.log(`bench:bombs — ${new Date().toISOString()}`);
  console.log(`cpu: ${cpus.length} × ${cpus[0].model}; load average ${os.loadavg().map((x) => x.toFixed(2)).join(', ')}; node ${process.version}`);
  console.log(`uploads one at a time: ${opts.bombRounds} rounds of the bombs, ${opts.rounds} of the legal mask; /api/health probed every ${opts.interval} ms from a worker thread`);
  for (const u of uploads) {
    const { times, answers } = perUpload.get(u.name);
    console.log(`  ${u.name} (${(u.body.length / 1024).toFixed(0)} kB): answered ${[...answers].join(' / ')}; ${summary(times)}`);
  }
  console.log(`/api/health, idle: ${summary(latencies.idle)}`);
  for (const phase of Object.keys(phases)) console.log(`/api/health, during the ${phase} (${phaseSeconds[phase].toFixed(1)} s): ${summary(latencies[phase])}`);
  console.log(`peak RSS (MiB): ${peaks.before.toFixed(0)} before the uploads (synced, decode worker started); ${peaks.bombs.toFixed(0)} after the bombs; ${peaks['large legal masks'].toFixed(0)} after the large legal masks`);
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
