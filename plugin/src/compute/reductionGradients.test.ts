import * as tf from '@tensorflow/tfjs-core';
import { initCompute } from './backend';
import { REDUCTION_GRADIENTS } from './reductionGradients';

beforeAll(async () => {
  await initCompute();
});

describe('the Mean gradient', () => {
  it("is the project's, as is Sum's (registered by initCompute after tfjs-layers registered its own)", () => {
    expect([tf.getGradient(tf.Mean), tf.getGradient(tf.Sum)]).toEqual(REDUCTION_GRADIENTS);
    expect(tf.getGradient(tf.Mean)).toBe(REDUCTION_GRADIENTS[0]);
  });

  it.each([
    [[2, 3, 4, 5], [0, 1, 2], false],
    [[2, 3, 4, 5], [1, 2], false],
    [[2, 3, 4, 5], [3], true],
    [[6], [0], false],
  ] as Array<[number[], number[], boolean]>)('of x %j over axes %j (keepDims %s) is dy / n at every element of the reduced block', (shape, axes, keepDims) => {
    const x = tf.randomNormal(shape, 0, 1, 'float32', 7);
    const n = axes.reduce((m, a) => m * shape[a]!, 1);
    const outShape = shape.filter((_, i) => !axes.includes(i) || keepDims).map((d, i) => (keepDims && axes.includes(i) ? 1 : d));
    const dy = tf.randomNormal(outShape, 0, 1, 'float32', 8);
    const dx = tf.grad((v: tf.Tensor) => tf.mean(v, axes, keepDims))(x, dy);
    expect(dx.shape).toEqual(shape);
    const expected = tf.mul(tf.div(tf.reshape(dy, shape.map((d, i) => (axes.includes(i) ? 1 : d))), n), tf.onesLike(x));
    expect(Array.from(dx.dataSync())).toEqual(Array.from(expected.dataSync()));
    // And the value tfjs' own formula gives, bit for bit.
    const reference = tf.div(tf.mul(tf.reshape(dy, shape.map((d, i) => (axes.includes(i) ? 1 : d))), tf.ones(shape)), n);
    expect(Array.from(dx.dataSync())).toEqual(Array.from(reference.dataSync()));
    tf.dispose([x, dy, dx, expected, reference]);
  });
});

describe('the Sum gradient', () => {
  it.each([
    [[2, 3, 4, 5], [1, 2]],
    [[2, 3, 4, 5], [0, 1, 2, 3]],
    [[7], [0]],
  ] as Array<[number[], number[]]>)('of x %j over axes %j is dy at every element of the reduced block, as tfjs computes it', (shape, axes) => {
    const x = tf.randomNormal(shape, 0, 1, 'float32', 9);
    const dy = tf.randomNormal(shape.filter((_, i) => !axes.includes(i)), 0, 1, 'float32', 10);
    const dx = tf.grad((v: tf.Tensor) => tf.sum(v, axes))(x, dy);
    const reference = tf.mul(tf.reshape(dy, shape.map((d, i) => (axes.includes(i) ? 1 : d))), tf.ones(shape));
    expect(dx.shape).toEqual(shape);
    expect(Array.from(dx.dataSync())).toEqual(Array.from(reference.dataSync()));
    tf.dispose([x, dy, dx, reference]);
  });
});
