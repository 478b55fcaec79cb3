import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { diceCeLoss, type DiceCeOptions } from '../models/losses';
import { createRng } from '../random/rng';
import { DICE_CE_GRAD_KERNEL, DICE_CE_KERNEL } from './nativeDiceCe';
import { relativeError } from './relativeError';
import { describeOnNativeWasm } from './nativeTestSuite';


/** Relative error allowed against cpu, whose sums are float32 where the kernel's are double. */
const TOLERANCE = 1e-5;

/** One-hot targets and softmax probabilities [b, s, s, c]; a few probabilities below ε or exactly 1 (the clip's edges). */
function inputs(b: number, s: number, c: number, seed: number): { target: Float32Array; probabilities: Float32Array; shape: number[] } {
  const rng = createRng(seed);
  const n = b * s * s;
  const target = new Float32Array(n * c);
  const probabilities = new Float32Array(n * c);
  for (let i = 0; i < n; i++) {
    target[i * c + rng.nextInt(c)] = 1;
    const e = Array.from({ length: c }, () => Math.exp(2 * rng.nextGaussian()));
    const total = e.reduce((x, y) => x + y, 0);
    for (let k = 0; k < c; k++) probabilities[i * c + k] = e[k]! / total;
  }
  probabilities[0] = 1e-9; // below ε: clipped, no cross-entropy gradient
  probabilities[c] = 1; // the upper edge: still passes the gradient
  probabilities[2 * c + 1] = 1e-7; // about ε itself
  return { target, probabilities, shape: [b, s, s, c] };
}

/** The loss and its gradients wrt both inputs on the active backend. */
async function lossAndGradients(v: ReturnType<typeof inputs>, options: DiceCeOptions): Promise<Record<string, Float32Array>> {
  const t = tf.tensor4d(v.target, v.shape as [number, number, number, number]);
  const p = tf.tensor4d(v.probabilities, v.shape as [number, number, number, number]);
  const loss = diceCeLoss(t, p, options);
  const [dt, dp] = tf.grads((a: tf.Tensor, b: tf.Tensor) => diceCeLoss(a as tf.Tensor4D, b as tf.Tensor4D, options))([t, p]);
  const out = { loss: (await loss.data()) as Float32Array, dTarget: (await dt!.data()) as Float32Array, dProbabilities: (await dp!.data()) as Float32Array };
  tf.dispose([t, p, loss, dt!, dp!]);
  return out;
}

describeOnNativeWasm('native Dice + cross-entropy loss (wasm)', () => {

  it.each([
    ['MONAI defaults, 3 classes', [2, 12, 3], {}],
    ['other weights and smoothing, 2 classes', [3, 8, 2], { lambdaDice: 0.7, lambdaCe: 1.6, smoothNumerator: 0.5, smoothDenominator: 2, epsilon: 1e-4 }],
    ['one image, 5 classes', [1, 16, 5], {}],
  ] as Array<[string, [number, number, number], DiceCeOptions]>)('loss and both gradients match tfjs ops on cpu: %s', async (_label, [b, s, c], options) => {
    const v = inputs(b, s, c, b * 100 + s);
    await tf.setBackend('cpu');
    const expected = await lossAndGradients(v, options);
    await tf.setBackend('wasm');
    const runKernel = jest.spyOn(tf.engine(), 'runKernel');
    const actual = await lossAndGradients(v, options);
    expect(runKernel.mock.calls.filter(([name]) => name === DICE_CE_KERNEL || name === DICE_CE_GRAD_KERNEL).length).toBeGreaterThanOrEqual(2);
    runKernel.mockRestore();
    for (const name of ['loss', 'dTarget', 'dProbabilities']) {
      const err = relativeError(actual[name]!, expected[name]!);
      expect({ name, ok: err <= TOLERANCE, err }).toEqual({ name, ok: true, err });
    }
  });

  it('frees everything but the loss and the gradients', async () => {
    await tf.setBackend('wasm');
    const v = inputs(2, 4, 3, 9);
    const before = tf.memory().numTensors;
    await lossAndGradients(v, {});
    expect(tf.memory().numTensors).toBe(before);
  });
}, [DICE_CE_KERNEL, DICE_CE_GRAD_KERNEL]);
