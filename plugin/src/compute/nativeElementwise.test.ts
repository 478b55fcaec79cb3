import * as fs from 'fs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-layers registers the gradients of every op (tf.grads below needs them).
import '@tensorflow/tfjs-layers';
import { AdamOptimizer, getKernel, registerKernel, Select, unregisterKernel } from '@tensorflow/tfjs-core';
import { createRng } from '../random/rng';
import { initCompute, resetComputeCache } from './backend';
import { adamOptimizer, FUSED_ADAM_KERNEL, FusedAdamOptimizer } from './nativeAdam';
import { broadcastSpace, elementwiseMakers, NATIVE_ELEMENTWISE_KERNEL_NAMES, NATIVE_ELEMENTWISE_MIN_SIZE } from './nativeElementwise';
import { NATIVE_ADDON_PATH } from './nativeKernels';
import type { NativeAddon } from './nativeHeap';

// The addon is optional; as in nativeKernels.test.ts, CI requires it (SCANSELECT_REQUIRE_NATIVE=1).
const built = fs.existsSync(NATIVE_ADDON_PATH);
const required = process.env.SCANSELECT_REQUIRE_NATIVE === '1';

const count = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** Gaussian values with zeros, −0, ±∞ and NaN sprinkled in (every op must treat them as cpu does). */
function data(shape: readonly number[], seed: number, specials = true): Float32Array {
  const rng = createRng(seed);
  const out = Float32Array.from({ length: count(shape) }, () => rng.nextGaussian());
  const special = [0, -0, Infinity, -Infinity, NaN, 1e-40];
  if (specials && out.length >= 64) for (let i = 0; i < special.length; i++) out[(i * 37 + seed) % out.length] = special[i]!;
  return out;
}

/** Number of elements whose values differ (Object.is: NaN equals NaN, −0 differs from 0). */
function differing(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) n++;
  return n;
}

/** `f` on fresh copies of the inputs on `backend`: the result's values, shape and dtype. */
async function on(backend: string, f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: Array<{ values: Float32Array | Int32Array | Uint8Array; shape: number[]; dtype?: tf.DataType }>): Promise<{ values: ArrayLike<number>; shape: number[]; dtype: string }> {
  await tf.setBackend(backend);
  const xs = inputs.map(({ values, shape, dtype }) => tf.tensor(values, shape, dtype ?? 'float32'));
  const y = f(...xs);
  const out = { values: await y.data(), shape: y.shape, dtype: y.dtype };
  tf.dispose([y, ...xs]);
  return out;
}

/** Runs `f` on cpu and on wasm and expects the same shape, dtype and bits (`label` names the case in a failure). */
async function expectSameAsCpu(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: Parameters<typeof on>[2], label = ''): Promise<void> {
  const cpu = await on('cpu', f, inputs);
  const wasm = await on('wasm', f, inputs);
  expect({ label, shape: wasm.shape, dtype: wasm.dtype, differing: differing(wasm.values, cpu.values) }).toEqual({ label, shape: cpu.shape, dtype: cpu.dtype, differing: 0 });
}

describe('broadcastSpace', () => {
  it('merges NHWC broadcasts into at most 4 dimensions with 0 strides where an input repeats', () => {
    expect(broadcastSpace([2, 128, 128, 16], [2, 128, 128, 16], [16])).toEqual([1, 1, 32768, 16, 0, 0, 16, 1, 0, 0, 0, 1]);
    expect(broadcastSpace([2, 128, 128, 16], [1, 1, 1, 16], [2, 128, 128, 16])).toEqual([1, 1, 32768, 16, 0, 0, 0, 1, 0, 0, 16, 1]);
    expect(broadcastSpace([2, 8, 8, 16], [2, 8, 8, 16], [2, 1, 1, 16])).toEqual([1, 2, 64, 16, 0, 1024, 16, 1, 0, 16, 0, 1]);
    expect(broadcastSpace([2, 8, 8, 16], [2, 8, 8, 16], [2, 8, 8, 1])).toEqual([1, 1, 128, 16, 0, 0, 16, 1, 0, 0, 1, 0]);
    expect(broadcastSpace([2, 8, 8, 16], [2, 8, 8, 16], [])).toEqual([1, 1, 1, 2048, 0, 0, 0, 1, 0, 0, 0, 0]);
    expect(broadcastSpace([2, 8, 8, 16], [2, 8, 8, 16], [2, 8, 8, 16])).toEqual([1, 1, 1, 2048, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect(broadcastSpace([3, 50, 40], [3, 1, 40], [1, 50, 1])).toEqual([1, 3, 50, 40, 0, 40, 0, 1, 0, 0, 1, 0]);
    expect(broadcastSpace([4, 8, 8, 8, 16], [4, 1, 8, 1, 16], [1, 8, 1, 8, 1])).toBeUndefined();
  });
});

(built || required ? describe : describe.skip)('native elementwise kernels and fused Adam on the wasm backend', () => {
  let previousBackend: string | undefined;
  let addon: NativeAddon;

  beforeAll(async () => {
    previousBackend = tf.getBackend() as string | undefined;
    const info = await initCompute({ backend: 'wasm' });
    expect(info.wasm?.nativeKernels.kernels).toEqual(expect.arrayContaining([...NATIVE_ELEMENTWISE_KERNEL_NAMES, FUSED_ADAM_KERNEL]));
    // The same module instance the kernels use (Node caches addons by path).
    addon = (module.require as (id: string) => NativeAddon)(NATIVE_ADDON_PATH);
  });

  afterAll(async () => {
    addon.elementwiseThreads(0);
    resetComputeCache();
    if (previousBackend !== undefined) await tf.setBackend(previousBackend);
  });

  it('registers every kernel on wasm', () => {
    for (const name of [...NATIVE_ELEMENTWISE_KERNEL_NAMES, FUSED_ADAM_KERNEL]) expect(getKernel(name, 'wasm')).toBeDefined();
  });

  /**
   * Runs `body` with the elementwise kernels made on a counting wrapper of the addon (falling back
   * to the registered ones), and returns how many calls reached the addon.
   */
  async function nativeCalls(body: () => Promise<void>): Promise<number> {
    let calls = 0;
    const counted = <A extends unknown[]>(f: (...a: A) => void) => ({ value: (...a: A): void => { calls++; f(...a); } });
    const counting = Object.create(addon, { binary: counted(addon.binary), select: counted(addon.select) }) as NativeAddon;
    const registered = NATIVE_ELEMENTWISE_KERNEL_NAMES.map((name) => getKernel(name, 'wasm')!);
    const makers = elementwiseMakers(counting);
    for (const k of registered) {
      unregisterKernel(k.kernelName, 'wasm');
      registerKernel({ kernelName: k.kernelName, backendName: 'wasm', kernelFunc: makers[k.kernelName]!(k) });
    }
    try {
      await body();
    } finally {
      for (const k of registered) {
        unregisterKernel(k.kernelName, 'wasm');
        registerKernel(k);
      }
    }
    return calls;
  }

  // Label, shapes, and whether arithmetic / comparisons run natively (all outputs ≥ the threshold).
  const BROADCASTS: Array<[string, number[], number[], boolean, boolean]> = [
    ['[N,H,W,C]⊙[C]', [2, 16, 16, 16], [16], true, true],
    ['[C]⊙[N,H,W,C]', [16], [2, 16, 16, 16], true, true],
    ['[1,1,1,C]⊙[N,H,W,C]', [1, 1, 1, 16], [2, 16, 16, 16], true, true],
    ['[N,H,W,C]⊙[N,1,1,C] (instance norm)', [2, 16, 16, 16], [2, 1, 1, 16], true, true],
    ['[N,H,W,C]⊙[N,H,W,1] (attention gate)', [2, 16, 16, 16], [2, 16, 16, 1], true, true],
    ['[N,H,W,1]⊙[N,H,W,C]', [2, 16, 16, 1], [2, 16, 16, 16], true, true],
    ['outer [3,1,40]⊙[1,50,1]', [3, 1, 40], [1, 50, 1], true, true],
    ['long rows [4,20000]⊙[4,1]', [4, 20000], [4, 1], true, true],
    ['rank 5 with 5 merged dimensions (wasm)', [4, 1, 8, 1, 16], [1, 8, 1, 8, 1], false, false],
    ['same shape (arithmetic on wasm)', [2, 16, 16, 16], [2, 16, 16, 16], false, true],
    ['tensor and scalar (arithmetic on wasm)', [2, 16, 16, 16], [], false, true],
  ];
  const ARITHMETIC: Array<[string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor]> = [['Add', tf.add], ['Sub', tf.sub], ['Multiply', tf.mul], ['RealDiv', tf.div]];
  const COMPARISONS: Array<[string, (a: tf.Tensor, b: tf.Tensor) => tf.Tensor]> = [
    ['Greater', tf.greater], ['GreaterEqual', tf.greaterEqual], ['Less', tf.less], ['LessEqual', tf.lessEqual],
  ];

  it.each(BROADCASTS)('binary kernels equal cpu bit for bit: %s', async (_l, aShape, bShape, arithmeticNative, comparisonNative) => {
    expect(count(tf.backend_util.assertAndGetBroadcastShape(aShape, bShape))).toBeGreaterThanOrEqual(NATIVE_ELEMENTWISE_MIN_SIZE);
    const inputs = [{ values: data(aShape, 1), shape: aShape }, { values: data(bShape, 2), shape: bShape }];
    const run = (ops: typeof ARITHMETIC) => async (): Promise<void> => {
      for (const [name, op] of ops) await expectSameAsCpu(op, inputs, name);
    };
    expect(await nativeCalls(run(ARITHMETIC))).toBe(arithmeticNative ? ARITHMETIC.length : 0);
    expect(await nativeCalls(run(COMPARISONS))).toBe(comparisonNative ? COMPARISONS.length : 0);
    // Comparisons of equal values too (>= against >).
    for (const [name, op] of COMPARISONS) await expectSameAsCpu(op, [inputs[0]!, inputs[0]!], `${name} of equal values`);
  });

  it.each([
    ['shared slope [1,1,1]', [1, 1, 1]],
    ['per-channel slopes [C]', [16]],
  ])('Prelu equals cpu bit for bit: %s', async (_l, alphaShape) => {
    expect(await nativeCalls(() => expectSameAsCpu((x, a) => tf.prelu(x, a), [{ values: data([2, 16, 16, 16], 3), shape: [2, 16, 16, 16] }, { values: data(alphaShape, 4, false), shape: alphaShape }]))).toBe(1);
  });

  it('Select equals cpu bit for bit, and a 1-D condition goes to the wasm kernel', async () => {
    const shape = [2, 16, 16, 16];
    const rng = createRng(5);
    const condition = { values: Uint8Array.from({ length: count(shape) }, () => (rng.nextFloat() < 0.5 ? 1 : 0)), shape, dtype: 'bool' as const };
    const branches = [{ values: data(shape, 6), shape }, { values: data(shape, 7), shape }];
    expect(await nativeCalls(() => expectSameAsCpu((c, t, e) => tf.where(c, t, e), [condition, ...branches]))).toBe(1);
    const rows = { values: Uint8Array.from([1, 0]), shape: [2], dtype: 'bool' as const };
    expect(await nativeCalls(() => expectSameAsCpu((c, t, e) => tf.engine().runKernel(Select, { condition: c, t, e }) as tf.Tensor, [rows, ...branches]))).toBe(0);
  });

  it('leaves integers and small tensors to the wasm kernels', async () => {
    const ints = (seed: number): Int32Array => Int32Array.from(data([2, 16, 16, 16], seed, false), (v) => Math.round(10 * v));
    const calls = await nativeCalls(async () => {
      for (const op of [tf.add, tf.sub, tf.mul, tf.greater]) {
        await expectSameAsCpu(op, [{ values: ints(8), shape: [2, 16, 16, 16], dtype: 'int32' }, { values: ints(9).slice(0, 16), shape: [16], dtype: 'int32' }]);
        await expectSameAsCpu(op, [{ values: data([3, 4, 5], 10), shape: [3, 4, 5] }, { values: data([5], 11), shape: [5] }]);
      }
    });
    expect(calls).toBe(0);
  });

  it('gives the same bits on one thread and on several', async () => {
    await tf.setBackend('wasm');
    // Short rows (per-channel) and long rows (split inside a row).
    for (const [aShape, bShape] of [[[2, 64, 64, 16], [16]], [[4, 40000], [4, 1]]]) {
      const a = tf.tensor(data(aShape!, 12), aShape);
      const b = tf.tensor(data(bShape!, 13, false), bShape);
      const run = async (threads: number): Promise<Float32Array> => {
        addon.elementwiseThreads(threads);
        const y = tf.div(a, b);
        const values = (await y.data()) as Float32Array;
        y.dispose();
        return values;
      };
      const one = await run(1);
      expect(differing(await run(0), one)).toBe(0);
      expect(differing(await run(3), one)).toBe(0);
      addon.elementwiseThreads(0);
      tf.dispose([a, b]);
    }
  });

  /** Five Adam steps on fixed gradients (no backend-dependent gradient): weights, moments, iterations. */
  async function adamSteps(backend: string, fused: boolean): Promise<Float32Array[]> {
    await tf.setBackend(backend);
    const shapes = [[3, 3, 8, 16], [16], [5000], [1], [0, 4]];
    const vars = shapes.map((s, i) => tf.variable(tf.tensor(data(s, 20 + i, false), s), true, `adamTest_${backend}_${fused}_${i}`));
    const optimizer = fused ? adamOptimizer(1e-3, 0.9, 0.999, 1e-8) : tf.train.adam(1e-3, 0.9, 0.999, 1e-8);
    for (let step = 0; step < 5; step++) {
      const grads = vars.map((v, i) => ({ name: v.name, tensor: tf.tensor(data(v.shape, 100 * step + i, false), v.shape) }));
      const { kernelNames } = await tf.profile(() => optimizer.applyGradients(grads));
      // One fused kernel per variable, or tfjs' op chain.
      expect(kernelNames.includes(FUSED_ADAM_KERNEL)).toBe(fused && backend === 'wasm');
      expect(kernelNames.includes('Sqrt')).toBe(!(fused && backend === 'wasm'));
      tf.dispose(grads.map((g) => g.tensor));
    }
    const weights = await optimizer.getWeights();
    const out = [...vars, ...weights.map((w) => w.tensor)].map((t) => Float32Array.from(t.dataSync()));
    expect(weights.slice(1).map((w) => w.name)).toEqual([...vars.map((v) => `${v.name}/m`), ...vars.map((v) => `${v.name}/v`)]);
    optimizer.dispose();
    tf.dispose([...vars, weights[0]!.tensor]);
    return out;
  }

  it('fused Adam gives the stock optimizer\'s weights and moments bit for bit (wasm and cpu)', async () => {
    const fused = await adamSteps('wasm', true);
    const stock = await adamSteps('wasm', false);
    const cpu = await adamSteps('cpu', true);
    expect(fused).toHaveLength(16);
    fused.forEach((values, i) => {
      expect(differing(values, stock[i]!)).toBe(0);
      expect(differing(values, cpu[i]!)).toBe(0);
    });
    // Iterations: the optimizer's first weight, after the 5 variables (one of them empty).
    expect(fused[5]![0]).toBe(5);
  });

  it('fused Adam hands a gradient of another shape to the stock update, with the stock result; tfjs\' own Adam is untouched', async () => {
    await tf.setBackend('wasm');
    const run = async (fused: boolean): Promise<Float32Array> => {
      const ones = tf.ones([4, 3]);
      const v = tf.variable(ones, true, `adamBroadcast${fused}`);
      const optimizer = fused ? adamOptimizer(0.1, 0.9, 0.999, 1e-7) : tf.train.adam(0.1, 0.9, 0.999, 1e-7);
      const g = tf.tensor([1, -2, 3], [3]);
      const { kernelNames } = await tf.profile(() => optimizer.applyGradients([{ name: v.name, tensor: g }]));
      expect(kernelNames).not.toContain(FUSED_ADAM_KERNEL);
      const values = Float32Array.from(v.dataSync());
      tf.dispose([v, g, ones]);
      optimizer.dispose();
      return values;
    };
    expect(differing(await run(true), await run(false))).toBe(0);
    // tfjs' optimizers answer instanceof by duck typing, so compare the methods themselves.
    expect(tf.train.adam(0.1).applyGradients).toBe(AdamOptimizer.prototype.applyGradients);
    expect(adamOptimizer(0.1, 0.9, 0.999, 1e-7).applyGradients).toBe(FusedAdamOptimizer.prototype.applyGradients);
  });

  it('frees what it allocates', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const ids = tf.engine().backend.numDataIds();
    tf.tidy(() => {
      const x = tf.randomNormal([2, 16, 16, 16]);
      const c = tf.randomNormal([16]);
      const mask = tf.greater(x, 0);
      // The gradients of where, div, mul, add, sub and prelu run the native kernels (prelu's: Greater and Select).
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.add(tf.sum(tf.where(mask, tf.div(tf.mul(a, b), tf.add(b, 3)), tf.sub(a, b))), tf.sum(tf.prelu(a, b))))([x, c]);
      return tf.add(tf.sum(g[0]!), tf.sum(g[1]!));
    }).dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.engine().backend.numDataIds()).toBe(ids);
    // Three fused Adam steps; the moments go with optimizer.dispose().
    const v = tf.tidy(() => tf.variable(tf.randomNormal([64, 64])));
    const optimizer = tf.train.adam(1e-3, 0.9, 0.999, 1e-8);
    for (let step = 0; step < 3; step++) optimizer.minimize(() => tf.sum(tf.square(v)), false, [v]);
    optimizer.dispose();
    v.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.engine().backend.numDataIds()).toBe(ids);
  });

  it('refuses tensors outside the heap and malformed geometry, with a clear error', () => {
    const heap = new ArrayBuffer(4096);
    const space = [1, 1, 16, 16, 0, 0, 16, 1, 0, 0, 0, 1];
    expect(() => addon.binary(heap, 2, 0, 1024, 2048, space)).not.toThrow();
    expect(() => addon.binary(heap, 2, 0, 1024, 3200, space)).toThrow(/'out' lies outside the heap/);
    expect(() => addon.binary(heap, 2, 3200, 1024, 2048, space)).toThrow(/'a' lies outside the heap/);
    expect(() => addon.binary(heap, 2, 0, -4, 2048, space)).toThrow(/'b' lies outside the heap/);
    expect(() => addon.binary(heap, 2, 0, 1024, 2048, space.slice(1))).toThrow(/12 numbers/);
    expect(() => addon.binary(heap, 2, 0, 1024, 2048, [1, 1, 16, 16, 0, 0, 32, 2, 0, 0, 0, 1])).toThrow(/innermost strides/);
    expect(() => addon.binary(heap, 2, 0, 1024, 2048, [1, 1, 16, 16, 0, 0, 4e9, 1, 0, 0, 0, 1])).toThrow(/outside/);
    expect(() => addon.binary(heap, 7, 0, 1024, 2048, space)).toThrow(/unknown op/);
    expect(() => addon.select(heap, 0, 1024, 2048, 3072, 300)).toThrow(/'out' lies outside the heap/);
    expect(() => addon.adam(heap, 256, 0, 0, 0, 0, 0, 0, 1024, 2048, 3072, 0.9, 0.1, 0.999, 0.001, 1e-8, -1e-3)).not.toThrow();
    expect(() => addon.adam(heap, 300, 0, 0, 0, 0, 0, 0, 1024, 2048, 3072, 0.9, 0.1, 0.999, 0.001, 1e-8, -1e-3)).toThrow(/lies outside the heap/);
    expect(() => addon.elementwiseThreads(-1)).toThrow(/threads/);
  });
});
