'use strict';
/* global fetch */
/**
 * What the server benchmarks share (scripts/benchServer.js, scripts/benchCluster.js): loading the
 * TypeScript sources and test harness without a build, options, quantiles, synthetic instances
 * STOWed into a PACS, and HTTP load clients in a worker thread. Benchmarks print numbers, never
 * assert.
 */
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const { Worker } = require('node:worker_threads');

const root = path.join(__dirname, '..');

let registered = false;
/**
 * The server, plugin and test harness are TypeScript sources (the harness exists only as TS), so
 * instead of a build step `.ts` files are transpiled on load (transpile only, no type checking —
 * like ts-jest in jest.config.js), and `@scanselect/plugin` is mapped to plugin/src/index.ts (its
 * package.json points at dist/, which may be stale or missing) — the jest moduleNameMapper, here.
 */
function registerTypeScript() {
  if (registered) return;
  registered = true;
  const ts = require('typescript');
  require.extensions['.ts'] = (module, filename) => module._compile(ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true }, fileName: filename,
  }).outputText, filename);
  const resolveFilename = Module._resolveFilename;
  Module._resolveFilename = function (request, ...rest) {
    return resolveFilename.call(this, request === '@scanselect/plugin' ? path.join(root, 'plugin', 'src', 'index.ts') : request, ...rest);
  };
}

/** The sources under `src` (not tests) whose compiled `.js` under `dist` is missing or older: the build is stale. */
function staleBuild(src, dist) {
  return fs.readdirSync(src, { recursive: true }).filter((f) => /\.ts$/.test(f) && !/\.(test|d)\.ts$/.test(f)).filter((f) => {
    const out = path.join(dist, f.replace(/\.ts$/, '.js'));
    return !fs.existsSync(out) || fs.statSync(out).mtimeMs < fs.statSync(path.join(src, f)).mtimeMs;
  });
}

/** `--name value` of `argv`, else `fallback`. */
function argOf(argv, name, fallback) {
  const i = argv.indexOf(name);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : fallback;
}

/** Exits with a message when a numeric option is not a positive integer. */
function requirePositiveIntegers(bench, opts) {
  for (const [k, v] of Object.entries(opts)) {
    if (typeof v === 'number' && !(Number.isInteger(v) && v > 0)) {
      console.error(`${bench}: --${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} must be a positive integer, got ${v}`);
      process.exit(1);
    }
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const fmt = (x, digits = 1) => (x === null || x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(digits));
/** The q-quantile of ascending `sorted` (nearest rank). */
const quantile = (sorted, q) => (sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]);
/** n, p50, p90, p99 and max of latencies in ms. */
function summarize(values) {
  const s = Float64Array.from(values).sort();
  return { n: s.length, p50: quantile(s, 0.5), p90: quantile(s, 0.9), p99: quantile(s, 0.99), max: s.length ? s[s.length - 1] : NaN };
}

/** Process ids whose parent is `ppid` (from /proc), only those whose command line contains `cmdline` if given. */
function childPidsOf(ppid, cmdline = null) {
  const pids = [];
  for (const entry of fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      if (Number(fs.readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ')[1]) !== ppid) continue;
      if (cmdline === null || fs.readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(cmdline)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/** A JSON client of one server: `call(method, route, { token, json, body, type })` → the parsed body; throws on a 4xx/5xx. */
function apiOf(url, defaultToken) {
  return async (method, route, { token = defaultToken, json, body, type } = {}) => {
    const headers = { Authorization: `Bearer ${token}`, ...(json !== undefined && { 'Content-Type': 'application/json' }), ...(type && { 'Content-Type': type }) };
    const response = await fetch(`${url}${route}`, { method, headers, body: json !== undefined ? JSON.stringify(json) : body });
    const text = await response.text();
    if (response.status >= 400) throw new Error(`${method} ${route} answered ${response.status}: ${text.slice(0, 500)}`);
    try {
      return text ? JSON.parse(text) : null;
    } catch {
      return text;
    }
  };
}

/**
 * Polls GET /api/jobs/:id through `call` every `everyMs` until `until(job)` (default: it ended);
 * throws when the job failed first, after `timeoutMs`, or when `check()` throws (a process died).
 * `context()` adds to the error (the processes' output).
 */
async function waitJob(call, id, { until = (j) => j.state === 'succeeded' || j.state === 'failed', everyMs = 100, timeoutMs = 30 * 60_000, check = () => {}, context = () => '' } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    check();
    const job = await call('GET', `/api/jobs/${id}`);
    if (until(job)) return job;
    if (job.state === 'failed') throw new Error(`job ${id} (${job.kind}) failed: ${job.error} ${job.errorDetail ?? ''}\n${context()}`);
    if (Date.now() > deadline) throw new Error(`job ${id} did not get there within ${timeoutMs / 60_000} min\n${context()}`);
    await sleep(everyMs);
  }
}

/** utime + stime of a process (with its threads) in ms, from /proc (clock ticks of 10 ms, USER_HZ 100); NaN when it is gone. */
function cpuMsOf(pid, withReapedChildren = false) {
  try {
    const f = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(f[11]) + Number(f[12]) + (withReapedChildren ? Number(f[13]) + Number(f[14]) : 0)) * 10;
  } catch {
    return NaN;
  }
}

/**
 * Renders `phantoms` distinct chest phantoms at `size`², writes `instances` Secondary Capture
 * instances from them round-robin (each its own patient, study and series, UIDs derived from
 * `prefix` and its index; each reuse's pixels scaled by a per-copy factor ≤ 2 % so that no two are
 * bit-identical), of `modality` [DX], and STOWs them `batch` per request. Returns the timings and, per instance, its
 * UIDs and the index of its phantom (whose `masks` entry is its ground truth).
 */
async function stowPhantoms({ dicomWebUrl, instances, size, phantoms, batch, prefix, modality = 'DX' }) {
  registerTypeScript();
  const { writeSecondaryCapture } = require('../server/src/dicom/secondaryCapture.ts');
  const { derivedUid } = require('../server/src/demo/phantomDataset.ts');
  const { DicomWebClient } = require('../server/src/pacs/dicomWebClient.ts');
  const { chestPhantom } = require('../plugin/src/synthetic/chestPhantom.ts');
  let t = performance.now();
  const rendered = Array.from({ length: Math.min(phantoms, instances) }, (_, i) => chestPhantom({ seed: 1000 + i, size }));
  const renderMs = performance.now() - t;
  const client = new DicomWebClient({ baseUrl: dicomWebUrl, timeoutMs: 120_000 });
  const items = [];
  let encodeMs = 0, stowMs = 0, stowBytes = 0, stowFailed = 0;
  const pixels = new Uint16Array(size * size);
  for (let start = 0; start < instances; start += batch) {
    t = performance.now();
    const parts = [];
    for (let i = start; i < Math.min(instances, start + batch); i++) {
      const phantom = i % rendered.length;
      const base = rendered[phantom].pixels;
      const factor = 1 - 0.02 * ((Math.floor(i / rendered.length) % 50) / 50);
      for (let p = 0; p < base.length; p++) pixels[p] = Math.round(base[p] * factor);
      const name = `${prefix}/${size}/${i}`;
      const item = {
        studyUid: derivedUid(`${name}/study`), seriesUid: derivedUid(`${name}/series`), sopUid: derivedUid(`${name}/instance`),
        patientId: `BENCH-${String(i).padStart(5, '0')}`, phantom,
      };
      items.push(item);
      parts.push(writeSecondaryCapture({
        ...item, patientName: 'Phantom^Chest', modality, bodyPart: 'CHEST', studyDate: '20260101',
        studyDescription: 'Chest PA (synthetic phantom)', rows: size, columns: size, pixels, bitsStored: 12,
      }));
    }
    encodeMs += performance.now() - t;
    t = performance.now();
    const r = await client.store(parts);
    stowMs += performance.now() - t;
    stowFailed += r.failed.length;
    stowBytes += parts.reduce((s, b) => s + b.length, 0);
  }
  return { size, renderMs, encodeMs, stowMs, stowBytes, stowFailed, items, masks: rendered.map((p) => p.mask), phantomCount: rendered.length };
}

/** The DICOM SEG of the ground truth (its phantom's lung mask) of `item`, one of `stowed.items`; `classes` in label order. */
function phantomSeg(stowed, item, classes) {
  registerTypeScript();
  const { writeSegmentation } = require('../server/src/dicom/writeSegmentation.ts');
  const { SECONDARY_CAPTURE_SOP_CLASS } = require('../server/src/dicom/secondaryCapture.ts');
  return writeSegmentation({
    source: { ...item, sopClassUid: SECONDARY_CAPTURE_SOP_CLASS, patientName: 'Phantom^Chest', rows: stowed.size, columns: stowed.size },
    segments: classes.map((label, i) => ({ number: i + 1, label, value: i + 1 })), labelMap: stowed.masks[item.phantom],
  });
}

/** The load clients (worker thread): C loops, client i on route i mod routes, until R requests or told to stop. */
function loadClients() {
  const { parentPort, workerData: w } = require('node:worker_threads');
  const headers = w.token ? { Authorization: `Bearer ${w.token}` } : {};
  const latencies = Object.fromEntries(w.routes.map((r) => [r.name, []]));
  const errors = Object.fromEntries(w.routes.map((r) => [r.name, 0]));
  let stop = false, issued = 0;
  parentPort.on('message', () => {
    stop = true;
  });
  const get = async (url) => {
    const res = await fetch(url, { headers });
    await res.arrayBuffer();
    return res.status === 200;
  };
  (async () => {
    await Promise.all(Array.from({ length: w.clients }, (_, i) => get(w.routes[i % w.routes.length].url).catch(() => false))); // warm-up, not counted
    parentPort.postMessage({ ready: true });
    const started = performance.now();
    await Promise.all(Array.from({ length: w.clients }, async (_, i) => {
      const route = w.routes[i % w.routes.length];
      while (!stop && issued < w.requests) {
        issued++;
        const t = performance.now();
        let ok = false;
        try {
          ok = await get(route.url);
        } catch {
          ok = false;
        }
        latencies[route.name].push(performance.now() - t);
        if (!ok) errors[route.name]++;
      }
    }));
    parentPort.postMessage({ latencies, errors, wallMs: performance.now() - started });
  })().catch((e) => parentPort.postMessage({ error: String((e && e.stack) || e) }));
}

/**
 * Starts `clients` concurrent HTTP clients in a worker thread (global fetch, default keep-alive
 * agent; their own event loop), each looping on one of `routes` ({ name, url }) after one warm-up
 * request each, until `requests` requests are done or `stop()` is called. `ready` resolves when
 * the warm-up is done; `stop()` and `done` resolve to { perRoute: { name: summary + errors }, wallMs }.
 */
function startLoadClients({ routes, token, clients, requests }) {
  const worker = new Worker(`(${loadClients.toString()})()`, { eval: true, workerData: { routes, token, clients, requests } });
  let markReady;
  const ready = new Promise((resolve) => (markReady = resolve));
  const done = new Promise((resolve, reject) => {
    worker.on('message', (m) => {
      if (m.ready) return markReady();
      if (m.error) return reject(new Error(m.error));
      const perRoute = Object.fromEntries(routes.map((r) => [r.name, { ...summarize(m.latencies[r.name]), errors: m.errors[r.name], perS: m.latencies[r.name].length / (m.wallMs / 1000) }]));
      resolve({ perRoute, wallMs: m.wallMs });
    });
    worker.once('error', reject);
  }).finally(() => worker.terminate());
  done.catch(() => markReady());
  return { ready, done, stop: () => (worker.postMessage('stop'), done) };
}

module.exports = { root, registerTypeScript, staleBuild, argOf, requirePositiveIntegers, sleep, fmt, quantile, summarize, childPidsOf, apiOf, waitJob, cpuMsOf, stowPhantoms, phantomSeg, startLoadClients };
