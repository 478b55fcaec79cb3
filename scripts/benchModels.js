#!/usr/bin/env node
'use strict';
/**
 * `npm run bench:models`: per compute backend, the Attention U-Net training step (forward + Dice+CE
 * + backward + Adam, batch 2) and `predict` time per image, peak memory, and encoder throughput;
 * in the same run the same network and step in PyTorch on CPU, with the ratio ours / PyTorch.
 *
 *   npm run bench:models -- [--sizes 128,256] [--backends wasm+native,wasm,cpu,tensorflow] [--no-torch]
 *     [--no-encoders] [--json FILE] [--classes 3] [--dropout 0] [--warmup 2] [--steps 5]
 *     [--infer 5] [--budget 120] [--cpu-train-sizes 128|none|128,256] [--cpu-steps 1]
 *     [--torch-threads 2,1] [--python /usr/bin/python3] [--encoder-images 32] [--encoder-model DIR]
 *     [--grad-size 32 | --no-gradients]
 *
 * Gradient check: the loss gradient of every trainable weight of the same freshly built U-Net on
 * two --grad-size² images, per backend, against the cpu backend (the reference implementation of
 * tfjs): max |a − b| / max |b| over all weights, and the worst weight tensor (see below).
 *
 * "wasm+native" is the wasm backend with the native kernels (plugin/native: oneDNN convolutions and
 * reductions; `npm run build:native`), "wasm" the same backend with them switched off
 * (SCANSELECT_NATIVE_KERNELS=off); wasm+native is reported unavailable when they are not built.
 * Every backend × size runs in its own Node process (tfjs backends are process-global; peak RSS =
 * getrusage maxRSS of that process). The cpu backend (plain JS) needs about 4–5 minutes per
 * training step at 128² on a 2-core Xeon, so by default it trains one step (no warm-up: it has no
 * kernel compilation) at 128² only and measures inference only at the other sizes. PyTorch is
 * Debian's python3-torch run by /usr/bin/python3 (scripts/bench/models_torch.py), one process per
 * size and thread count (2 and 1 by default); the ratio is taken against the fastest of them, since
 * with 2 threads on 2 busy cores OpenMP can be many times slower than with 1.
 */
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const argv = process.argv.slice(2);
function arg(name, fallback) {
  const i = argv.indexOf(name);
  return i >= 0 && i + 1 < argv.length ? argv[i + 1] : fallback;
}
const list = (s) => (s === 'none' || s === '' ? [] : s.split(',').map((x) => x.trim()).filter(Boolean));

const opts = {
  sizes: list(arg('--sizes', '128,256')).map(Number),
  backends: list(arg('--backends', 'wasm+native,wasm,cpu,tensorflow')),
  torch: !argv.includes('--no-torch'),
  encoders: !argv.includes('--no-encoders'),
  json: arg('--json', null),
  classes: Number(arg('--classes', '3')),
  dropout: Number(arg('--dropout', '0')),
  warmup: Number(arg('--warmup', '2')),
  steps: Number(arg('--steps', '5')),
  infer: Number(arg('--infer', '5')),
  budget: Number(arg('--budget', '120')),
  cpuTrainSizes: list(arg('--cpu-train-sizes', '128')).map(Number),
  cpuSteps: Number(arg('--cpu-steps', '1')),
  torchThreads: list(arg('--torch-threads', '2,1')).map(Number),
  encoderImages: Number(arg('--encoder-images', '32')),
  encoderModel: arg('--encoder-model', '/work/shared/models/darknet-tiny-imagenet/tfjs'),
  gradSize: argv.includes('--no-gradients') ? 0 : Number(arg('--grad-size', '32')),
};
const python = arg('--python', '/usr/bin/python3');
const root = path.join(__dirname, '..');
const worker = path.join(__dirname, 'bench', 'modelsWorker.js');
const torchScript = path.join(__dirname, 'bench', 'models_torch.py');
const EXPECTED_PARAMS = { 2: 493990, 3: 494007 }; // docs/models.md, depth 4, 16 channels

if (!fs.existsSync(path.join(root, 'plugin', 'dist', 'index.js'))) {
  console.error('bench:models: build first (npx tsc -b)');
  process.exit(1);
}
for (const b of opts.backends) {
  if (!['wasm+native', 'wasm', 'cpu', 'tensorflow'].includes(b)) {
    console.error(`bench:models: unknown backend ${b} (wasm+native, wasm, cpu, tensorflow)`);
    process.exit(1);
  }
}

const started = Date.now();
const loadBefore = os.loadavg();
const fmtLoad = (l) => l.map((x) => x.toFixed(2)).join(', ');
const tfjsVersion = (() => {
  try {
    return require(require.resolve('@tensorflow/tfjs-core/package.json', { paths: [path.join(root, 'plugin')] })).version;
  } catch {
    return '?';
  }
})();

console.log(`bench:models — ${os.cpus().length} × ${os.cpus()[0].model}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, tfjs ${tfjsVersion}`);
console.log(`load average before: ${fmtLoad(loadBefore)} (1, 5, 15 min; other jobs on this machine inflate every time below)`);
console.log(`Attention U-Net depth 4, 16 base channels, ${opts.classes} classes, dropout ${opts.dropout}; Adam lr 1e-3; batch 2; synthetic z-scored images`);
console.log('train s/img = median step time / 2 (step = forward + Dice+CE + backward + Adam, via trainSegmentation);');
console.log('infer s/img = median predict() (probabilities + mask + entropy map), batch 1; MB = peak RSS of the process\n');

/** The worker's compute backend and environment for a bench backend name. */
function backendEnv(backend) {
  if (backend === 'wasm+native') return { compute: 'wasm', env: { SCANSELECT_BACKEND: 'wasm', SCANSELECT_NATIVE_KERNELS: 'on', BENCH_REQUIRE_NATIVE: '1' } };
  return { compute: backend, env: { SCANSELECT_BACKEND: backend, SCANSELECT_NATIVE_KERNELS: 'off', BENCH_REQUIRE_NATIVE: '0' } };
}

/** Runs a command that prints one JSON line; returns { ok, value | error }. */
function runJson(cmd, args, env) {
  const r = spawnSync(cmd, args.map(String), { encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, ...env } });
  if (r.error) return { ok: false, error: r.error.message };
  if (r.status !== 0) {
    const tail = (r.stderr || '').trim().split('\n').slice(-4).join('\n    ');
    return { ok: false, error: `exit ${r.status ?? r.signal}: ${tail}` };
  }
  const line = r.stdout.trim().split('\n').pop();
  try {
    return { ok: true, value: JSON.parse(line) };
  } catch {
    return { ok: false, error: `unparseable output: ${line}` };
  }
}

const results = {
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0].model, memGiB: os.totalmem() / 2 ** 30, node: process.version, tfjs: tfjsVersion, loadBefore },
  options: opts,
  unet: [],
  unavailable: {},
  torch: [],
  torchInfo: null,
  encoders: [],
};

// ---- ScanSelect, one process per backend × size --------------------------------------------
for (const backend of opts.backends) {
  for (const size of opts.sizes) {
    const isCpu = backend === 'cpu';
    const train = !isCpu || opts.cpuTrainSizes.includes(size);
    const warmup = !train ? 0 : isCpu ? 0 : opts.warmup;
    const steps = !train ? 0 : isCpu ? opts.cpuSteps : opts.steps;
    const infer = isCpu ? 1 : opts.infer;
    const budget = isCpu ? 0 : opts.budget;
    const t = Date.now();
    process.stdout.write(`  running ${backend} ${size}² (${train ? `${warmup} warm-up + ${steps} step(s)` : 'inference only'}) … `);
    const { compute, env } = backendEnv(backend);
    const r = runJson(process.execPath, [worker, 'unet', compute, size, opts.classes, opts.dropout, warmup, steps, infer, budget], env);
    if (r.ok) r.value.backend = backend;
    console.log(`${((Date.now() - t) / 1000).toFixed(0)} s`);
    if (!r.ok) {
      console.log(`  ${backend} ${size}²: FAILED — ${r.error}`);
      results.unet.push({ backend, size, error: r.error });
      continue;
    }
    if (r.value.unavailable) {
      results.unavailable[backend] = r.value;
      console.log(`  ${backend}: unavailable — ${r.value.reason} (initCompute fell back to ${r.value.fellBackTo}; not measured)`);
      break;
    }
    results.unet.push(r.value);
  }
}

// ---- PyTorch ---------------------------------------------------------------------------------
if (opts.torch) {
  const probe = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    const why = probe.error ? probe.error.message : (probe.stderr || '').trim().split('\n').pop();
    console.log(`  PyTorch: not available (${python}: ${why}); install Debian python3-torch — skipping the comparison`);
    results.torchError = why;
  } else {
    for (const threads of opts.torchThreads) {
      for (const size of opts.sizes) {
        process.stdout.write(`  running PyTorch ${size}² (${threads} thread${threads > 1 ? 's' : ''}) … `);
        const t = Date.now();
        const r = runJson(python, [torchScript, '--sizes', size, '--classes', opts.classes, '--dropout', opts.dropout,
          '--warmup', opts.warmup, '--steps', opts.steps, '--infer', opts.infer, '--threads', threads]);
        console.log(`${((Date.now() - t) / 1000).toFixed(0)} s`);
        if (!r.ok) {
          console.log(`  PyTorch ${size}²: FAILED — ${r.error}`);
          results.torch.push({ size, threads, error: r.error });
          continue;
        }
        const { results: rows, ...info } = r.value;
        results.torchInfo = info;
        results.torch.push({ ...rows[0], threads: info.threads });
      }
    }
  }
} else {
  console.log('  PyTorch: skipped (--no-torch)');
}

// ---- Encoders, one process per backend -------------------------------------------------------
if (opts.encoders) {
  for (const backend of opts.backends) {
    if (results.unavailable[backend]) continue;
    const isCpu = backend === 'cpu';
    const count = isCpu ? Math.min(8, opts.encoderImages) : opts.encoderImages;
    process.stdout.write(`  running encoders on ${backend} (${count} images of 256²) … `);
    const t = Date.now();
    const { compute, env } = backendEnv(backend);
    const r = runJson(process.execPath, [worker, 'encoders', compute, count, 256, opts.encoderModel, isCpu ? 1 : 2], env);
    if (r.ok) r.value.backend = backend;
    console.log(`${((Date.now() - t) / 1000).toFixed(0)} s`);
    if (!r.ok) {
      console.log(`  encoders on ${backend}: FAILED — ${r.error}`);
      results.encoders.push({ backend, error: r.error });
    } else if (r.value.unavailable) {
      results.unavailable[backend] = r.value;
    } else {
      results.encoders.push(r.value);
    }
  }
}

// ---- Gradient check against cpu ------------------------------------------------------------------
results.gradients = [];
if (opts.gradSize > 0) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-models-'));
  const gradientsOf = (backend) => {
    const file = path.join(dir, `${backend}.f32`);
    const { compute, env } = backendEnv(backend);
    const r = runJson(process.execPath, [worker, 'gradients', compute, opts.gradSize, file], env);
    if (!r.ok || r.value.unavailable) return { error: r.ok ? r.value.reason : r.error };
    const b = fs.readFileSync(file);
    return { tensors: r.value.tensors, values: new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4) };
  };
  process.stdout.write(`  gradient check at ${opts.gradSize}² (cpu reference) … `);
  const t = Date.now();
  const reference = gradientsOf('cpu');
  for (const backend of opts.backends.filter((b) => b !== 'cpu' && !results.unavailable[b])) {
    const g = reference.error ? reference : gradientsOf(backend);
    if (g.error) {
      results.gradients.push({ backend, error: g.error });
      continue;
    }
    // Global: max |a − b| over all weights / max |b| over all. Per tensor: the worst of
    // max |a − b| / max |b| among tensors whose gradient is not negligible (max |b| ≥ 1e-3 of the
    // global max): a conv bias followed by batch norm has a gradient that is zero up to rounding.
    let maxDiff = 0;
    let maxRef = 0;
    const perTensor = [];
    let offset = 0;
    for (const length of reference.tensors) {
      let diff = 0;
      let ref = 0;
      for (let i = offset; i < offset + length; i++) {
        const d = Math.abs(g.values[i] - reference.values[i]);
        diff = Number.isNaN(d) ? Infinity : Math.max(diff, d);
        ref = Math.max(ref, Math.abs(reference.values[i]));
      }
      perTensor.push({ diff, ref });
      maxDiff = Math.max(maxDiff, diff);
      maxRef = Math.max(maxRef, ref);
      offset += length;
    }
    const significant = perTensor.filter((x) => x.ref >= 1e-3 * maxRef);
    const worst = Math.max(...significant.map((x) => x.diff / x.ref));
    results.gradients.push({ backend, size: opts.gradSize, tensors: reference.tensors.length, globalRelativeError: maxDiff / maxRef, worstTensor: worst, significantTensors: significant.length });
  }
  fs.rmSync(dir, { recursive: true, force: true });
  console.log(`${((Date.now() - t) / 1000).toFixed(0)} s`);
}

// ---- Report ----------------------------------------------------------------------------------
const f = (x, d = 3) => (x === null || x === undefined || Number.isNaN(x) ? '—' : x < 0.01 ? x.toExponential(2) : x.toFixed(d));
const pad = (s, n) => String(s).padEnd(n);
const lpad = (s, n) => String(s).padStart(n);
const torchAt = (size, threads) => results.torch.find((r) => r.size === size && r.threads === threads && !r.error);

console.log('\nAttention U-Net (per image)');
console.log(`  ${pad('backend', 22)} ${lpad('size', 5)} ${lpad('train s/img', 12)} ${lpad('infer s/img', 12)} ${lpad('peak MB', 8)}  steps  notes`);
for (const r of results.unet) {
  if (r.error) {
    console.log(`  ${pad(r.backend, 22)} ${lpad(r.size, 5)}  failed: ${r.error.split('\n')[0]}`);
    continue;
  }
  const label = r.compute.native ? `${r.backend} (${r.compute.native.threads} thr)` : `${r.backend} (${r.compute.threads} thr${r.compute.simd ? ', simd' : ''})`;
  const notes = [];
  if (r.stepsDone === 0) notes.push(r.backend === 'cpu' ? `training not run (~${f(cpuEstimate(r.size), 0)} s/step est.; --cpu-train-sizes ${r.size})` : 'training not run');
  if (r.cutByBudget) notes.push(`cut by --budget ${opts.budget}s`);
  if (r.backend === 'cpu' && r.stepsDone > 0) notes.push('no warm-up (first step incl. model build)');
  if (r.trainableParams !== EXPECTED_PARAMS[r.classes] && EXPECTED_PARAMS[r.classes] !== undefined) notes.push(`PARAMS ${r.trainableParams} ≠ ${EXPECTED_PARAMS[r.classes]}`);
  const last = r.losses.length ? r.losses[r.losses.length - 1] : null;
  if (last !== null && !Number.isFinite(last)) notes.push('LOSS NOT FINITE');
  console.log(`  ${pad(label, 22)} ${lpad(r.size, 5)} ${lpad(f(r.trainPerImage), 12)} ${lpad(f(r.inferPerImage), 12)} ${lpad(Math.round(r.peakMb), 8)}  ${lpad(r.stepsDone, 5)}  ${notes.join('; ')}`);
}
for (const [backend, u] of Object.entries(results.unavailable)) console.log(`  ${pad(backend, 22)}   unavailable: ${u.reason}`);
for (const r of results.torch) {
  const label = `PyTorch CPU (${r.threads} thr)`;
  if (r.error) console.log(`  ${pad(label, 22)} ${lpad(r.size, 5)}  failed: ${r.error.split('\n')[0]}`);
  else console.log(`  ${pad(label, 22)} ${lpad(r.size, 5)} ${lpad(f(r.trainPerImage), 12)} ${lpad(f(r.inferPerImage), 12)} ${lpad(Math.round(r.peakMb), 8)}  ${lpad(r.stepSeconds.length, 5)}`);
}

if (results.torch.length > 0) {
  const ti = results.torchInfo;
  if (ti) {
    const ours = results.unet.find((r) => !r.error && r.classes === opts.classes);
    const p2 = ti.trainableParamsByClasses['2'];
    const p3 = ti.trainableParamsByClasses['3'];
    console.log(`\nParameters (trainable): PyTorch ${p3.toLocaleString('en')} (3 classes) / ${p2.toLocaleString('en')} (2 classes); ` +
      `ScanSelect ${ours ? ours.trainableParams.toLocaleString('en') : '—'} (${opts.classes} classes); expected 494,007 / 493,990 → ` +
      `${ours && ours.trainableParams === ti.trainableParams && p3 === 494007 && p2 === 493990 ? 'equal' : 'MISMATCH'}`);
  }
  // Reference = the fastest PyTorch thread count at that size: with 2 threads on 2 cores, any other
  // load makes OpenMP's barriers wait for a descheduled thread (seen here: 2 threads 30× slower than 1).
  const best = (size) => results.torch.filter((t) => t.size === size && !t.error).sort((a, b) => a.trainPerImage - b.trainPerImage)[0];
  for (const size of opts.sizes) {
    const byThreads = opts.torchThreads.map((th) => torchAt(size, th)).filter(Boolean);
    const slowest = byThreads.reduce((m, t) => (t.threads > (m ? m.threads : 0) ? t : m), null);
    const fastest = best(size);
    if (slowest && fastest && slowest.threads > fastest.threads && slowest.trainPerImage > 1.5 * fastest.trainPerImage) {
      console.log(`\n  note: PyTorch ${size}² with ${slowest.threads} threads is ${(slowest.trainPerImage / fastest.trainPerImage).toFixed(1)}× slower than with ${fastest.threads} — the machine is loaded (oversubscribed cores); the ratio uses the faster one`);
    }
  }
  console.log('\nRatio ours / PyTorch (reference = fastest PyTorch thread count at that size; targets: train ≤ 3×, then ≤ 2×; inference ≤ 2×)');
  console.log(`  ${pad('backend', 12)} ${lpad('size', 5)} ${lpad('ref', 6)} ${lpad('train', 9)} ${lpad('infer', 9)}   ${opts.torchThreads.map((th) => `vs ${th} thr train / infer`).join('   ')}`);
  for (const r of results.unet) {
    if (r.error) continue;
    const t = best(r.size);
    if (!t) continue;
    const ratio = (a, b) => (a && b ? `${(a / b).toFixed(2)}×` : '—');
    const each = opts.torchThreads.map((th) => {
      const o = torchAt(r.size, th);
      return lpad(o ? `${ratio(r.trainPerImage, o.trainPerImage)} / ${ratio(r.inferPerImage, o.inferPerImage)}` : '—', 24);
    });
    const tr = r.trainPerImage ? r.trainPerImage / t.trainPerImage : null;
    const verdict = tr === null ? '' : tr <= 2 ? '   train within 2×' : tr <= 3 ? '   train within 3×, not 2×' : '   train NOT within 3×';
    console.log(`  ${pad(r.backend, 12)} ${lpad(r.size, 5)} ${lpad(`${t.threads} thr`, 6)} ${lpad(ratio(r.trainPerImage, t.trainPerImage), 9)} ${lpad(ratio(r.inferPerImage, t.inferPerImage), 9)}   ${each.join('   ')}${verdict}`);
    r.ratioVsTorch = { referenceThreads: t.threads, train: tr, infer: r.inferPerImage / t.inferPerImage };
  }
}

if (results.encoders.length > 0) {
  console.log('\nEncoders (embed, 256² inputs; best of the timed calls after one warm-up)');
  console.log(`  ${pad('backend', 12)} ${pad('encoder', 36)} ${lpad('dims', 5)} ${lpad('images/s', 9)} ${lpad('peak MB', 8)}`);
  for (const e of results.encoders) {
    if (e.error) {
      console.log(`  ${pad(e.backend, 12)} failed: ${e.error.split('\n')[0]}`);
      continue;
    }
    for (const x of e.encoders) {
      if (x.skipped) console.log(`  ${pad(e.backend, 12)} ${pad(x.encoder, 36)} skipped: ${x.skipped}`);
      else if (x.error) console.log(`  ${pad(e.backend, 12)} ${pad(x.encoder, 36)} failed: ${x.error}`);
      else if (x.trainSecondsPer1000ImageEpochs !== undefined) {
        const perEpoch = x.trainSecondsPer1000ImageEpochs;
        console.log(`  ${pad(e.backend, 12)} ${pad(x.encoder, 36)} ${lpad('', 5)} ${lpad('', 9)} ${lpad(Math.round(x.peakMb), 8)}  ${f(perEpoch, 1)} s per 1,000 images per epoch: ${f((perEpoch * 20) / 60, 1)} min for 1,000 images × 20 epochs (the default), ${f((perEpoch * 100) / 60, 1)} min × 100`);
      } else console.log(`  ${pad(e.backend, 12)} ${pad(x.encoder, 36)} ${lpad(x.dimensions, 5)} ${lpad(x.imagesPerSecond.toFixed(1), 9)} ${lpad(Math.round(x.peakMb), 8)}  (${e.count} images)`);
    }
  }
}

if (results.gradients.length > 0) {
  console.log(`\nGradients vs the cpu backend (U-Net at ${opts.gradSize}², every trainable weight): global = max|a − b| / max|b| over all;`);
  console.log('  worst tensor = max over weight tensors of max|a − b| / max|b|, among those with max|b| ≥ 1e-3 of the global max');
  for (const g of results.gradients) {
    console.log(`  ${pad(g.backend, 12)} ${g.error ? `failed: ${g.error.split('\n')[0]}` : `global ${g.globalRelativeError.toExponential(2)}, worst tensor ${g.worstTensor.toExponential(2)} (${g.significantTensors} of ${g.tensors} tensors)`}`);
  }
}

const loadAfter = os.loadavg();
results.machine.loadAfter = loadAfter;
results.machine.torch = results.torchInfo ? results.torchInfo.torchVersion : null;
results.wallSeconds = (Date.now() - started) / 1000;
console.log(`\nMachine: ${os.cpus().length} × ${os.cpus()[0].model}; node ${process.version}; tfjs ${tfjsVersion}; ` +
  `torch ${results.torchInfo ? `${results.torchInfo.torchVersion} (python ${results.torchInfo.python}, mkldnn ${results.torchInfo.mkldnn})` : '—'}`);
console.log(`load average after: ${fmtLoad(loadAfter)}; wall ${results.wallSeconds.toFixed(0)} s`);
if (opts.json) {
  fs.writeFileSync(opts.json, JSON.stringify(results, null, 2) + '\n');
  console.log(`raw results written to ${opts.json}`);
}

/** cpu training time at `size` scaled by pixel count from a measured cpu size, if any. */
function cpuEstimate(size) {
  const m = results.unet.find((r) => r.backend === 'cpu' && !r.error && r.stepMedian);
  return m ? m.stepMedian * (size / m.size) ** 2 : null;
}
