import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { InvalidInputError } from '../../core/errors';
import { createRng } from '../../random/rng';
import { ntXentLoss } from './ntXent';

/** NT-Xent in plain float64 JavaScript, straight from SimCLR's eq. (1), as an independent reference. */
function referenceNtXent(rows: number[][], temperature: number): number {
  const n2 = rows.length;
  const unit = rows.map((r) => {
    const norm = Math.sqrt(r.reduce((s, v) => s + v * v, 0));
    return r.map((v) => v / norm);
  });
  const sim = (i: number, k: number): number => unit[i]!.reduce((s, v, d) => s + v * unit[k]![d]!, 0) / temperature;
  let total = 0;
  for (let i = 0; i < n2; i++) {
    const partner = i < n2 / 2 ? i + n2 / 2 : i - n2 / 2;
    let denominator = 0;
    for (let k = 0; k < n2; k++) if (k !== i) denominator += Math.exp(sim(i, k));
    total += -Math.log(Math.exp(sim(i, partner)) / denominator);
  }
  return total / n2;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('ntXentLoss', () => {
  it.each([[2, 3, 0.2], [3, 4, 0.5], [4, 2, 1]])('matches the plain-JS reference (N = %i, d = %i, τ = %f)', (n, d, tau) => {
    const rng = createRng(n * 10 + d);
    const rows = Array.from({ length: 2 * n }, () => Array.from({ length: d }, () => rng.nextGaussian()));
    const before = tf.memory().numTensors;
    const z = tf.tensor2d(rows);
    const loss = ntXentLoss(z, tau);
    expect(loss.shape).toEqual([]);
    expect(loss.dataSync()[0]).toBeCloseTo(referenceNtXent(rows, tau), 4);
    tf.dispose([z, loss]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('is near 0 when views agree and other images are orthogonal, and log(2N − 1) when all rows are equal', () => {
    const aligned = tf.tensor2d([[1, 0], [0, 1], [1, 0], [0, 1]]);
    expect(ntXentLoss(aligned, 0.05).dataSync()[0]).toBeLessThan(1e-6);
    const same = tf.tensor2d([[1, 1], [1, 1], [1, 1], [1, 1], [1, 1], [1, 1]]);
    expect(ntXentLoss(same, 0.2).dataSync()[0]).toBeCloseTo(Math.log(5), 5);
  });

  it('has gradients that lower the loss', () => {
    const rng = createRng(4);
    const z = tf.variable(tf.tensor2d(Array.from({ length: 6 }, () => Array.from({ length: 3 }, () => rng.nextGaussian()))));
    const before = ntXentLoss(z).dataSync()[0]!;
    const optimizer = tf.train.sgd(0.1);
    for (let i = 0; i < 5; i++) optimizer.minimize(() => ntXentLoss(z), true)?.dispose();
    expect(ntXentLoss(z).dataSync()[0]!).toBeLessThan(before);
    optimizer.dispose();
    z.dispose();
  });

  it('refuses an odd or too small batch and a bad temperature', () => {
    expect(() => ntXentLoss(tf.zeros([3, 2]) as tf.Tensor2D)).toThrow(InvalidInputError);
    expect(() => ntXentLoss(tf.zeros([2, 2]) as tf.Tensor2D)).toThrow(/N ≥ 2/);
    expect(() => ntXentLoss(tf.zeros([4, 2]) as tf.Tensor2D, 0)).toThrow(/temperature/);
  });
});
