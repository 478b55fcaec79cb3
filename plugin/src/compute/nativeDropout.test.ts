import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
// tfjs-layers registers the gradients of every op (tf.grad below needs them).
import '@tensorflow/tfjs-layers';
import { createRng } from '../random/rng';
import { DROPOUT_KERNEL, seededDropout } from './nativeDropout';
import { describeOnNativeWasm } from './nativeTestSuite';


function gaussian(n: number, seed: number): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => rng.nextGaussian());
}

function differing(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) n++;
  return n;
}

/** Output and d/dx Σ dropout(x) · w with tfjs' op or the native one, on the active backend. */
async function run(shape: number[], rate: number, seed: number, native: boolean): Promise<{ y: Float32Array; dx: Float32Array }> {
  const n = shape.reduce((a, b) => a * b, 1);
  const [x, w] = [tf.tensor(gaussian(n, 1), shape), tf.tensor(gaussian(n, 2), shape)];
  const f = (t: tf.Tensor): tf.Tensor => {
    if (!native) return tf.dropout(t, rate, undefined, seed);
    const y = seededDropout(t, rate, seed);
    if (y === undefined) throw new Error('seededDropout did not apply');
    return y;
  };
  const y = f(x);
  const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(f(t), w)))(x);
  const out = { y: (await y.data()) as Float32Array, dx: (await dx.data()) as Float32Array };
  tf.dispose([x, w, y, dx]);
  return out;
}

describeOnNativeWasm('native seeded dropout (wasm)', () => {

  it.each([
    [[2, 16, 16, 8], 0.15, 42],
    [[3, 7, 5], 0.5, 0],
    [[1000], 0.1, 4294967295],
    [[2, 9, 9, 4], 0.9, 123456789],
  ])('shape %j, rate %d, seed %d: tfjs\' masks, output and gradient bit for bit (wasm and cpu)', async (shape, rate, seed) => {
    await tf.setBackend('cpu');
    const cpu = await run(shape, rate, seed, false);
    await tf.setBackend('wasm');
    const stock = await run(shape, rate, seed, false);
    const native = await run(shape, rate, seed, true);
    for (const name of ['y', 'dx'] as const) {
      expect({ name, differing: differing(native[name], stock[name]) }).toEqual({ name, differing: 0 });
      expect({ name, differing: differing(native[name], cpu[name]) }).toEqual({ name, differing: 0 });
    }
    // Not the identity: some elements dropped, the others scaled.
    expect(native.y.some((v) => v === 0)).toBe(true);
  });

  it('frees everything but its result, forward and backward', async () => {
    await tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    await run([2, 8, 8, 4], 0.2, 7, true);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('does not apply on cpu, to integer tensors or for a rate outside (0, 1)', async () => {
    await tf.setBackend('wasm');
    expect(seededDropout(tf.zeros([4], 'int32'), 0.5, 1)).toBeUndefined();
    expect(seededDropout(tf.zeros([4]), 0, 1)).toBeUndefined();
    await tf.setBackend('cpu');
    expect(seededDropout(tf.zeros([4]), 0.5, 1)).toBeUndefined();
    await tf.setBackend('wasm');
  });
}, [DROPOUT_KERNEL]);
