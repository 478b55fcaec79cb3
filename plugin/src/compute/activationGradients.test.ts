import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { createRng } from '../random/rng';
import { RELU_GRAD_KERNEL } from './nativeActivations';
import { relativeError } from './relativeError';
import { describeOnNativeWasm } from './nativeTestSuite';


/** Gaussian values (× scale) with 0, −0, ±∞, NaN and a denormal among them when `specials`. */
function data(n: number, seed: number, specials: boolean, scale = 1): Float32Array {
  const rng = createRng(seed);
  const out = Float32Array.from({ length: n }, () => scale * rng.nextGaussian());
  if (specials) [0, -0, Infinity, -Infinity, NaN, 1e-40].forEach((v, i) => (out[i * 101] = v));
  return out;
}

/** f(x) and d/dx Σ f(x) · w on the given backend, and the names of the kernels that ran. */
async function valueAndGradient(backend: string, f: (x: tf.Tensor) => tf.Tensor, x: Float32Array, w: Float32Array, shape: number[]): Promise<{ y: Float32Array; dx: Float32Array; kernels: string[] }> {
  await tf.setBackend(backend);
  const [xt, wt] = [tf.tensor(x, shape), tf.tensor(w, shape)];
  const runKernel = jest.spyOn(tf.engine(), 'runKernel');
  const y = f(xt);
  const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(f(t), wt)))(xt);
  const kernels = runKernel.mock.calls.map(([name]) => name);
  runKernel.mockRestore();
  const out = { y: (await y.data()) as Float32Array, dx: (await g.data()) as Float32Array, kernels };
  tf.dispose([xt, wt, y, g]);
  return out;
}

function differing(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) n++;
  return n;
}

describeOnNativeWasm('ReLU gradient and softmax on the native kernels', () => {

  it('ReLU: the fused gradient runs on wasm and equals cpu bit for bit, special values included', async () => {
    const shape = [2, 16, 16, 8];
    const n = shape.reduce((a, b) => a * b, 1);
    const [x, w] = [data(n, 1, true), data(n, 2, true)];
    const expected = await valueAndGradient('cpu', tf.relu, x, w, shape);
    const actual = await valueAndGradient('wasm', tf.relu, x, w, shape);
    expect(actual.kernels).toContain(RELU_GRAD_KERNEL);
    expect(differing(actual.dx, expected.dx)).toBe(0);
  });

  it.each([
    ['3 classes', [2, 12, 12, 3]],
    ['2 classes', [1, 9, 7, 2]],
    ['rank 2, 10 classes', [40, 10]],
  ])('Softmax (%s): values and gradient on wasm match cpu', async (_label, shape) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const [x, w] = [data(n, 3, false, 4), data(n, 4, false)];
    const softmax = (t: tf.Tensor): tf.Tensor => tf.softmax(t);
    const expected = await valueAndGradient('cpu', softmax, x, w, shape);
    const actual = await valueAndGradient('wasm', softmax, x, w, shape);
    for (const name of ['y', 'dx'] as const) {
      const err = relativeError(actual[name], expected[name]);
      expect({ name, ok: err <= 1e-6, err }).toEqual({ name, ok: true, err });
    }
  });
});
