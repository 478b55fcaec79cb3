#!/usr/bin/env node
'use strict';
/* global fetch */
/**
 * `npm run bench:cluster`: the service as it is deployed — `scanselect serve` and `scanselect
 * worker` processes of the built CLI — against a real Orthanc, on SQLite and on PostgreSQL
 * (issue 12). Prints numbers, never asserts.
 *
 *   npm run bench:cluster -- [--instances 300] [--size 512] [--clients 50] [--requests 60000]
 *     [--labels 8] [--model-size 128] [--epochs 20] [--databases sqlite,postgres] [--json FILE]
 *
 * Defaults take about 6–10 min on a 2-core VM. Setup: a real Orthanc (test/harness/orthanc.ts),
 * `--instances` synthetic `--size`² instances STOWed into it (scripts/benchSupport.js: 20 chest
 * phantoms reused round-robin, each instance its own patient/study/series), and a real PostgreSQL
 * (test/harness/postgres.ts; skipped with the reason printed when it is not installed). Every
 * configuration below gets a fresh data directory and, on PostgreSQL, a fresh database; the
 * processes are test/harness/cliProcess.ts (built CLI: `npm run build` first). PACS publishing
 * (KO, SEG) is off: what is measured is the sync, the API and the training, not the outbox.
 *
 * 1. Sync throughput, 1 and 2 workers (`serve --jobs external` + N × `scanselect worker`, one
 *    polling every 0.5 s): one sync job is one job and runs on one worker, so two workers can only
 *    help when two syncs are queued. Two projects over the same source (intensity-texture 256²;
 *    each embeds all N instances, 2N in total) are synced at once: with 1 worker one after the
 *    other, with 2 side by side. instances/s = 2N / (last job's finish − first job's start, the
 *    jobs' own times); the wall time from the POSTs to the last job seen ended is printed beside
 *    it, and each job's own rate and worker. First, each worker syncs a warm-up project of 4 CR
 *    instances (which worker took which is printed): a worker process's first sync starts its sync
 *    worker threads, which load the engine — paid once per process, not per sync. CPU ms per
 *    measured instance of the workers (their sync worker threads included), the API process,
 *    Orthanc and PostgreSQL (postmaster + backends).
 * 2. API latency while a round trains: one project (cold start `--labels`, Attention U-Net
 *    `--model-size`² for `--epochs` epochs) is synced and gets its cold start; then `--clients`
 *    concurrent clients (half on GET /api/health, half on the project's worklist, global fetch in a
 *    worker thread of this process) make an idle baseline of `--requests` requests; then the
 *    worklist is labelled through the API (phantom ground truth as DICOM SEG), which queues the
 *    round; once the job reports a training stage (after epoch 1) the clients run again until the
 *    training stage ends or `--requests` requests are done. SQLite: `serve --jobs child` (the
 *    embedded default: one worker process the server starts); PostgreSQL: `serve --jobs external`
 *    + 1 worker. This process polls the job through the API every 100 ms meanwhile.
 *
 * Worker processes run with a preload that holds their event loop (see workerEnv below: an idle
 * `scanselect worker` on SQLite exits by itself).
 *
 * Every process it starts (serve, workers, Orthanc, PostgreSQL) is stopped at the end, on error,
 * on SIGINT/SIGTERM and, killed, at exit. Run it on a quiet machine: other jobs inflate every time.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { root, registerTypeScript, staleBuild, argOf, requirePositiveIntegers, sleep, fmt, childPidsOf, apiOf, waitJob: waitJobOf, cpuMsOf, stowPhantoms, phantomSeg, startLoadClients } = require('./benchSupport');

const argv = process.argv.slice(2);
const opts = {
  instances: Number(argOf(argv, '--instances', '300')),
  size: Number(argOf(argv, '--size', '512')),
  clients: Number(argOf(argv, '--clients', '50')),
  requests: Number(argOf(argv, '--requests', '60000')),
  labels: Number(argOf(argv, '--labels', '8')),
  modelSize: Number(argOf(argv, '--model-size', '128')),
  epochs: Number(argOf(argv, '--epochs', '20')),
  databases: argOf(argv, '--databases', 'sqlite,postgres').split(',').map((d) => d.trim()),
  json: argOf(argv, '--json', null),
};
requirePositiveIntegers('bench:cluster', opts);
if (opts.databases.some((d) => d !== 'sqlite' && d !== 'postgres')) {
  console.error('bench:cluster: --databases takes sqlite, postgres or both (comma-separated)');
  process.exit(1);
}
const cliMain = path.join(root, 'server', 'dist', 'cli', 'main.js');
if (!fs.existsSync(cliMain)) {
  console.error('bench:cluster: the CLI is not built (server/dist is missing): npm run build');
  process.exit(1);
}

registerTypeScript();
const { OrthancProcess, orthancAvailable } = require('../test/harness/orthanc.ts');
const { PostgresProcess, postgresUnavailable } = require('../test/harness/postgres.ts');
const { CliProcess } = require('../test/harness/cliProcess.ts');
if (!orthancAvailable()) {
  console.error('bench:cluster: Orthanc is not installed: apt-get install -y orthanc orthanc-dicomweb');
  process.exit(1);
}

const ADMIN = 'bench-cluster-admin-token-0123456789abcdef';
const CLASSES = ['right lung', 'left lung'];
const LISTENING = /listening on (http:\/\/\S+)/;
/** The modality of the few instances the warm-up projects sync (the measured projects take DX only). */
const WARM_UP_MODALITY = 'CR';
const seconds = (ms) => ms / 1000;

// Everything started here, for the clean-up.
const live = new Set();
const tempDirs = new Set();
let orthanc = null;
let pg = null;

/**
 * A `scanselect worker` on SQLite exits (code 0) as soon as it has no job: nothing holds its event
 * loop (the idle poll's timer is unref'ed; only PostgreSQL's sockets or the embedded worker's IPC
 * channel keep one alive). Until that is fixed, worker processes get this preload, which holds the
 * loop as a service's would; the worker still exits on SIGTERM (it calls process.exit).
 */
let keepAliveEnv = null;
function workerEnv() {
  if (!keepAliveEnv) {
    const file = path.join(tempDir('preload'), 'keepAlive.js');
    fs.writeFileSync(file, 'setInterval(() => {}, 2 ** 30);\n');
    keepAliveEnv = { NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --require ${file}`.trim() };
  }
  return keepAliveEnv;
}

/** Starts `scanselect …args` (tracked), waiting for `ready` in its output. */
async function launch(name, args, ready, env = {}) {
  const started = await CliProcess.start(name, args, ready, { SCANSELECT_ADMIN_TOKEN: ADMIN, ...env });
  live.add(started);
  return started;
}
/** Throws, with its output, when a started process has ended (a wait would never end). */
function assertAlive() {
  // `child` is private in TypeScript only.
  const dead = [...live].find((p) => p.child.exitCode !== null || p.child.signalCode !== null);
  if (dead) throw new Error(`${dead.name} ended (${dead.child.signalCode ?? `exit ${dead.child.exitCode}`}):\n${dead.log.slice(-3000)}`);
  if (pg && pg.pid === null) throw new Error(`PostgreSQL is gone:\n${pg.output.slice(-2000)}`);
}
/** Stops every CLI process started (SIGTERM, SIGKILL after 20 s). */
async function stopAll() {
  const all = [...live];
  live.clear();
  await Promise.all(all.map((p) => p.stop().catch(() => p.kill())));
}
/** The last lines of every running CLI process, for failure messages. */
const logs = () => [...live].map((p) => `--- ${p.name}\n${p.log.slice(-3000)}`).join('\n');
function tempDir(label) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `scanselect-bench-cluster-${label}-`));
  tempDirs.add(dir);
  return dir;
}
function removeDir(dir) {
  tempDirs.delete(dir);
  fs.rmSync(dir, { recursive: true, force: true });
}
let cleaning = null;
/** Stops everything started (once, however often called: a signal may come while main's own clean-up runs). */
function cleanup() {
  cleaning ??= (async () => {
    await stopAll();
    await orthanc?.dispose().catch((e) => console.error(`bench:cluster: Orthanc clean-up: ${e.message}`));
    orthanc = null;
    await pg?.dispose().catch((e) => console.error(`bench:cluster: PostgreSQL clean-up: ${e.message}`));
    pg = null;
    for (const dir of [...tempDirs]) removeDir(dir);
  })();
  return cleaning;
}
process.on('exit', () => {
  // Last resort (an uncaught error, process.exit while stopping): kill what is left, by pid.
  const kill = (pid, signal) => {
    try {
      if (pid) process.kill(pid, signal);
    } catch {
      // already gone
    }
  };
  for (const p of live) kill(p.pid, 'SIGKILL');
  for (const pid of childPidsOf(process.pid, 'scanselect.js')) kill(pid, 'SIGKILL'); // a failed CliProcess.start does not hand its process back
  kill(orthanc?.child?.pid, 'SIGKILL');
  kill(pg?.pid, 'SIGQUIT'); // the postmaster's immediate shutdown
  for (const dir of [...tempDirs, orthanc?.dir].filter(Boolean)) fs.rmSync(dir, { recursive: true, force: true }); // PostgreSQL's: its dispose, or left
});
for (const signal of ['SIGINT', 'SIGTERM']) process.once(signal, () => void cleanup().finally(() => process.exit(130)));

/** A job's end (or `until`), failing early when a process died; with the processes' output on failure. */
const waitJob = (call, id, until, everyMs) => waitJobOf(call, id, { ...(until && { until }), ...(everyMs && { everyMs }), check: assertAlive, context: logs });
const jobMs = (job) => Date.parse(job.finishedAt) - Date.parse(job.startedAt);

/** A fresh configuration: its file, and on PostgreSQL a database of its own. */
async function configure(db, label, projects) {
  const dir = tempDir(label);
  let database = null;
  if (db === 'postgres') {
    const { Client } = require('pg');
    const admin = new Client({ connectionString: pg.url });
    await admin.connect();
    const name = `bench_${label.replace(/\W/g, '_')}`;
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    database = pg.url.replace(/\/postgres$/, `/${name}`);
  }
  const file = path.join(dir, 'scanselect.json');
  fs.writeFileSync(file, JSON.stringify({
    dataDir: path.join(dir, 'data'),
    ...(database && { database: { url: database } }),
    jobs: { pollSeconds: 0.5 },
    sources: { pacs: { kind: 'dicomweb', url: orthanc.dicomWebUrl, publishKeyObjects: false, publishSegmentations: false } },
    projects,
  }, null, 2));
  return { dir, file };
}
const project = (name, extra = {}) => ({
  name, source: 'pacs', filters: { modality: 'DX' }, classes: CLASSES, projection: 'tsne', budget: { coldStart: 20, perRound: 10, total: 100 }, encoder: { id: 'intensity-texture', inputSize: 256 }, ...extra,
});
async function startServe(file, jobs) {
  const serve = await launch(`serve (jobs ${jobs})`, ['serve', '--config', file, '--jobs', jobs, '--port', '0'], LISTENING);
  return { serve, url: (await serve.waitFor(LISTENING, 1000))[1] };
}
/** Worker `name` (only the first delivers the outbox and fires schedules: SQLite needs that; harmless on PostgreSQL). */
const startWorker = (file, name, first) => launch(name, ['worker', '--config', file, '--name', name, ...(first ? [] : ['--no-outbox', '--no-schedule'])], new RegExp(`worker ${name} started`), workerEnv());
/** CPU ms of PostgreSQL: the postmaster (with its reaped backends) and its live backends. */
const postgresCpuMs = () => (pg?.pid ? childPidsOf(pg.pid).reduce((sum, pid) => sum + (cpuMsOf(pid) || 0), cpuMsOf(pg.pid, true)) : NaN);

/** 1. Two projects synced at once with `workers` worker processes (after a warm-up sync per worker). */
async function syncRun(db, workers) {
  const label = `${db}-sync-${workers}w`;
  const names = ['sync-a', 'sync-b'];
  const warmUps = Array.from({ length: workers }, (_, i) => `warm-up-${i + 1}`);
  const { dir, file } = await configure(db, label, [...warmUps.map((n) => project(n, { filters: { modality: WARM_UP_MODALITY } })), ...names.map((n) => project(n))]);
  try {
    const { serve, url } = await startServe(file, 'external');
    const ws = await Promise.all(Array.from({ length: workers }, (_, i) => startWorker(file, `w${i + 1}`, i === 0)));
    const call = apiOf(url, ADMIN);
    const ids = Object.fromEntries((await call('GET', '/api/projects')).map((p) => [p.name, p.id]));
    const ranOn = async (id) => { // the worker's log line may come a moment after the job's row says it ended
      for (let i = 0; i < 30; i++, await sleep(100)) {
        const worker = ws.find((w) => new RegExp(`job ${id} \\(sync\\) succeeded`).test(w.log));
        if (worker) return worker.name;
      }
      return '?';
    };
    // A worker's first sync starts its sync worker threads (which load the engine): not what a long-running worker pays per sync.
    const warmed = await Promise.all((await Promise.all(warmUps.map((n) => call('POST', `/api/projects/${ids[n]}/sync`)))).map((j) => waitJob(call, j.id)));
    const warmUpRanOn = await Promise.all(warmed.map((j) => ranOn(j.id)));
    const cpu = () => ({ workers: ws.reduce((s, w) => s + cpuMsOf(w.pid), 0), api: cpuMsOf(serve.pid), orthanc: cpuMsOf(orthanc.child.pid), postgres: db === 'postgres' ? postgresCpuMs() : NaN });
    const before = cpu();
    const started = performance.now();
    const queued = await Promise.all(names.map((n) => call('POST', `/api/projects/${ids[n]}/sync`)));
    const jobs = await Promise.all(queued.map((j) => waitJob(call, j.id)));
    const wallMs = performance.now() - started;
    const after = cpu();
    const embedded = jobs.reduce((s, j) => s + (j.result?.embedded ?? 0), 0);
    const spanMs = Math.max(...jobs.map((j) => Date.parse(j.finishedAt))) - Math.min(...jobs.map((j) => Date.parse(j.startedAt)));
    const perInstance = (k) => (after[k] - before[k]) / Math.max(1, embedded);
    const jobsRanOn = await Promise.all(jobs.map((j) => ranOn(j.id)));
    return {
      db, workers, embedded, warmUpRanOn, spanS: seconds(spanMs), wallS: seconds(wallMs), instancesPerS: embedded / seconds(spanMs),
      jobs: jobs.map((j, i) => ({ id: j.id, state: j.state, worker: jobsRanOn[i], embedded: j.result?.embedded, failed: j.result?.failed, seconds: seconds(jobMs(j)), instancesPerS: (j.result?.embedded ?? 0) / seconds(jobMs(j)), threads: j.result?.threads })),
      cpuMsPerInstance: { workers: perInstance('workers'), api: perInstance('api'), orthanc: perInstance('orthanc'), postgres: perInstance('postgres') },
    };
  } finally {
    await stopAll();
    removeDir(dir);
  }
}

/** 2. /api/health and worklist latency idle and while a round trains. */
async function latencyRun(db, stowed) {
  const jobsMode = db === 'sqlite' ? 'child' : 'external';
  const label = `${db}-latency`;
  const { dir, file } = await configure(db, label, [project('latency', {
    budget: { coldStart: opts.labels, perRound: 4, total: opts.labels + 100 }, model: { inputSize: opts.modelSize, epochs: opts.epochs },
  })]);
  try {
    const { serve, url } = await startServe(file, jobsMode);
    if (jobsMode === 'child') await serve.waitFor(/worker \S+ started/, 120_000);
    else await startWorker(file, 'w1', true);
    const call = apiOf(url, ADMIN);
    const info = await call('GET', '/api/info');
    const id = (await call('GET', '/api/projects'))[0].id;
    const annotator = (await call('POST', '/api/tokens', { json: { name: 'bench', role: 'annotator' } })).token;
    const sync = await waitJob(call, (await call('POST', `/api/projects/${id}/sync`)).id);
    await waitJob(call, (await call('POST', `/api/projects/${id}/rounds`)).id);
    const worklist = await call('GET', `/api/projects/${id}/worklist`, { token: annotator });
    const routes = [{ name: 'health', url: `${url}/api/health` }, { name: 'worklist', url: `${url}/api/projects/${id}/worklist` }];
    const load = () => startLoadClients({ routes, token: annotator, clients: opts.clients, requests: opts.requests });
    const idle = await load().done;

    const bySop = new Map(stowed.items.map((item) => [item.sopUid, item]));
    let roundJob = null;
    for (const entry of worklist) {
      await call('POST', `/api/projects/${id}/cases/${entry.sopUid}/claim`, { token: annotator });
      const receipt = await call('POST', `/api/projects/${id}/cases/${entry.sopUid}/mask`, { token: annotator, body: phantomSeg(stowed, bySop.get(entry.sopUid), CLASSES), type: 'application/dicom' });
      roundJob = receipt.queuedRoundJob ?? roundJob;
    }
    if (!roundJob) throw new Error(`labelling the ${worklist.length} cases queued no round`);
    const isTraining = (j) => j.state === 'running' && /^training/.test(j.stage ?? '');
    const first = await waitJob(call, roundJob, isTraining, 50);
    const clients = load();
    let capped = false;
    clients.done.then(() => (capped = true), () => (capped = true));
    await clients.ready;
    const started = performance.now();
    let last = first;
    for (;;) {
      assertAlive();
      const job = await call('GET', `/api/jobs/${roundJob}`);
      if (!isTraining(job) || capped) break;
      last = job;
      await sleep(100);
    }
    const measuredS = seconds(performance.now() - started);
    const training = await clients.stop();
    return {
      db, jobs: jobsMode, backend: info.compute?.backend, worklistSize: worklist.length, syncedInstances: sync.result?.embedded,
      idle: idle.perRoute, training: training.perRoute, measuredS, firstStage: first.stage, lastStage: last.stage, endedBy: capped ? `${opts.requests} requests` : 'training ended',
    };
  } finally {
    await stopAll();
    removeDir(dir);
  }
}

function printTables(syncRuns, latencyRuns) {
  console.log(`\nsync throughput — two projects over the same source (each embeds all ${opts.instances}: ${2 * opts.instances} in total), both syncs queued at once. A sync job`);
  console.log('runs on one worker: with 1 worker the two run one after the other, with 2 side by side. instances/s over the span from first start to last finish.');
  console.log('database  workers  instances  span s  wall s  instances/s  per job (worker: s, instances/s)                 CPU ms/instance: workers, API, Orthanc, PostgreSQL');
  for (const r of syncRuns) {
    const perJob = r.jobs.map((j) => `${j.worker}: ${fmt(j.seconds)} s, ${fmt(j.instancesPerS)}`).join('; ');
    const c = r.cpuMsPerInstance;
    console.log(`${r.db.padEnd(9)} ${String(r.workers).padStart(7)}  ${String(r.embedded).padStart(9)}  ${fmt(r.spanS).padStart(6)}  ${fmt(r.wallS).padStart(6)}  ${fmt(r.instancesPerS).padStart(11)}  ${perJob.padEnd(48)}  ${[c.workers, c.api, c.orthanc, c.postgres].map((x) => fmt(x)).join(', ')}`);
  }
  console.log(`\nAPI latency, ${opts.clients} clients (half GET /api/health, half the worklist), idle and while a round trains (Attention U-Net ${opts.modelSize}², ${opts.epochs} epochs, ${opts.labels} masks)`);
  console.log('database  jobs      phase     route        n   p50 ms   p90 ms   p99 ms   max ms   req/s  errors');
  for (const r of latencyRuns) {
    for (const phase of ['idle', 'training']) {
      for (const route of ['health', 'worklist']) {
        const s = r[phase][route];
        console.log(`${r.db.padEnd(9)} ${r.jobs.padEnd(9)} ${phase.padEnd(9)} ${route.padEnd(8)} ${String(s.n).padStart(6)} ${[s.p50, s.p90, s.p99, s.max].map((x) => fmt(x, 1).padStart(8)).join(' ')} ${fmt(s.perS, 0).padStart(7)} ${String(s.errors).padStart(7)}`);
      }
    }
    console.log(`${''.padEnd(20)}training measured ${fmt(r.measuredS)} s (${r.firstStage} → ${r.lastStage}; ended: ${r.endedBy}); worklist of ${r.worklistSize} cases; backend ${r.backend}`);
  }
}

async function main() {
  const cpus = os.cpus();
  const t0 = performance.now();
  orthanc = await OrthancProcess.start();
  const orthancVersion = (await (await fetch(`${orthanc.url}/system`)).json()).Version;
  const stowed = await stowPhantoms({ dicomWebUrl: orthanc.dicomWebUrl, instances: opts.instances, size: opts.size, phantoms: 20, batch: 20, prefix: 'scanselect-bench-cluster' });
  await stowPhantoms({ dicomWebUrl: orthanc.dicomWebUrl, instances: 4, size: opts.size, phantoms: 4, batch: 4, prefix: 'scanselect-bench-cluster-warm-up', modality: WARM_UP_MODALITY });
  const skipped = [];
  let postgresVersion = null;
  if (opts.databases.includes('postgres')) {
    const why = postgresUnavailable();
    if (why) skipped.push(`PostgreSQL skipped: ${why}`);
    else {
      try {
        pg = await PostgresProcess.start();
        const { Client } = require('pg');
        const c = new Client({ connectionString: pg.url });
        await c.connect();
        postgresVersion = (await c.query('SHOW server_version')).rows[0].server_version;
        await c.end();
      } catch (error) {
        skipped.push(`PostgreSQL skipped: it did not start: ${error.message.split('\n')[0]}`);
        await pg?.dispose().catch(() => undefined);
        pg = null;
      }
    }
  }
  console.log(`bench:cluster — ${new Date().toISOString()}`);
  console.log(`cpu: ${cpus.length} × ${cpus[0].model}; ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB; load average ${os.loadavg().map((x) => x.toFixed(2)).join(', ')}; node ${process.version}`);
  console.log(`Orthanc ${orthancVersion}; PostgreSQL ${postgresVersion ?? 'not used'}; built CLI ${path.relative(root, cliMain)} (${fs.statSync(cliMain).mtime.toISOString()})`);
  console.log(`data: ${opts.instances} instances ${opts.size}² (${stowed.phantomCount} phantoms reused), STOWed in ${fmt(seconds(stowed.stowMs))} s (${fmt(stowed.stowBytes / 2 ** 20, 0)} MiB, ${stowed.stowFailed} failed); setup ${fmt(seconds(performance.now() - t0))} s`);
  const stale = staleBuild(path.join(root, 'server', 'src'), path.join(root, 'server', 'dist'));
  if (stale.length > 0) console.log(`note: the build is older than ${stale.length} server source(s) (${stale.slice(0, 3).join(', ')}${stale.length > 3 ? ' …' : ''}): npm run build`);
  for (const line of skipped) console.log(line);

  const syncRuns = [];
  const latencyRuns = [];
  const failures = [];
  for (const db of opts.databases) {
    if (db === 'postgres' && !pg) continue;
    try {
      for (const workers of [1, 2]) {
        const r = await syncRun(db, workers);
        syncRuns.push(r);
        console.log(`${db}: sync with ${workers} worker${workers > 1 ? 's' : ''}: ${r.embedded} instances in ${fmt(r.spanS)} s = ${fmt(r.instancesPerS)} instances/s (warm-up on ${r.warmUpRanOn.join(', ')}; jobs on ${r.jobs.map((j) => j.worker).join(', ')})`);
      }
      const r = await latencyRun(db, stowed);
      latencyRuns.push(r);
      console.log(`${db}: latency (jobs ${r.jobs}): idle health p99 ${fmt(r.idle.health.p99)} ms, worklist p99 ${fmt(r.idle.worklist.p99)} ms; training health p99 ${fmt(r.training.health.p99)} ms, worklist p99 ${fmt(r.training.worklist.p99)} ms`);
    } catch (error) {
      // One database's failure does not cost the other's numbers.
      failures.push(`${db} failed: ${error.stack ?? error}`);
      console.error(failures.at(-1));
    }
  }
  printTables(syncRuns, latencyRuns);
  for (const line of [...skipped, ...failures.map((f) => f.split('\n')[0])]) console.log(line);
  if (failures.length > 0) process.exitCode = 1;
  if (opts.json) {
    const doc = { date: new Date().toISOString(), cpu: cpus[0].model, cpus: cpus.length, load: os.loadavg(), node: process.version, orthanc: orthancVersion, postgres: postgresVersion, options: opts, skipped, failures, sync: syncRuns, latency: latencyRuns };
    fs.writeFileSync(opts.json, `${JSON.stringify(doc, null, 2)}\n`);
    console.log(`wrote ${opts.json}`);
  }
}

main()
  .catch((error) => {
    console.error(`bench:cluster failed: ${error.stack ?? error}`);
    process.exitCode = 1;
  })
  .finally(async () => {
    await cleanup();
    process.exit();
  });
