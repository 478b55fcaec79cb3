import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { Conv2DBackpropFilter, Conv2DBackpropInput, getKernel } from '@tensorflow/tfjs-core';
import type { NamedAttrMap } from '@tensorflow/tfjs-core';
import { createRng } from '../random/rng';
import { initCompute, resetComputeCache } from './backend';
import { registerNativeKernels, unregisterNativeKernels } from './nativeKernels';
import { registerWasmTrainingKernels, WASM_TRAINING_KERNEL_NAMES } from './wasmTrainingKernels';
import { relativeError } from './relativeError';

const TOLERANCE = 1e-4;

function randomData(n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.nextGaussian();
  return out;
}

type Shape4 = [number, number, number, number];
const size = (s: number[]): number => s.reduce((a, b) => a * b, 1);

/** Runs `kernel` on `backend` with the given inputs (as data + shape) and returns the output values. */
async function runOn(
  backend: string,
  kernel: string,
  inputs: Record<string, { data: Float32Array; shape: Shape4 }>,
  attrs: NamedAttrMap,
): Promise<{ values: Float32Array; shape: number[] }> {
  await tf.setBackend(backend);
  // Guard against silently comparing cpu with cpu.
  expect(tf.getBackend()).toBe(backend);
  const tensors: Record<string, tf.Tensor> = {};
  for (const [name, { data, shape }] of Object.entries(inputs)) tensors[name] = tf.tensor4d(data, shape);
  const out = tf.engine().runKernel(kernel, tensors, attrs) as tf.Tensor;
  const values = (await out.data()) as Float32Array;
  const shape = out.shape;
  out.dispose();
  for (const t of Object.values(tensors)) t.dispose();
  return { values, shape };
}

interface Case {
  batch: number;
  size: [number, number];
  inC: number;
  outC: number;
  k: number;
  stride: number;
  pad: 'same' | 'valid';
}

// Strides 1 and 2, 'same' and 'valid', 1×1 / 2×2 / 3×3 filters, batch 1–4, even and odd sizes
// (odd sizes exercise the cropping paths).
const CASES: Case[] = [
  { batch: 1, size: [8, 8], inC: 3, outC: 4, k: 3, stride: 1, pad: 'same' },
  { batch: 2, size: [9, 7], inC: 2, outC: 5, k: 3, stride: 1, pad: 'valid' },
  { batch: 3, size: [10, 10], inC: 4, outC: 3, k: 3, stride: 2, pad: 'same' },
  { batch: 1, size: [9, 11], inC: 3, outC: 2, k: 3, stride: 2, pad: 'same' },
  { batch: 2, size: [10, 9], inC: 2, outC: 3, k: 3, stride: 2, pad: 'valid' },
  { batch: 4, size: [6, 6], inC: 5, outC: 6, k: 1, stride: 1, pad: 'same' },
  { batch: 2, size: [7, 7], inC: 3, outC: 2, k: 1, stride: 2, pad: 'same' },
  { batch: 1, size: [8, 6], inC: 4, outC: 3, k: 2, stride: 2, pad: 'same' },
  { batch: 3, size: [9, 9], inC: 2, outC: 4, k: 2, stride: 2, pad: 'valid' },
  { batch: 2, size: [16, 16], inC: 8, outC: 16, k: 3, stride: 2, pad: 'same' },
];

const label = (c: Case): string => `N${c.batch} ${c.size.join('×')} ${c.inC}→${c.outC} k${c.k} s${c.stride} ${c.pad}`;

function outSize(n: number, c: Case): number {
  return c.pad === 'same' ? Math.ceil(n / c.stride) : Math.floor((n - c.k) / c.stride) + 1;
}

describe('wasm training kernels', () => {
  // tf.getBackend() is undefined until some backend was initialised.
  let previousBackend: string | undefined;

  beforeAll(async () => {
    previousBackend = tf.getBackend() as string | undefined;
    const info = await initCompute({ backend: 'wasm' });
    expect(info.backend).toBe('wasm');
    // These tests are about the wasm kernels: take the native ones (when built) out of the way.
    unregisterNativeKernels();
    // Registering again must be a no-op (initCompute already did it).
    expect(registerWasmTrainingKernels()).toEqual([...WASM_TRAINING_KERNEL_NAMES]);
  });

  afterAll(async () => {
    registerNativeKernels();
    resetComputeCache();
    if (previousBackend !== undefined) await tf.setBackend(previousBackend);
  });

  it('registers the kernels on wasm', () => {
    for (const name of WASM_TRAINING_KERNEL_NAMES) expect(getKernel(name, 'wasm')).toBeDefined();
  });

  it.each(CASES.map((c, i) => [label(c), c, i] as const))('Conv2DBackpropFilter matches cpu: %s', async (_label, c, i) => {
    const xShape: Shape4 = [c.batch, c.size[0], c.size[1], c.inC];
    const dyShape: Shape4 = [c.batch, outSize(c.size[0], c), outSize(c.size[1], c), c.outC];
    const inputs = { x: { data: randomData(size(xShape), 100 + i), shape: xShape }, dy: { data: randomData(size(dyShape), 200 + i), shape: dyShape } };
    const attrs = { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', filterShape: [c.k, c.k, c.inC, c.outC] } as NamedAttrMap;
    const expected = await runOn('cpu', Conv2DBackpropFilter, inputs, attrs);
    const actual = await runOn('wasm', Conv2DBackpropFilter, inputs, attrs);
    expect(actual.shape).toEqual(expected.shape);
    expect(relativeError(actual.values, expected.values)).toBeLessThanOrEqual(TOLERANCE);
  });

  it.each(CASES.map((c, i) => [label(c), c, i] as const))('Conv2DBackpropInput matches cpu: %s', async (_label, c, i) => {
    const filterShape: Shape4 = [c.k, c.k, c.inC, c.outC];
    const dyShape: Shape4 = [c.batch, outSize(c.size[0], c), outSize(c.size[1], c), c.outC];
    const inputs = { dy: { data: randomData(size(dyShape), 300 + i), shape: dyShape }, filter: { data: randomData(size(filterShape), 400 + i), shape: filterShape } };
    const attrs = { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', inputShape: [c.batch, c.size[0], c.size[1], c.inC] } as NamedAttrMap;
    const expected = await runOn('cpu', Conv2DBackpropInput, inputs, attrs);
    const actual = await runOn('wasm', Conv2DBackpropInput, inputs, attrs);
    expect(actual.shape).toEqual(expected.shape);
    expect(relativeError(actual.values, expected.values)).toBeLessThanOrEqual(TOLERANCE);
  });

  // Contiguous repetitions take the fast path; the others check the delegation to the stock kernel.
  it.each([
    [[1, 1, 1, 5], [2, 7, 3, 1], 'float32'],
    [[1, 1, 1, 32], [1, 16, 16, 1], 'float32'],
    [[1, 4], [3, 1], 'float32'],
    [[1, 1, 6], [4, 5, 1], 'int32'],
    [[2, 1, 3], [1, 4, 1], 'float32'],
    [[3, 2], [2, 3], 'float32'],
  ] as const)('Tile matches cpu: %j × %j (%s)', async (shape, reps, dtype) => {
    const n = size([...shape]);
    const data = dtype === 'int32' ? Int32Array.from(randomData(n, 7), (v) => Math.round(v * 10)) : randomData(n, 7);
    const results: Float32Array[] = [];
    for (const backend of ['cpu', 'wasm']) {
      await tf.setBackend(backend);
      expect(tf.getBackend()).toBe(backend);
      const x = tf.tensor(data, [...shape], dtype);
      const y = tf.tile(x, [...reps]);
      expect(y.shape).toEqual(shape.map((d, i) => d * reps[i]!));
      results.push(Float32Array.from(await y.data()));
      tf.dispose([x, y]);
    }
    expect(relativeError(results[1]!, results[0]!)).toBe(0);
  });

  it('Identity shares memory instead of copying, and the copy outlives its source', async () => {
    await tf.setBackend('wasm');
    const ids = tf.engine().backend.numDataIds();
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const y = tf.clone(x); // runs the Identity kernel
    expect(tf.engine().backend.numDataIds()).toBe(ids + 1);
    x.dispose();
    expect(Array.from(await y.data())).toEqual([1, 2, 3, 4, 5, 6]);
    expect(y.shape).toEqual([2, 3]);
    y.dispose();
    expect(tf.engine().backend.numDataIds()).toBe(ids);
  });

  it('Cast to the same dtype shares memory; other casts still convert', async () => {
    await tf.setBackend('wasm');
    const ids = tf.engine().backend.numDataIds();
    const x = tf.tensor2d([1.5, -2, 0, 4.25], [2, 2]);
    const same = tf.cast(x, 'float32');
    expect(tf.engine().backend.numDataIds()).toBe(ids + 1);
    const ints = tf.cast(x, 'int32');
    x.dispose();
    expect([Array.from(await same.data()), Array.from(await ints.data())]).toEqual([[1.5, -2, 0, 4.25], [1, -2, 0, 4]]);
    expect([same.dtype, ints.dtype]).toEqual(['float32', 'int32']);
    tf.dispose([same, ints]);
    expect(tf.engine().backend.numDataIds()).toBe(ids);
  });

  it('does not leak wasm memory or tensors', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const bytesBefore = tf.engine().backend.numDataIds();
    const x = tf.tensor4d(randomData(2 * 9 * 9 * 3, 1), [2, 9, 9, 3]);
    const dy = tf.tensor4d(randomData(2 * 5 * 5 * 4, 2), [2, 5, 5, 4]);
    const w = tf.tensor4d(randomData(3 * 3 * 3 * 4, 3), [3, 3, 3, 4]);
    const gw = tf.engine().runKernel(Conv2DBackpropFilter, { x, dy }, { strides: 2, pad: 'same', dataFormat: 'NHWC', filterShape: [3, 3, 3, 4] } as NamedAttrMap) as tf.Tensor;
    const gx = tf.engine().runKernel(Conv2DBackpropInput, { dy, filter: w }, { strides: 2, pad: 'same', dataFormat: 'NHWC', inputShape: [2, 9, 9, 3] } as NamedAttrMap) as tf.Tensor;
    const s = tf.tensor4d([1, 2, 3], [1, 1, 1, 3]);
    const t = tf.tile(s, [2, 4, 4, 1]);
    tf.dispose([x, dy, w, gw, gx, s, t]);
    expect(tf.memory().numTensors).toBe(before);
    // Backend-level check: every intermediate the kernels allocated in the wasm heap was freed.
    expect(tf.engine().backend.numDataIds()).toBe(bytesBefore);
  });
});
