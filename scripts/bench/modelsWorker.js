'use strict';
/**
 * One measurement of `npm run bench:models`, in its own process: tfjs backends are process-global
 * and peak RSS (getrusage maxRSS) is per process.
 *
 *   node scripts/bench/modelsWorker.js unet BACKEND SIZE CLASSES DROPOUT WARMUP STEPS INFER BUDGET_S
 *   node scripts/bench/modelsWorker.js encoders BACKEND COUNT SIZE MODEL_DIR REPS
 *
 * unet: trains the Attention U-Net with the real `trainSegmentation` (2 synthetic images, batch 2,
 * so every epoch is exactly one optimisation step: forward + Dice+CE + backward + Adam). The step
 * times are the differences of the cumulative `seconds` of its per-epoch progress callback; the
 * first WARMUP steps (model build, kernel compilation) are discarded. If BUDGET_S seconds have
 * passed after at least one timed step, training is aborted through its AbortSignal (the remaining
 * steps are skipped). WARMUP = STEPS = 0 skips training (inference only). Then `predict` (probabilities + mask + entropy map) is timed INFER times
 * after one warm-up call.
 * gradients: the loss gradient (Dice+CE) of every trainable weight of a freshly built Attention
 * U-Net (seed 1, 3 classes) on 2 synthetic SIZE² images, written as one float32 file to OUT in
 * weight order: bench:models compares the backends with cpu.
 *   node scripts/bench/modelsWorker.js gradients BACKEND SIZE OUT
 * encoders: `embed` of COUNT synthetic SIZE² images per encoder, after a warm-up call on up to 4
 * images; the best of REPS calls gives images/s. Then the site-trained encoder at 64² and 128²:
 * its training time per 1,000 images and epoch, and its embedding throughput (siteTrained).
 *
 * Prints one JSON line. If BACKEND cannot be initialised (initCompute fell back to another one),
 * prints { unavailable: true, reason } instead of measuring the fallback.
 */
const fs = require('node:fs');
const path = require('node:path');
const os = require('node:os');
const engine = require('../../plugin/dist/index.js');

const peakMb = () => process.resourceUsage().maxRSS / 1024;
const median = (xs) => {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/** Deterministic synthetic slice: smooth blobs + noise, z-scored; mask = 2 blobs on background. */
function syntheticSample(size, classes, seed) {
  const rng = engine.createRng(seed);
  const image = new Float32Array(size * size);
  const mask = new Uint8Array(size * size);
  const blobs = Array.from({ length: Math.max(1, classes - 1) }, (_, k) => ({
    cx: size * (0.3 + 0.4 * k / Math.max(1, classes - 2)), cy: size * (0.4 + 0.2 * rng.nextFloat()), r: size * (0.12 + 0.08 * rng.nextFloat()), label: k + 1,
  }));
  let sum = 0;
  let sq = 0;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let v = 0.2 * rng.nextFloat();
      for (const b of blobs) {
        if ((x - b.cx) ** 2 + (y - b.cy) ** 2 < b.r ** 2) {
          v += 0.5 + 0.2 * b.label;
          mask[y * size + x] = b.label;
        }
      }
      image[y * size + x] = v;
      sum += v;
      sq += v * v;
    }
  }
  const n = size * size;
  const mean = sum / n;
  const sd = Math.sqrt(Math.max(1e-12, sq / n - mean * mean));
  for (let i = 0; i < n; i++) image[i] = (image[i] - mean) / sd;
  return { image, mask };
}

async function init(backend) {
  const info = await engine.initCompute({ backend });
  if (info.backend !== backend) {
    return { info, unavailable: { backend, unavailable: true, reason: info.notChosen[backend] ?? `initCompute chose ${info.backend}`, fellBackTo: info.backend } };
  }
  // bench:models' "wasm+native" row: wasm with the native kernels, which must then be active.
  const native = info.wasm ? info.wasm.nativeKernels : undefined;
  if (process.env.BENCH_REQUIRE_NATIVE === '1' && !(native && native.active)) {
    return { info, unavailable: { backend, unavailable: true, reason: `native kernels not active: ${native ? native.reason : 'not on wasm'}`, fellBackTo: info.backend } };
  }
  return { info, unavailable: null };
}

function describe(info) {
  const native = info.wasm && info.wasm.nativeKernels.active ? info.wasm.nativeKernels : undefined;
  return {
    backend: info.backend, threads: info.threads, simd: info.wasm ? info.wasm.simd : undefined, device: info.device, tfjsVersion: info.tfjsVersion,
    native: native ? { version: native.version, threads: native.threads, kernels: native.kernels } : undefined,
  };
}

async function unet(args) {
  const [backend, sizeS, classesS, dropoutS, warmupS, stepsS, inferS, budgetS] = args;
  const [size, classes, dropout, warmup, steps, infer, budget] = [sizeS, classesS, dropoutS, warmupS, stepsS, inferS, budgetS].map(Number);
  const { info, unavailable } = await init(backend);
  if (unavailable) return unavailable;
  const tf = require('@tensorflow/tfjs-core');
  const samples = [0, 1].map((i) => syntheticSample(size, classes, 1000 + i));
  const data = { images: samples.map((s) => s.image), masks: samples.map((s) => s.mask), size };
  const model = engine.buildAttentionUnet({ inputSize: size, classes, seed: 42, dropout });
  const trainableParams = model.trainableWeights.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0);
  const allParams = model.weights.reduce((s, w) => s + w.shape.reduce((a, b) => a * b, 1), 0);
  model.dispose();

  const controller = new AbortController();
  const cumulative = [0];
  const losses = [];
  const t0 = performance.now();
  let trained = null;
  let aborted = false;
  try {
    if (warmup + steps > 0) trained = await engine.trainSegmentation(data, {
      classes, epochs: warmup + steps, batchSize: 2, learningRate: 1e-3, seed: 42, dropout, signal: controller.signal,
      onProgress: (p) => {
        cumulative.push(p.seconds);
        losses.push(p.loss);
        const timed = p.epoch - warmup;
        if (timed >= 1 && p.epoch < p.epochs && (performance.now() - t0) / 1000 > budget) controller.abort();
      },
    });
  } catch (e) {
    if (!(e instanceof engine.CancelledError)) throw e;
    aborted = true;
  }
  const stepSeconds = cumulative.slice(1).map((c, i) => c - cumulative[i]);
  const timedSteps = stepSeconds.slice(warmup);
  const trainPeakMb = peakMb();

  // Inference on the trained model (or a fresh one when training was cut short: same cost).
  const model2 = trained ? trained.model : engine.buildAttentionUnet({ inputSize: size, classes, seed: 42, dropout });
  const inferTimes = [];
  let entropy = null;
  for (let i = 0; i <= infer; i++) {
    const t = performance.now();
    const pred = engine.predict(model2, samples[i % 2].image, size);
    const dt = (performance.now() - t) / 1000;
    if (i > 0) inferTimes.push(dt);
    entropy = pred.meanEntropy;
  }
  model2.dispose();
  return {
    backend, size, classes, dropout, compute: describe(info), trainableParams, allParams,
    warmupSeconds: stepSeconds.slice(0, warmup), stepSeconds: timedSteps, stepMedian: median(timedSteps), trainPerImage: median(timedSteps) === null ? null : median(timedSteps) / 2,
    stepsRequested: steps, stepsDone: timedSteps.length, cutByBudget: aborted,
    losses, inferSeconds: inferTimes, inferPerImage: median(inferTimes), meanEntropy: entropy,
    trainPeakMb, peakMb: peakMb(), tensorsLeft: tf.memory().numTensors,
  };
}

async function encoders(args) {
  const [backend, countS, sizeS, modelDir, repsS] = args;
  const reps = Math.max(1, Number(repsS ?? 2));
  const count = Number(countS);
  const size = Number(sizeS);
  const { info, unavailable } = await init(backend);
  if (unavailable) return unavailable;
  const images = Array.from({ length: count }, (_, i) => {
    const { image } = syntheticSample(size, 3, 2000 + i);
    return { width: size, height: size, data: image };
  });
  const registry = engine.createEncoderRegistry();
  const results = [];
  const specs = [
    { id: 'intensity-texture', options: {} },
    { id: 'tfjs-model', label: `tfjs-model (${path.basename(path.dirname(modelDir))})`, options: { model: modelDir } },
  ];
  for (const spec of specs) {
    const label = spec.label ?? spec.id;
    if (spec.options.model !== undefined && !fs.existsSync(spec.options.model)) {
      results.push({ encoder: label, skipped: `model not found: ${spec.options.model}` });
      continue;
    }
    try {
      const before = peakMb();
      const encoder = await registry.get(spec.id).create(spec.options);
      results.push({ encoder: label, ...(await timeEmbed(encoder, images, reps)), peakMbBefore: before });
      encoder.dispose();
    } catch (e) {
      results.push({ encoder: label, error: e instanceof Error ? e.message : String(e) });
    }
  }
  for (const inputSize of [64, 128]) results.push(...(await siteTrained(images, inputSize, reps)));
  return { backend, compute: describe(info), count, size, encoders: results, peakMb: peakMb() };
}

/** `embed` of `images` after a warm-up call on up to 4 of them; the best of `reps` calls gives images/s. */
async function timeEmbed(encoder, images, reps) {
  await encoder.embed(images.slice(0, Math.min(4, images.length)));
  const times = [];
  for (let r = 0; r < reps; r++) {
    const t = performance.now();
    const out = await encoder.embed(images);
    times.push((performance.now() - t) / 1000);
    if (out.length !== images.length * encoder.dimensions()) throw new Error(`embed returned ${out.length} values`);
  }
  return { dimensions: encoder.dimensions(), seconds: times, imagesPerSecond: images.length / Math.min(...times), peakMb: peakMb() };
}

/**
 * The site-trained encoder's cost: `trainSelfSupervised` (SimCLR, default batch 32 and network) on
 * the images at its input size for SSL_EPOCHS epochs; the first epoch (model build, kernel
 * compilation) is discarded and the median of the others gives seconds per 1,000 images per
 * epoch. Then the trained encoder's `embed` and the combined `intensity-texture+self-supervised`,
 * timed as the other encoders.
 */
async function siteTrained(images, inputSize, reps) {
  const label = `self-supervised ${inputSize}²`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-ssl-'));
  try {
    const epochSeconds = [];
    let last = 0;
    const training = await engine.trainSelfSupervised(images, {
      seed: 1, epochs: SSL_EPOCHS, inputSize,
      onProgress: (p) => { epochSeconds.push(p.seconds - last); last = p.seconds; },
    });
    const perEpoch = median(epochSeconds.slice(1));
    const encoder = await engine.SelfSupervisedEncoder.create(training.representation, { training: training.summary });
    await engine.saveSelfSupervisedEncoder(encoder, dir);
    encoder.dispose();
    const train = { encoder: `${label} training`, trainSecondsPer1000ImageEpochs: (perEpoch / images.length) * 1000, epochs: SSL_EPOCHS, images: images.length, peakMb: peakMb() };
    const timed = [];
    for (const spec of ['self-supervised', 'intensity-texture+self-supervised']) {
      const e = await engine.createEncoder(engine.createEncoderRegistry(), spec, { model: dir });
      timed.push({ encoder: spec === 'self-supervised' ? label : `intensity-texture+${label}`, ...(await timeEmbed(e, images, reps)) });
      e.dispose();
    }
    return [train, ...timed];
  } catch (e) {
    return [{ encoder: label, error: e instanceof Error ? e.message : String(e) }];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Epochs of the site-trained encoder's timed training (the first is discarded). */
const SSL_EPOCHS = 4;

async function gradients(args) {
  const [backend, sizeS, out] = args;
  const size = Number(sizeS);
  const { info, unavailable } = await init(backend);
  if (unavailable) return unavailable;
  const tf = require('@tensorflow/tfjs-core');
  const model = engine.buildAttentionUnet({ inputSize: size, classes: 3, seed: 1 });
  const samples = [0, 1].map((i) => syntheticSample(size, 3, 3000 + i));
  const x = tf.tensor4d(Float32Array.from(samples.flatMap((s) => Array.from(s.image))), [2, size, size, 1]);
  const y = tf.oneHot(tf.tensor3d(Int32Array.from(samples.flatMap((s) => Array.from(s.mask))), [2, size, size], 'int32'), 3);
  const variables = model.trainableWeights.map((w) => w.read());
  const { grads } = tf.variableGrads(() => engine.diceCeLoss(y, model.apply(x, { training: true })), variables);
  const parts = [];
  for (const v of variables) parts.push(await grads[v.name].data());
  const total = parts.reduce((n, p) => n + p.length, 0);
  const flat = new Float32Array(total);
  let o = 0;
  for (const p of parts) { flat.set(p, o); o += p.length; }
  fs.writeFileSync(out, Buffer.from(flat.buffer));
  return { backend, compute: describe(info), size, tensors: parts.map((p) => p.length) };
}

async function main() {
  const [mode, ...rest] = process.argv.slice(2);
  const result = mode === 'unet' ? await unet(rest) : mode === 'encoders' ? await encoders(rest) : mode === 'gradients' ? await gradients(rest) : null;
  if (result === null) throw new Error(`unknown mode ${mode}`);
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().catch((e) => {
  process.stderr.write(String(e && e.stack ? e.stack : e) + '\n');
  process.exit(1);
});
