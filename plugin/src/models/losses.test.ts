import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { crossEntropyLoss, diceCeLoss, oneHotMasks, softDiceLoss } from './losses';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

// One 2×2 image, 2 classes; labels [0, 1; 1, 1], predicted p(class 1) = 0.2, 0.6, 0.9, 0.7.
const labels = new Int32Array([0, 1, 1, 1]);
const probs = [0.8, 0.2, 0.4, 0.6, 0.1, 0.9, 0.3, 0.7];

// By hand: class 0: |P∩G| = 0.8, |G| = 1, |P| = 1.6; class 1: |P∩G| = 2.2, |G| = 3, |P| = 2.4.
const s = 1e-5;
const handDice = (1 - (2 * 0.8 + s) / (1 + 1.6 + s) + 1 - (2 * 2.2 + s) / (3 + 2.4 + s)) / 2;
const handCe = -(Math.log(0.8) + Math.log(0.6) + Math.log(0.9) + Math.log(0.7)) / 4;

describe('DiceCE loss (MONAI DiceCELoss(softmax=True, to_onehot_y=True))', () => {
  it('matches a hand computation on a 2×2 example', () => {
    const target = oneHotMasks(labels, 1, 2, 2);
    expect(Array.from(target.dataSync())).toEqual([1, 0, 0, 1, 0, 1, 0, 1]);
    const p = tf.tensor4d(probs, [1, 2, 2, 2]);
    const dice = softDiceLoss(target, p);
    const ce = crossEntropyLoss(target, p);
    const total = diceCeLoss(target, p);
    expect(dice.dataSync()[0]).toBeCloseTo(handDice, 6);
    expect(ce.dataSync()[0]).toBeCloseTo(handCe, 6);
    expect(total.dataSync()[0]).toBeCloseTo(handDice + handCe, 6);
    const weighted = diceCeLoss(target, p, { lambdaDice: 0.5, lambdaCe: 2 });
    expect(weighted.dataSync()[0]).toBeCloseTo(0.5 * handDice + 2 * handCe, 6);
    tf.dispose([target, p, dice, ce, total, weighted]);
  });

  it('averages Dice per image and per class (an absent, unpredicted class scores 0 loss)', () => {
    // Image 2 is all background and predicted so with certainty: Dice loss 0 for both classes.
    const target = oneHotMasks(new Int32Array([...labels, 0, 0, 0, 0]), 2, 2, 2);
    const p = tf.tensor4d([...probs, 1, 0, 1, 0, 1, 0, 1, 0], [2, 2, 2, 2]);
    const dice = softDiceLoss(target, p);
    expect(dice.dataSync()[0]).toBeCloseTo(handDice / 2, 6);
    tf.dispose([target, p, dice]);
  });

  it('clips probabilities in the cross-entropy and has a finite gradient', () => {
    const target = oneHotMasks(new Int32Array([1, 1, 1, 1]), 1, 2, 2);
    const p = tf.tensor4d([1, 0, 1, 0, 1, 0, 1, 0], [1, 2, 2, 2]);
    const ce = crossEntropyLoss(target, p, 1e-7);
    expect(ce.dataSync()[0]).toBeCloseTo(-Math.log(1e-7), 4);
    const grad = tf.grad((x: tf.Tensor) => diceCeLoss(target, x as tf.Tensor4D))(tf.tensor4d(probs, [1, 2, 2, 2]));
    for (const g of grad.dataSync()) expect(Number.isFinite(g)).toBe(true);
    tf.dispose([target, p, ce, grad]);
  });

  it('rejects mismatched shapes', () => {
    const a = tf.zeros([1, 2, 2, 2]) as tf.Tensor4D;
    const b = tf.zeros([1, 2, 2, 3]) as tf.Tensor4D;
    expect(() => diceCeLoss(a, b)).toThrow(/differs/);
    tf.dispose([a, b]);
  });
});
