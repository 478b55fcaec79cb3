#!/usr/bin/env node
'use strict';
/* global fetch */
/**
 * `npm run bench:server`: the server against a real Orthanc — sync throughput (instances/s) for N
 * synthetic S² instances, the time from the sync start to the first worklist (sync + cold-start
 * round), and the worklist API latency (p50/p90/p99/max) under C concurrent clients. Prints
 * numbers, never asserts.
 *
 *   npm run bench:server -- [--instances 1000] [--size 512] [--clients 50] [--requests 2000]
 *     [--phantoms 20] [--batch 20] [--json FILE]
 *
 * Setup: a real Orthanc (test/harness/orthanc.ts: Debian /usr/sbin/Orthanc + DICOMweb plugin, temp
 * storage, free loopback port) and a ScanSelect server (test/harness/serverHarness.ts, temp data
 * dir) with one project on it: budget 20 / 10 / 100, t-SNE, intensity-texture encoder at 256².
 * Rendering 1000 chest phantoms at 512² would take over a minute (~75 ms each), so `--phantoms`
 * distinct phantoms are rendered and reused round-robin: every instance is its own patient, study
 * and series (UIDs derived from its index), and each reuse has its pixels scaled by a tiny
 * per-copy factor (≤ 2 %) so that no two instances are bit-identical (no exact duplicate
 * embeddings for t-SNE / medoids).
 * The instances are STOWed in batches of `--batch` per request; that time is reported as setup.
 * WADO-RS retrievals ask for `Accept-Encoding: identity` (DicomWebClient does; Orthanc 1.10 gzips
 * its responses when asked, which made a sync of 512² instances about 3× slower here).
 *
 * The sync's own report says where its time went (each stage's milliseconds summed over
 * instances: listing, retrieval, waiting, decode, resize, embed, thumbnail, SQLite) and where it
 * decoded and embedded (worker threads or the main thread); the CPU time this process and Orthanc
 * spent during the sync is printed per instance beside it (on 2 cores, their sum bounds the rate).
 *
 * The worklist clients (after one warm-up request each and a 1-client baseline of up to 200
 * sequential requests) run in a worker thread (global fetch with its default keep-alive agent),
 * so their own overhead does not share the server's event loop; the server, its job runner and the
 * worker are one process, Orthanc another. Peak RSS = getrusage maxRSS of this process (server +
 * clients) and VmHWM of Orthanc. Run it on a quiet machine: other jobs inflate every time.
 */
const fs = require('node:fs');
const os = require('node:os');
const { Worker } = require('node:worker_threads');
const { registerTypeScript, stowPhantoms } = require('./benchSupport');

// The server, plugin and harness load from their TypeScript sources (scripts/benchSupport.js).
registerTypeScript();

const argv = process.argv.slice(2);
function arg(name, fallback) {
  const i = argv.indexOf(name);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : fallback;
}
const opts = {
  instances: Number(arg('--instances', '1000')),
  size: Number(arg('--size', '512')),
  clients: Number(arg('--clients', '50')),
  requests: Number(arg('--requests', '2000')),
  phantoms: Number(arg('--phantoms', '20')),
  batch: Number(arg('--batch', '20')),
  json: arg('--json', null),
};
for (const [k, v] of Object.entries(opts)) {
  if (typeof v === 'number' && !(Number.isInteger(v) && v > 0)) {
    console.error(`bench:server: --${k} must be a positive integer, got ${v}`);
    process.exit(1);
  }
}

const t0 = performance.now();
const { OrthancProcess, orthancAvailable, ORTHANC_BINARY, DICOMWEB_PLUGIN } = require('../test/harness/orthanc.ts');
if (!orthancAvailable()) {
  console.error(`bench:server: Orthanc is not installed (${ORTHANC_BINARY}, ${DICOMWEB_PLUGIN}); apt-get install -y orthanc orthanc-dicomweb`);
  process.exit(1);
}
const { startTestServer } = require('../test/harness/serverHarness.ts');
const loadMs = performance.now() - t0;

const results = {};
const fmt = (x, digits = 1) => (x === null || x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(digits));
function report(key, label, value, unit, digits = 1, note = '') {
  results[key] = value;
  const line = `${label.padEnd(46)} ${fmt(value, digits).padStart(10)} ${unit}${note ? `   (${note})` : ''}`;
  console.log(line);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const seconds = (ms) => ms / 1000;
const quantile = (sorted, q) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]);

/** Polls GET /api/jobs/:id every 50 ms until it succeeded or failed. */
async function waitJob(t, id) {
  for (;;) {
    const { json } = await t.call('GET', `/api/jobs/${id}`, { role: 'service' });
    if (json.state === 'succeeded' || json.state === 'failed') return json;
    await sleep(50);
  }
}
const jobMs = (job) => (job.startedAt && job.finishedAt ? Date.parse(job.finishedAt) - Date.parse(job.startedAt) : NaN);

/** The load clients (worker thread): C loops sharing a counter until R requests are done. */
function clientLoop() {
  const { parentPort, workerData: w } = require('node:worker_threads');
  const headers = { Authorization: `Bearer ${w.token}` };
  const get = async () => {
    const res = await fetch(w.url, { headers });
    const body = await res.arrayBuffer();
    return { ok: res.status === 200, bytes: body.byteLength };
  };
  (async () => {
    await Promise.all(Array.from({ length: w.clients }, get)); // warm-up: one per client, not counted
    const single = []; // baseline: one client, one request at a time
    for (let i = 0; i < w.single; i++) {
      const t = performance.now();
      await get();
      single.push(performance.now() - t);
    }
    let issued = 0, errors = 0, bytes = 0;
    const latencies = [];
    const started = performance.now();
    await Promise.all(Array.from({ length: w.clients }, async () => {
      while (issued < w.requests) {
        issued++;
        const t = performance.now();
        try {
          const r = await get();
          if (!r.ok) errors++;
          bytes = r.bytes;
        } catch {
          errors++;
        }
        latencies.push(performance.now() - t);
      }
    }));
    parentPort.postMessage({ single, latencies, errors, bytes, wallMs: performance.now() - started });
  })().catch((e) => parentPort.postMessage({ error: String((e && e.stack) || e) }));
}

let orthanc = null;
let server = null;
async function cleanup() {
  const s = server, o = orthanc;
  server = orthanc = null;
  await s?.dispose().catch((e) => console.error(`bench:server: server cleanup: ${e.message}`));
  await o?.dispose().catch((e) => console.error(`bench:server: Orthanc cleanup: ${e.message}`));
}
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => void cleanup().finally(() => process.exit(130)));

async function main() {
  const cpus = os.cpus();
  const N = opts.instances, S = opts.size;
  orthanc = await OrthancProcess.start();
  server = await startTestServer({
    sources: { pacs: { kind: 'dicomweb', url: orthanc.dicomWebUrl } },
    projects: [{
      name: 'bench', source: 'pacs', classes: ['right lung', 'left lung'], projection: 'tsne',
      budget: { coldStart: 20, perRound: 10, total: 100 }, encoder: { id: 'intensity-texture', inputSize: 256 },
    }],
  });
  const info = (await server.call('GET', '/api/info')).json;
  const orthancVersion = (await (await fetch(`${orthanc.url}/system`)).json()).Version;

  console.log(`bench:server — ${new Date().toISOString()}`);
  console.log(`cpu: ${cpus.length} × ${cpus[0].model}; ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; load average ${os.loadavg().map((x) => x.toFixed(2)).join(', ')}`);
  console.log(`node ${process.version}; Orthanc ${orthancVersion}; tfjs backend: ${info.compute.backend} (${info.compute.device})`);
  console.log(`data: ${N} instances, ${S}×${S} 16-bit (12 stored) MONOCHROME2 Secondary Capture, each its own patient/study/series;`);
  console.log(`      pixels from ${Math.min(opts.phantoms, N)} distinct chest phantoms reused round-robin (per-copy intensity scale ≤ 2 %)`);
  console.log(`project: t-SNE, intensity-texture encoder 256², budget coldStart 20 / perRound 10 / total 100`);
  console.log('source: DICOMweb (WADO-RS with Accept-Encoding: identity)');
  console.log(`worklist load: ${opts.clients} concurrent clients, ${opts.requests} requests, global fetch (default keep-alive agent) in a worker thread`);
  console.log(`(TypeScript sources transpiled on load in ${fmt(seconds(loadMs), 1)} s)`);
  console.log('');

  // 1. Setup: phantoms → DICOM → STOW-RS.
  const { renderMs, encodeMs, stowMs, stowBytes, stowFailed, phantomCount } = await stowPhantoms({
    dicomWebUrl: orthanc.dicomWebUrl, instances: N, size: S, phantoms: opts.phantoms, batch: opts.batch, prefix: 'scanselect-bench-server',
  });
  report('phantomRenderS', `setup: render ${phantomCount} phantoms`, seconds(renderMs), 's', 2);
  report('dicomEncodeS', 'setup: write DICOM (Part 10)', seconds(encodeMs), 's', 2);
  report('stowS', `setup: STOW-RS ${N} instances (${opts.batch}/request)`, seconds(stowMs), 's', 2, `${fmt(stowBytes / 2 ** 20, 0)} MiB, ${stowFailed} failed`);
  report('stowInstancesPerS', 'setup: STOW-RS throughput', N / seconds(stowMs), 'instances/s');
  report('stowMiBPerS', 'setup: STOW-RS throughput', stowBytes / 2 ** 20 / seconds(stowMs), 'MiB/s');
  console.log('');

  // 2. Sync.
  const orthancCpuMs = () => {
    // utime + stime of the Orthanc process, in clock ticks of 10 ms (USER_HZ 100 on Linux).
    const fields = fs.readFileSync(`/proc/${orthanc.child.pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  };
  const cpuBefore = process.cpuUsage(), orthancBefore = orthancCpuMs();
  const syncStart = performance.now();
  const queued = await server.call('POST', '/api/projects/1/sync', { role: 'service' });
  if (queued.status !== 202) throw new Error(`POST sync answered ${queued.status}: ${queued.bytes.toString('utf8')}`);
  const sync = await waitJob(server, queued.json.id);
  const syncMs = performance.now() - syncStart;
  if (sync.state !== 'succeeded') console.log(`sync job failed: ${sync.error}`);
  const counts = sync.result ?? {};
  results.syncResult = counts;
  report('syncS', 'sync: wall time (POST → job succeeded)', seconds(syncMs), 's', 2, `job's own time ${fmt(seconds(jobMs(sync)), 2)} s`);
  report('syncInstancesPerS', 'sync: throughput (embedded / wall time)', (counts.embedded ?? 0) / seconds(syncMs), 'instances/s', 2);
  report('syncMsPerInstance', 'sync: per instance', syncMs / Math.max(1, counts.embedded ?? 0), 'ms', 1);
  console.log(`sync: job result ${['listed', 'fresh', 'embedded', 'failed', 'skipped'].map((k) => `${k} ${counts[k]}`).join(', ')}`);
  const cpu = process.cpuUsage(cpuBefore), perInstance = (ms) => ms / Math.max(1, counts.fresh ?? 0);
  results.syncCpuMsPerInstance = { server: perInstance((cpu.user + cpu.system) / 1000), orthanc: perInstance(orthancCpuMs() - orthancBefore) };
  console.log(`sync: CPU per instance: this process (server, its sync worker threads) ${fmt(results.syncCpuMsPerInstance.server)} ms, Orthanc ${fmt(results.syncCpuMsPerInstance.orthanc)} ms`);
  if (counts.threads) console.log(`sync: decoded in ${counts.threads.workers} worker threads, embedded in ${counts.threads.embeddedIn}${counts.threads.note ? ` (${counts.threads.note})` : ''}`);
  // Each stage summed over instances: stages of different instances overlap, so they add up to more than the wall time.
  if (counts.stageMs) console.log(`sync: stage ms per instance: ${Object.entries(counts.stageMs).map(([k, v]) => `${k} ${fmt(perInstance(v))}`).join(', ')}`);
  console.log('');

  // 3. Cold-start round → first worklist.
  const roundStart = performance.now();
  const roundQueued = await server.call('POST', '/api/projects/1/rounds', { role: 'service' });
  if (roundQueued.status !== 202) throw new Error(`POST rounds answered ${roundQueued.status}: ${roundQueued.bytes.toString('utf8')}`);
  const round = await waitJob(server, roundQueued.json.id);
  if (round.state !== 'succeeded') console.log(`round job failed: ${round.error}`);
  const worklist = await server.call('GET', '/api/projects/1/worklist', { role: 'annotator' });
  const worklistAt = performance.now();
  results.roundResult = round.result;
  report('roundS', 'round 0 (cold start): wall time', seconds(worklistAt - roundStart), 's', 2, `job's own time ${fmt(seconds(jobMs(round)), 2)} s`);
  report('syncStartToWorklistS', 'sync start → first worklist', seconds(worklistAt - syncStart), 's', 2, `${Array.isArray(worklist.json) ? worklist.json.length : '?'} cases`);
  console.log('');

  // 4. Worklist latency under load.
  const load = await new Promise((resolve, reject) => {
    const worker = new Worker(`(${clientLoop.toString()})()`, {
      eval: true, workerData: { url: `${server.url}/api/projects/1/worklist`, token: server.token.annotator, clients: opts.clients, requests: opts.requests, single: Math.min(200, opts.requests) },
    });
    worker.once('message', (m) => (m.error ? reject(new Error(m.error)) : resolve(m)));
    worker.once('error', reject);
  });
  const single = Float64Array.from(load.single).sort();
  report('worklistSingleP50Ms', `worklist GET: p50, 1 client (${single.length} sequential)`, quantile(single, 0.5), 'ms', 2, `p99 ${fmt(quantile(single, 0.99), 2)} ms`);
  const sorted = Float64Array.from(load.latencies).sort();
  report('worklistP50Ms', `worklist GET: p50 (${opts.clients} clients)`, quantile(sorted, 0.5), 'ms', 2);
  report('worklistP90Ms', 'worklist GET: p90', quantile(sorted, 0.9), 'ms', 2);
  report('worklistP99Ms', 'worklist GET: p99', quantile(sorted, 0.99), 'ms', 2);
  report('worklistMaxMs', 'worklist GET: max', sorted[sorted.length - 1], 'ms', 2);
  report('worklistRequestsPerS', 'worklist GET: throughput', sorted.length / seconds(load.wallMs), 'requests/s', 0,
    `${sorted.length} requests, ${load.errors} non-200, ${load.bytes} B per response`);
  console.log('');

  // 5. Memory.
  report('peakRssMiB', 'peak RSS, this process (server + clients)', process.resourceUsage().maxRSS / 1024, 'MiB', 0);
  const orthancPid = orthanc.child?.pid;
  const hwm = orthancPid ? /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${orthancPid}/status`, 'utf8'))?.[1] : undefined;
  report('orthancPeakRssMiB', 'peak RSS, Orthanc', hwm ? Number(hwm) / 1024 : NaN, 'MiB', 0);

  if (opts.json) {
    const doc = { date: new Date().toISOString(), cpu: cpus[0].model, cpus: cpus.length, node: process.version, backend: info.compute.backend, options: opts, results };
    fs.writeFileSync(opts.json, `${JSON.stringify(doc, null, 2)}\n`);
    console.log(`\nwrote ${opts.json}`);
  }
}

main()
  .catch((error) => {
    console.error(`bench:server failed: ${error.stack ?? error}`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await cleanup();
    process.exit(); // the tfjs backends and kernel pools may keep handles open
  });
