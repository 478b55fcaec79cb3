import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { InstanceNormalization } from './instanceNormalization';

describe('InstanceNormalization', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('normalises each channel of each image over its pixels', () => {
    // One image 1×2×2, two channels: channel 0 = [1, 2, 3, 4], channel 1 = [5, 5, 5, 5].
    const x = tf.tensor4d([1, 5, 2, 5, 3, 5, 4, 5], [1, 2, 2, 2]);
    const y = new InstanceNormalization({ epsilon: 1e-5 }).apply(x) as tf.Tensor;
    const v = Array.from(y.dataSync());
    const sd = Math.sqrt(1.25 + 1e-5); // population variance of 1..4 is 1.25; ε keeps a constant channel at 0, not NaN
    const expected = [(1 - 2.5) / sd, 0, (2 - 2.5) / sd, 0, (3 - 2.5) / sd, 0, (4 - 2.5) / sd, 0];
    v.forEach((value, i) => expect(value).toBeCloseTo(expected[i]!, 6));
    tf.dispose([x, y]);
  });

  it('has gradients that match finite differences', () => {
    const layer = new InstanceNormalization();
    const x = tf.tensor4d([0.3, -1, 2, 0.5, 1.5, -0.2, 0.7, 0.1], [1, 2, 2, 2]);
    const w = tf.tensor4d([1, -2, 0.5, 3, -1, 1, 2, -0.5], [1, 2, 2, 2]);
    const f = (t: tf.Tensor): tf.Scalar => tf.sum(tf.mul(layer.apply(t) as tf.Tensor, w));
    const g = tf.grad(f)(x).dataSync();
    const base = x.dataSync();
    for (let i = 0; i < base.length; i++) {
      const h = 1e-3;
      const plus = Float32Array.from(base);
      const minus = Float32Array.from(base);
      plus[i] += h;
      minus[i] -= h;
      const numeric = (f(tf.tensor4d(plus, [1, 2, 2, 2])).dataSync()[0]! - f(tf.tensor4d(minus, [1, 2, 2, 2])).dataSync()[0]!) / (2 * h);
      expect(g[i]).toBeCloseTo(numeric, 2);
    }
  });

  it('round-trips through its config', () => {
    const layer = new InstanceNormalization({ epsilon: 1e-3, name: 'in1' });
    expect(layer.getConfig()).toMatchObject({ epsilon: 1e-3, name: 'in1' });
  });
});
