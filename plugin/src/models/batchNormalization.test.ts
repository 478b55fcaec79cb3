import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { BATCH_NORM_TRAINING_KERNEL } from '../compute/nativeNormalization';
import { createRng } from '../random/rng';
import { batchNormalization } from './batchNormalization';
import { describeOnNativeWasm } from '../compute/nativeTestSuite';


const ARGS = { momentum: 0.9, epsilon: 1e-5 };
const SHAPE = [2, 6, 6, 4];

function gaussian(n: number, seed: number, mean = 0, sd = 1): Float32Array {
  const rng = createRng(seed);
  return Float32Array.from({ length: n }, () => mean + sd * rng.nextGaussian());
}

/** A built layer with non-trivial weights (γ, β, moving mean, moving variance). */
function layerWithWeights(layer: tfl.LayersModel['layers'][number]): tfl.LayersModel['layers'][number] {
  layer.build(SHAPE);
  layer.setWeights([tf.tensor1d(gaussian(4, 1, 1, 0.2)), tf.tensor1d(gaussian(4, 2, 0, 0.2)), tf.tensor1d(gaussian(4, 3)), tf.tensor1d(gaussian(4, 4, 2, 0.1))]);
  return layer;
}

/** Output, moving statistics after the call, and the gradients wrt x, γ and β, in training mode. */
async function trainingCall(layer: tfl.LayersModel['layers'][number]): Promise<Float32Array[]> {
  const x = tf.tensor(gaussian(SHAPE.reduce((a, b) => a * b, 1), 5, 3, 2), SHAPE);
  const w = tf.tensor(gaussian(SHAPE.reduce((a, b) => a * b, 1), 6), SHAPE);
  const [gamma, beta] = layer.trainableWeights.map((v) => v.read());
  const y = layer.apply(x, { training: true }) as tf.Tensor;
  const { grads } = tf.variableGrads(() => tf.sum(tf.mul(layer.apply(x, { training: true }) as tf.Tensor, w)), [gamma as tf.Variable, beta as tf.Variable]);
  const dx = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(layer.apply(t, { training: true }) as tf.Tensor, w)))(x);
  const out = [y, ...layer.nonTrainableWeights.map((v) => v.read()), dx, grads[(gamma as tf.Variable).name]!, grads[(beta as tf.Variable).name]!];
  const values = await Promise.all(out.map(async (t) => (await t.data()) as Float32Array));
  tf.dispose([x, w, y, dx, ...Object.values(grads)]);
  return values;
}

describe('batchNormalization layer', () => {
  it('serialises as the stock BatchNormalization layer', () => {
    const ours = batchNormalization({ ...ARGS, name: 'bn' });
    const stock = tfl.layers.batchNormalization({ axis: -1, ...ARGS, name: 'bn' });
    expect(ours.getClassName()).toBe('BatchNormalization');
    expect(ours.getConfig()).toEqual(stock.getConfig());
  });
});

describeOnNativeWasm('batchNormalization layer on wasm with the native kernels', () => {

  it('trains through the native kernel, with the stock layer\'s outputs, moving statistics and (up to rounding) gradients', async () => {
    await tf.setBackend('wasm');
    const runKernel = jest.spyOn(tf.engine(), 'runKernel');
    const ours = await trainingCall(layerWithWeights(batchNormalization({ ...ARGS, name: 'ours' })));
    expect(runKernel.mock.calls.filter(([name]) => name === BATCH_NORM_TRAINING_KERNEL).length).toBeGreaterThan(0);
    runKernel.mockRestore();
    const stock = await trainingCall(layerWithWeights(tfl.layers.batchNormalization({ axis: -1, ...ARGS, name: 'stock' })));
    const names = ['y', 'moving mean', 'moving variance', 'dx', 'dγ', 'dβ'];
    names.forEach((name, i) => {
      const a = ours[i]!;
      const b = stock[i]!;
      const maxRef = Math.max(...b.map(Math.abs));
      const err = Math.max(...a.map((v, j) => Math.abs(v - b[j]!))) / maxRef;
      // Forward and moving statistics: the same float32 operations; gradients: another formula.
      expect({ name, ok: i < 3 ? err === 0 : err < 1e-5, err }).toEqual({ name, ok: true, err });
    });
  });

  it('infers with the moving statistics, as the stock layer', async () => {
    await tf.setBackend('wasm');
    const x = tf.tensor(gaussian(SHAPE.reduce((a, b) => a * b, 1), 7), SHAPE);
    const ours = layerWithWeights(batchNormalization({ ...ARGS, name: 'ours_inference' })).apply(x) as tf.Tensor;
    const stock = layerWithWeights(tfl.layers.batchNormalization({ axis: -1, ...ARGS, name: 'stock_inference' })).apply(x) as tf.Tensor;
    expect(Array.from(await ours.data())).toEqual(Array.from(await stock.data()));
    tf.dispose([x, ours, stock]);
  });
});
