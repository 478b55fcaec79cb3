import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-layers registers the gradients of every op (tf.grads below needs them).
import '@tensorflow/tfjs-layers';
import { createRng } from '../random/rng';
import {
  BATCH_NORM_TRAINING_KERNEL, batchNormTraining, INSTANCE_NORM_KERNEL, instanceNorm, MOVING_AVERAGES_KERNEL, movingAverages, NORMALIZATION_GRAD_KERNEL,
} from './nativeNormalization';
import { NATIVE_ADDON_PATH } from './nativeKernels';
import type { NativeAddon } from './nativeHeap';
import { relativeError } from './relativeError';
import { describeOnNativeWasm } from './nativeTestSuite';

// The addon is optional; as in nativeKernels.test.ts, CI requires it (SCANSELECT_REQUIRE_NATIVE=1).

const EPSILON = 1e-5;
/** Relative error allowed against cpu: its float32 sums differ from the kernels' double ones by up to ~1e-6 here. */
const TOLERANCE = 1e-5;

function gaussian(n: number, seed: number, mean = 0, sd = 1): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => mean + sd * rng.nextGaussian());
}

/** Number of elements whose bits differ (Object.is). */
function differing(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) n++;
  return n;
}

/** tfjs-layers' `normalizeBatchInTraining` for the channel axis last: the stock path the kernel replaces. */
function stockBatchNormTraining(x: tf.Tensor, scale: tf.Tensor, offset: tf.Tensor): { y: tf.Tensor; mean: tf.Tensor; variance: tf.Tensor } {
  const { mean, variance } = tf.moments(x, x.shape.slice(0, -1).map((_, i) => i));
  return { y: tf.batchNorm(x, mean, variance, offset, scale, EPSILON), mean, variance };
}

interface Case {
  readonly label: string;
  readonly shape: number[];
  /** Mean and spread of x: a large mean relative to the spread tests the variance's cancellation. */
  readonly mean: number;
  readonly sd: number;
}

const CASES: Case[] = [
  { label: 'NHWC [2,12,12,8]', shape: [2, 12, 12, 8], mean: 0, sd: 1 },
  { label: 'offset mean [2,9,7,5]', shape: [2, 9, 7, 5], mean: 20, sd: 0.5 },
  { label: 'one channel [3,16,16,1]', shape: [3, 16, 16, 1], mean: -1, sd: 3 },
  { label: 'rank 2 [64,3]', shape: [64, 3], mean: 0.5, sd: 2 },
];

interface Inputs {
  x: Float32Array;
  scale: Float32Array;
  offset: Float32Array;
  /** Weights of the test loss Σ y·wy + Σ mean·wm + Σ variance·wv (so every output's gradient is exercised). */
  wy: Float32Array;
  wm: Float32Array;
  wv: Float32Array;
}

function inputsFor(c: Case, seed: number): Inputs {
  const n = c.shape.reduce((a, b) => a * b, 1);
  const channels = c.shape[c.shape.length - 1]!;
  return {
    x: gaussian(n, seed, c.mean, c.sd),
    scale: gaussian(channels, seed + 1, 1, 0.3),
    offset: gaussian(channels, seed + 2, 0, 0.3),
    wy: gaussian(n, seed + 3),
    wm: gaussian(channels, seed + 4),
    wv: gaussian(channels, seed + 5),
  };
}

/** Outputs and the gradients wrt x, scale and offset of the test loss on the active backend. */
async function run(c: Case, v: Inputs, native: boolean): Promise<Record<string, Float32Array>> {
  const channels = c.shape[c.shape.length - 1]!;
  const [x, scale, offset, wy, wm, wv] = [tf.tensor(v.x, c.shape), tf.tensor1d(v.scale), tf.tensor1d(v.offset), tf.tensor(v.wy, c.shape), tf.tensor1d(v.wm), tf.tensor1d(v.wv)];
  const forward = (xs: tf.Tensor, s: tf.Tensor, o: tf.Tensor): { y: tf.Tensor; mean: tf.Tensor; variance: tf.Tensor } => {
    if (!native) return stockBatchNormTraining(xs, s, o);
    const r = batchNormTraining(xs, s, o, EPSILON);
    if (r === undefined) throw new Error('batchNormTraining did not apply');
    return r;
  };
  const outputs = forward(x, scale, offset);
  const loss = (xs: tf.Tensor, s: tf.Tensor, o: tf.Tensor): tf.Scalar => {
    const r = forward(xs, s, o);
    return tf.addN([tf.sum(tf.mul(r.y, wy)), tf.sum(tf.mul(tf.reshape(r.mean, [channels]), wm)), tf.sum(tf.mul(tf.reshape(r.variance, [channels]), wv))]) as tf.Scalar;
  };
  const [dx, dScale, dOffset] = tf.grads(loss)([x, scale, offset]);
  const out: Record<string, Float32Array> = {};
  const all: Record<string, tf.Tensor> = { y: outputs.y, mean: outputs.mean, variance: outputs.variance, dx: dx!, dScale: dScale!, dOffset: dOffset! };
  for (const [name, t] of Object.entries(all)) out[name] = (await t.data()) as Float32Array;
  tf.dispose([x, scale, offset, wy, wm, wv, ...Object.values(all)]);
  return out;
}

describeOnNativeWasm('native batch normalisation in training mode (wasm)', () => {

  it.each(CASES)('forward equals the stock wasm path bit for bit: $label', async (c) => {
    await tf.setBackend('wasm');
    const v = inputsFor(c, 11);
    const stock = await run(c, v, false);
    const native = await run(c, v, true);
    for (const name of ['y', 'mean', 'variance']) expect({ name, differing: differing(native[name]!, stock[name]!) }).toEqual({ name, differing: 0 });
  });

  it.each(CASES)('gradients wrt x, scale and offset match the cpu backend: $label', async (c) => {
    const v = inputsFor(c, 21);
    await tf.setBackend('cpu');
    const expected = await run(c, v, false);
    await tf.setBackend('wasm');
    const actual = await run(c, v, true);
    for (const name of ['y', 'mean', 'variance', 'dx', 'dScale', 'dOffset']) {
      const err = relativeError(actual[name]!, expected[name]!);
      expect({ name, ok: err <= TOLERANCE, err }).toEqual({ name, ok: true, err });
    }
  });

  it('gives the same bits with one thread as with several (large enough to be split)', async () => {
    await tf.setBackend('wasm');
    // The same module instance the kernels use (Node caches addons by path).
    const addon = (module.require as (id: string) => NativeAddon)(NATIVE_ADDON_PATH);
    const c: Case = { label: 'large', shape: [2, 64, 64, 16], mean: 1, sd: 2 };
    const v = inputsFor(c, 41);
    try {
      addon.elementwiseThreads(1);
      const one = await run(c, v, true);
      addon.elementwiseThreads(4);
      const several = await run(c, v, true);
      for (const name of Object.keys(one)) expect({ name, differing: differing(several[name]!, one[name]!) }).toEqual({ name, differing: 0 });
    } finally {
      addon.elementwiseThreads(0);
    }
  });

  it('updates the moving statistics bit for bit as tfjs-layers does', async () => {
    await tf.setBackend('wasm');
    const channels = 37;
    const [movingMean, movingVariance, mean, variance] = [1, 2, 3, 4].map((s) => tf.tensor1d(gaussian(channels, s, 0, 5)));
    const momentum = 0.9;
    const batch = { y: mean!, mean: mean as tf.Tensor1D, variance: variance as tf.Tensor1D };
    const native = movingAverages({ mean: movingMean!, variance: movingVariance! }, batch, momentum);
    expect(native).toBeDefined();
    const stock = [[movingMean!, mean!], [movingVariance!, variance!]].map(([m, b]) => tf.sub(m!, tf.mul(tf.sub(m!, b!), 1 - momentum)));
    for (let k = 0; k < 2; k++) expect(differing(await native![k]!.data(), await stock[k]!.data())).toBe(0);
    tf.dispose([movingMean!, movingVariance!, mean!, variance!, ...native!, ...stock]);
  });

  it('frees everything but its results, forward and backward', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const x = tf.tensor(gaussian(2 * 8 * 8 * 4, 5), [2, 8, 8, 4]);
    const scale = tf.ones([4]);
    const offset = tf.zeros([4]);
    const grads = tf.grads((a: tf.Tensor, s: tf.Tensor, o: tf.Tensor) => tf.sum(tf.square(batchNormTraining(a, s, o, EPSILON)!.y)))([x, scale, offset]);
    tf.dispose([x, scale, offset, ...grads]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('does not apply on another backend, to integer tensors or to scale and offset of another size', async () => {
    await tf.setBackend('wasm');
    const x = tf.zeros([2, 4, 4, 3]);
    expect(batchNormTraining(x, tf.ones([4]), tf.zeros([4]), EPSILON)).toBeUndefined();
    expect(batchNormTraining(tf.zeros([2, 4, 4, 3], 'int32'), tf.ones([3]), tf.zeros([3]), EPSILON)).toBeUndefined();
    await tf.setBackend('cpu');
    expect(batchNormTraining(tf.zeros([2, 4, 4, 3]), tf.ones([3]), tf.zeros([3]), EPSILON)).toBeUndefined();
    expect(movingAverages({ mean: tf.zeros([3]), variance: tf.ones([3]) }, { y: x, mean: tf.zeros([3]), variance: tf.ones([3]) }, 0.9)).toBeUndefined();
    await tf.setBackend('wasm');
  });
}, [BATCH_NORM_TRAINING_KERNEL, INSTANCE_NORM_KERNEL, NORMALIZATION_GRAD_KERNEL, MOVING_AVERAGES_KERNEL]);

/** The stock InstanceNormalization formula (../models/instanceNormalization), or the native op. */
function instanceNormOf(x: tf.Tensor, native: boolean): tf.Tensor {
  if (native) {
    const y = instanceNorm(x, EPSILON);
    if (y === undefined) throw new Error('instanceNorm did not apply');
    return y;
  }
  const { mean, variance } = tf.moments(x, [1, 2], true);
  return tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, EPSILON)));
}

/** y and dx of Σ y·w for instance normalisation on the active backend. */
async function runInstance(shape: number[], x: Float32Array, w: Float32Array, native: boolean): Promise<{ y: Float32Array; dx: Float32Array }> {
  const [xt, wt] = [tf.tensor(x, shape), tf.tensor(w, shape)];
  const y = instanceNormOf(xt, native);
  const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(instanceNormOf(t, native), wt)))(xt);
  const out = { y: (await y.data()) as Float32Array, dx: (await dx.data()) as Float32Array };
  tf.dispose([xt, wt, y, dx]);
  return out;
}

const INSTANCE_CASES: Case[] = [
  { label: 'NHWC [2,12,12,8]', shape: [2, 12, 12, 8], mean: 0, sd: 1 },
  { label: 'offset mean [3,5,7,4]', shape: [3, 5, 7, 4], mean: -15, sd: 0.5 },
  { label: 'one image, one channel [1,16,16,1]', shape: [1, 16, 16, 1], mean: 2, sd: 3 },
];

describeOnNativeWasm('native instance normalisation (wasm)', () => {

  it.each(INSTANCE_CASES)('forward equals the stock wasm formula bit for bit, gradient matches cpu: $label', async (c) => {
    const n = c.shape.reduce((a, b) => a * b, 1);
    const x = gaussian(n, 31, c.mean, c.sd);
    const w = gaussian(n, 32);
    await tf.setBackend('wasm');
    const stockWasm = await runInstance(c.shape, x, w, false);
    const native = await runInstance(c.shape, x, w, true);
    expect(differing(native.y, stockWasm.y)).toBe(0);
    await tf.setBackend('cpu');
    const cpu = await runInstance(c.shape, x, w, false);
    for (const name of ['y', 'dx'] as const) {
      const err = relativeError(native[name], cpu[name]);
      expect({ name, ok: err <= TOLERANCE, err }).toEqual({ name, ok: true, err });
    }
  });

  it('does not apply on cpu or to integer tensors', async () => {
    await tf.setBackend('wasm');
    expect(instanceNorm(tf.zeros([2, 4, 4, 3], 'int32'), EPSILON)).toBeUndefined();
    await tf.setBackend('cpu');
    expect(instanceNorm(tf.zeros([2, 4, 4, 3]), EPSILON)).toBeUndefined();
  });
});
