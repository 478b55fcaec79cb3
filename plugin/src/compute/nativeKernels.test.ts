import * as fs from 'fs';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-layers registers the gradients of every op (tf.grads below needs them).
import '@tensorflow/tfjs-layers';
import { Conv2D, Conv2DBackpropFilter, Conv2DBackpropInput, FusedConv2D, getKernel } from '@tensorflow/tfjs-core';
import type { NamedAttrMap } from '@tensorflow/tfjs-core';
import { createRng } from '../random/rng';
import { initCompute, resetComputeCache } from './backend';
import { leadingReductionShape, NATIVE_ADDON_PATH, NATIVE_KERNEL_NAMES, NATIVE_KERNELS_ENV_VAR, registerNativeKernels } from './nativeKernels';
import { relativeError } from './relativeError';

// The addon is optional (npm run build:native needs libdnnl-dev). CI builds it and sets
// SCANSELECT_REQUIRE_NATIVE=1, so there a missing addon fails instead of skipping.
const built = fs.existsSync(NATIVE_ADDON_PATH);
const required = process.env.SCANSELECT_REQUIRE_NATIVE === '1';
const TOLERANCE = 1e-4;

function randomData(n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => rng.nextGaussian());
}

const count = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** Runs `kernel` on `backend` and returns the output values and shape. */
async function runOn(backend: string, kernel: string, inputs: Record<string, { data: Float32Array | Int32Array; shape: number[] }>, attrs: NamedAttrMap): Promise<{ values: Float32Array; shape: number[] }> {
  await tf.setBackend(backend);
  expect(tf.getBackend()).toBe(backend);
  const tensors: Record<string, tf.Tensor> = {};
  for (const [name, { data, shape }] of Object.entries(inputs)) tensors[name] = tf.tensor(data, shape, data instanceof Int32Array ? 'int32' : 'float32');
  const out = tf.engine().runKernel(kernel, tensors, attrs) as tf.Tensor;
  const values = Float32Array.from(await out.data());
  const shape = out.shape;
  tf.dispose([out, ...Object.values(tensors)]);
  return { values, shape };
}

async function compare(kernel: string, inputs: Parameters<typeof runOn>[2], attrs: NamedAttrMap): Promise<number> {
  const expected = await runOn('cpu', kernel, inputs, attrs);
  const actual = await runOn('wasm', kernel, inputs, attrs);
  expect(actual.shape).toEqual(expected.shape);
  return relativeError(actual.values, expected.values);
}

interface ConvCase { n: number; h: number; w: number; ci: number; co: number; k: number; stride: number; pad: 'same' | 'valid'; dilation?: number }
const CONV_CASES: ConvCase[] = [
  { n: 1, h: 8, w: 8, ci: 3, co: 4, k: 3, stride: 1, pad: 'same' },
  { n: 2, h: 9, w: 7, ci: 2, co: 5, k: 3, stride: 1, pad: 'valid' },
  { n: 3, h: 10, w: 10, ci: 4, co: 3, k: 3, stride: 2, pad: 'same' },
  { n: 1, h: 9, w: 11, ci: 3, co: 2, k: 3, stride: 2, pad: 'same' },
  { n: 2, h: 10, w: 9, ci: 2, co: 3, k: 3, stride: 2, pad: 'valid' },
  { n: 2, h: 7, w: 7, ci: 3, co: 2, k: 1, stride: 2, pad: 'same' },
  { n: 1, h: 8, w: 6, ci: 4, co: 3, k: 2, stride: 2, pad: 'same' },
  { n: 2, h: 12, w: 12, ci: 3, co: 4, k: 3, stride: 1, pad: 'same', dilation: 2 },
  { n: 2, h: 16, w: 16, ci: 16, co: 32, k: 3, stride: 1, pad: 'same' },
];
const convLabel = (c: ConvCase): string => `N${c.n} ${c.h}×${c.w} ${c.ci}→${c.co} k${c.k} s${c.stride} ${c.pad}${c.dilation ? ` d${c.dilation}` : ''}`;
const outSize = (n: number, c: ConvCase): number => {
  const k = (c.k - 1) * (c.dilation ?? 1) + 1;
  return c.pad === 'same' ? Math.ceil(n / c.stride) : Math.floor((n - k) / c.stride) + 1;
};

(built || required ? describe : describe.skip)('native kernels (oneDNN) on the wasm backend', () => {
  let previousBackend: string | undefined;

  beforeAll(async () => {
    previousBackend = tf.getBackend() as string | undefined;
    const info = await initCompute({ backend: 'wasm' });
    expect(info.backend).toBe('wasm');
    expect(info.wasm?.nativeKernels).toMatchObject({ active: true, kernels: [...NATIVE_KERNEL_NAMES] });
    // Registering again is a no-op.
    expect(registerNativeKernels().active).toBe(true);
  });

  afterAll(async () => {
    resetComputeCache();
    if (previousBackend !== undefined) await tf.setBackend(previousBackend);
  });

  it('replaces the wasm kernels', () => {
    for (const name of NATIVE_KERNEL_NAMES) expect(getKernel(name, 'wasm')).toBeDefined();
  });

  it.each(CONV_CASES.map((c, i) => [convLabel(c), c, i] as const))('Conv2D, FusedConv2D and both gradients match cpu: %s', async (_l, c, i) => {
    const xShape = [c.n, c.h, c.w, c.ci];
    const filterShape = [c.k, c.k, c.ci, c.co];
    const dyShape = [c.n, outSize(c.h, c), outSize(c.w, c), c.co];
    const x = { data: randomData(count(xShape), 10 + i), shape: xShape };
    const filter = { data: randomData(count(filterShape), 20 + i), shape: filterShape };
    const bias = { data: randomData(c.co, 30 + i), shape: [c.co] };
    const dy = { data: randomData(count(dyShape), 40 + i), shape: dyShape };
    const base = { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', dilations: c.dilation ?? 1 };
    expect(await compare(Conv2D, { x, filter }, base as NamedAttrMap)).toBeLessThanOrEqual(TOLERANCE);
    for (const activation of ['linear', 'relu', 'leakyrelu']) {
      const attrs = { ...base, activation, leakyreluAlpha: 0.1 } as NamedAttrMap;
      expect(await compare(FusedConv2D, { x, filter, bias }, attrs)).toBeLessThanOrEqual(TOLERANCE);
    }
    if ((c.dilation ?? 1) === 1) {
      expect(await compare(Conv2DBackpropInput, { dy, filter }, { ...base, inputShape: xShape } as NamedAttrMap)).toBeLessThanOrEqual(TOLERANCE);
      expect(await compare(Conv2DBackpropFilter, { x, dy }, { ...base, filterShape } as NamedAttrMap)).toBeLessThanOrEqual(TOLERANCE);
    }
  });

  it('leaves what it does not cover to the wasm kernels (prelu)', async () => {
    const x = { data: randomData(2 * 6 * 6 * 3, 1), shape: [2, 6, 6, 3] };
    const filter = { data: randomData(3 * 3 * 3 * 4, 2), shape: [3, 3, 3, 4] };
    const alpha = { data: randomData(4, 3), shape: [4] };
    const attrs = { strides: 1, pad: 'same', dataFormat: 'NHWC', dilations: 1, activation: 'prelu' } as NamedAttrMap;
    expect(await compare(FusedConv2D, { x, filter, preluActivationWeights: alpha }, attrs)).toBeLessThanOrEqual(TOLERANCE);
  });

  it.each([
    [[2, 6, 5, 4], [0, 1, 2], false],
    [[2, 6, 5, 4], [1, 2], true],
    [[2, 6, 5, 4], [2, 1], false],
    [[3, 4, 5], [0], true],
    [[2, 6, 5, 4], [3], false], // innermost: the wasm kernel
    [[2, 6, 5, 4], [0, 2], false], // not contiguous: the wasm kernel
    [[2, 6, 5, 4], [0, 1, 2, 3], false],
    [[7, 3], [-2], false],
  ] as const)('Sum and Mean match cpu: %j over %j (keepDims %s)', async (shape, axis, keepDims) => {
    const x = { data: randomData(count([...shape]), 5), shape: [...shape] };
    const attrs = { axis: [...axis], keepDims } as NamedAttrMap;
    expect(await compare('Sum', { x }, attrs)).toBeLessThanOrEqual(TOLERANCE);
    expect(await compare('Mean', { x }, attrs)).toBeLessThanOrEqual(TOLERANCE);
    const ints = { data: Int32Array.from(randomData(count([...shape]), 6), (v) => Math.round(10 * v)), shape: [...shape] };
    expect(await compare('Sum', { x: ints }, attrs)).toBe(0);
  });

  it.each([
    ['[C] statistics with offset and scale', [2, 5, 4, 3], [3], true],
    ['[1,1,1,C] statistics without offset and scale', [2, 5, 4, 3], [1, 1, 1, 3], false],
    ['2-D input', [6, 4], [4], true],
    ['full-shape statistics (the wasm kernel)', [1, 2, 2, 3], [1, 2, 2, 3], true],
  ] as const)('FusedBatchNorm matches cpu: %s', async (_l, shape, statShape, affine) => {
    const stat = (seed: number, positive = false): { data: Float32Array; shape: number[] } => {
      const data = randomData(count([...statShape]), seed);
      return { data: positive ? data.map((v) => v * v + 0.1) : data, shape: [...statShape] };
    };
    const inputs: Parameters<typeof runOn>[2] = { x: { data: randomData(count([...shape]), 50), shape: [...shape] }, mean: stat(51), variance: stat(52, true) };
    if (affine) Object.assign(inputs, { offset: stat(53), scale: stat(54) });
    expect(await compare('FusedBatchNorm', inputs, { varianceEpsilon: 1e-3 } as NamedAttrMap)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('LeakyRelu matches cpu exactly', async () => {
    const x = { data: randomData(2 * 7 * 5 * 3, 60), shape: [2, 7, 5, 3] };
    expect(await compare('LeakyRelu', { x }, { alpha: 0.1 } as NamedAttrMap)).toBe(0);
  });

  it.each([
    ['channels of NHWC', [[2, 3, 4, 5], [2, 3, 4, 2], [2, 3, 4, 1]], 3],
    ['axis 1, with an empty input', [[2, 1, 3], [2, 0, 3], [2, 4, 3]], 1],
    ['axis 0', [[1, 4], [3, 4]], 0],
    ['negative axis', [[3, 2], [3, 5]], -1],
  ] as const)('Concat matches cpu: %s', async (_l, shapes, axis) => {
    const inputs = shapes.map((shape, i) => tf.tensor(randomData(count([...shape]), 70 + i), [...shape]));
    const results: Float32Array[] = [];
    for (const backend of ['cpu', 'wasm']) {
      await tf.setBackend(backend);
      const moved = inputs.map((t) => tf.tensor(t.dataSync(), t.shape));
      const y = tf.concat(moved, axis);
      results.push(Float32Array.from(await y.data()));
      tf.dispose([y, ...moved]);
    }
    expect(relativeError(results[1]!, results[0]!)).toBe(0);
    tf.dispose(inputs);
  });

  it.each([
    ['channels of NHWC into sizes', [2, 3, 4, 6], [1, 3, 2], 3],
    ['axis 1 into 3 equal parts', [2, 6, 5], 3, 1],
    ['with −1 for the rest', [4, 7], [2, -1], 1],
    ['axis 0', [6, 3], [1, 5], 0],
  ] as const)('SplitV matches cpu: %s', async (_l, shape, splits, axis) => {
    const data = randomData(count([...shape]), 80);
    const results: Float32Array[][] = [];
    for (const backend of ['cpu', 'wasm']) {
      await tf.setBackend(backend);
      const x = tf.tensor(data, [...shape]);
      const parts = tf.split(x, typeof splits === 'number' ? splits : [...splits], axis);
      results.push(await Promise.all(parts.map(async (p) => Float32Array.from(await p.data()))));
      tf.dispose([x, ...parts]);
    }
    expect(results[1]!.map((p) => p.length)).toEqual(results[0]!.map((p) => p.length));
    results[0]!.forEach((p, i) => expect(relativeError(results[1]![i]!, p)).toBe(0));
  });

  it('Concat of booleans and SplitV of integers stay exact', async () => {
    await tf.setBackend('wasm');
    const a = tf.tensor([true, false, true, true], [2, 2], 'bool');
    const b = tf.tensor([false, true], [2, 1], 'bool');
    expect(Array.from(await tf.concat([a, b], 1).data())).toEqual([1, 0, 0, 1, 1, 1]);
    const i = tf.tensor([1, 2, 3, 4, 5, 6], [2, 3], 'int32');
    const [p, q] = tf.split(i, [1, 2], 1);
    expect([Array.from(await p!.data()), Array.from(await q!.data())]).toEqual([[1, 4], [2, 3, 5, 6]]);
    tf.dispose([a, b, i, p!, q!]);
  });

  it('frees what it allocates', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const ids = tf.engine().backend.numDataIds();
    tf.tidy(() => {
      const x = tf.randomNormal([2, 9, 9, 3]);
      const w = tf.randomNormal([3, 3, 3, 4]);
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.relu(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same'))))([x, w]);
      return tf.add(tf.sum(tf.mean(g[0]!, [0, 1, 2])), tf.sum(tf.sum(g[1]!, [0, 1, 2])));
    }).dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(tf.engine().backend.numDataIds()).toBe(ids);
  });

  it('refuses a tensor outside the heap or a geometry that does not add up, with a clear error', () => {
    // Called directly: the kernels never pass such arguments, but the addon must not trust them.
    const addon = (module.require as (id: string) => {
      conv2dForward(heap: ArrayBuffer, g: number[], x: number, f: number, b: number, o: number, act: number, alpha: number): void;
      sumMiddleAxis(heap: ArrayBuffer, src: number, dst: number, p: number, r: number, q: number, scale: number): void;
      copyColumns(heap: ArrayBuffer, src: number, srcWidth: number, srcStart: number, dst: number, dstWidth: number, dstStart: number, width: number, rows: number, bytes: number): void;
    })(NATIVE_ADDON_PATH);
    const heap = new ArrayBuffer(1024);
    const g = [1, 4, 4, 1, 3, 3, 1, 4, 4, 1, 1, 1, 1, 1, 1, 1, 1];
    expect(() => addon.conv2dForward(heap, g, 0, 64, -1, 128, 0, 0)).not.toThrow();
    expect(() => addon.conv2dForward(heap, g, 0, 64, -1, 1000, 0, 0)).toThrow(/'out' lies outside the heap/);
    expect(() => addon.conv2dForward(heap, [...g.slice(0, 7), 5, 4, ...g.slice(9)], 0, 64, -1, 128, 0, 0)).toThrow(/output size does not match/);
    expect(() => addon.conv2dForward(heap, g.slice(1), 0, 64, -1, 128, 0, 0)).toThrow(/17 numbers/);
    expect(() => addon.sumMiddleAxis(heap, 0, 512, 1, 300, 1, 1)).toThrow(/'src' lies outside the heap/);
    expect(() => addon.sumMiddleAxis(heap, 0, 512, 1, 0.5, 1, 1)).toThrow(/positive integers/);
    expect(() => addon.copyColumns(heap, 0, 4, 2, 512, 4, 0, 3, 2, 4)).toThrow(/columns outside the rows/);
    expect(() => addon.copyColumns(heap, 0, 4, 0, 1000, 4, 0, 4, 2, 4)).toThrow(/outside the heap/);
  });
});

describe('native kernels: shapes and switches', () => {
  it('views contiguous axes that leave the last one as [before, reduced, after]', () => {
    expect(leadingReductionShape([2, 6, 5, 4], [0, 1, 2])).toEqual([1, 60, 4]);
    expect(leadingReductionShape([2, 6, 5, 4], [2, 1])).toEqual([2, 30, 4]);
    expect(leadingReductionShape([3, 4, 5], [0])).toEqual([1, 3, 20]);
    expect(leadingReductionShape([2, 6, 5, 4], [3])).toBeUndefined();
    expect(leadingReductionShape([2, 6, 5, 4], [0, 2])).toBeUndefined();
    expect(leadingReductionShape([2, 6, 5, 4], [])).toBeUndefined();
  });

  it('stays off when SCANSELECT_NATIVE_KERNELS=off, and says so', () => {
    const saved = process.env[NATIVE_KERNELS_ENV_VAR];
    process.env[NATIVE_KERNELS_ENV_VAR] = 'off';
    try {
      expect(registerNativeKernels()).toEqual({ active: false, reason: `disabled by ${NATIVE_KERNELS_ENV_VAR}`, kernels: [] });
    } finally {
      if (saved === undefined) delete process.env[NATIVE_KERNELS_ENV_VAR];
      else process.env[NATIVE_KERNELS_ENV_VAR] = saved;
    }
  });
});
