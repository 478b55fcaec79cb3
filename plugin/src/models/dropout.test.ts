import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { DROPOUT_KERNEL } from '../compute/nativeDropout';
import { createRng } from '../random/rng';
import { dropout } from './dropout';
import { describeOnNativeWasm } from '../compute/nativeTestSuite';


describe('dropout layer', () => {
  it('serialises as the stock Dropout layer', () => {
    const ours = dropout({ rate: 0.15, seed: 7, name: 'drop' });
    const stock = tfl.layers.dropout({ rate: 0.15, seed: 7, name: 'drop' });
    expect(ours.getClassName()).toBe('Dropout');
    expect(ours.getConfig()).toEqual(stock.getConfig());
  });
});

describeOnNativeWasm('dropout layer on wasm with the native kernels', () => {

  it('trains through the native kernel with the stock layer\'s masks, also after reseeding as train.ts does', async () => {
    await tf.setBackend('wasm');
    const rng = createRng(3);
    const x = tf.tensor(Float32Array.from({ length: 2 * 8 * 8 * 4 }, () => rng.nextGaussian()), [2, 8, 8, 4]);
    const ours = dropout({ rate: 0.3, seed: 11, name: 'ours' });
    const stock = tfl.layers.dropout({ rate: 0.3, seed: 11, name: 'stock' });
    for (const seed of [11, 12345]) {
      Reflect.set(ours, 'seed', seed);
      Reflect.set(stock, 'seed', seed);
      const runKernel = jest.spyOn(tf.engine(), 'runKernel');
      const a = ours.apply(x, { training: true }) as tf.Tensor;
      expect(runKernel.mock.calls.some(([name]) => name === DROPOUT_KERNEL)).toBe(true);
      runKernel.mockRestore();
      const b = stock.apply(x, { training: true }) as tf.Tensor;
      expect(Array.from(await a.data())).toEqual(Array.from(await b.data()));
      tf.dispose([a, b]);
    }
    // Inference: the identity, as the stock layer.
    const inferred = ours.apply(x) as tf.Tensor;
    expect(Array.from(await inferred.data())).toEqual(Array.from(await x.data()));
    tf.dispose([x, inferred]);
  });
});
