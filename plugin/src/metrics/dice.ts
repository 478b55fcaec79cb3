import { classMask, foregroundMask, LabelMap, validateLabelMapPair } from './labelMap';

/**
 * Dice of two binary masks of equal length (non-zero = inside): 2|A∩B| / (|A| + |B|).
 * Both empty → 1: the prediction agrees perfectly with a truth that has nothing to segment,
 * and scoring it 0 would punish correct "absent" predictions (this is MONAI's
 * `DiceMetric(ignore_empty=False)` convention). Exactly one empty → 0.
 */
export function binaryDice(a: Uint8Array, b: Uint8Array): number {
  let inter = 0;
  let sizeA = 0;
  let sizeB = 0;
  for (let i = 0; i < a.length; i++) {
    const ia = a[i] !== 0;
    const ib = b[i] !== 0;
    if (ia) sizeA++;
    if (ib) sizeB++;
    if (ia && ib) inter++;
  }
  if (sizeA + sizeB === 0) return 1;
  return (2 * inter) / (sizeA + sizeB);
}

/** Dice of one prediction against its ground truth. */
export interface DiceResult {
  /** Dice of each class, indexed by class id (0 = background, included for completeness). */
  readonly perClass: number[];
  /** `true` for a class absent from both maps; its Dice is then 1 by convention (see {@link binaryDice}). */
  readonly bothEmpty: boolean[];
  /** Mean over the foreground classes 1..C−1: the paper's per-class Dice (chest X-ray sets). */
  readonly meanForeground: number;
  /** Dice of "any class > 0" vs background: the paper's image-level Dice (brain set). */
  readonly imageLevel: number;
}

/**
 * Per-class, mean-foreground and image-level Dice of a predicted label map against the truth.
 * Counts all classes in one pass over the pixels, so it is O(pixels) whatever C is.
 */
export function diceScores(prediction: LabelMap, truth: LabelMap, numClasses: number): DiceResult {
  validateLabelMapPair(prediction, truth, numClasses);
  const inter = new Float64Array(numClasses);
  const sizeP = new Float64Array(numClasses);
  const sizeT = new Float64Array(numClasses);
  const p = prediction.labels;
  const t = truth.labels;
  for (let i = 0; i < p.length; i++) {
    sizeP[p[i]]++;
    sizeT[t[i]]++;
    if (p[i] === t[i]) inter[p[i]]++;
  }
  const perClass: number[] = [];
  const bothEmpty: boolean[] = [];
  for (let c = 0; c < numClasses; c++) {
    const empty = sizeP[c] + sizeT[c] === 0;
    bothEmpty.push(empty);
    perClass.push(empty ? 1 : (2 * inter[c]) / (sizeP[c] + sizeT[c]));
  }
  let sum = 0;
  for (let c = 1; c < numClasses; c++) sum += perClass[c];
  return {
    perClass,
    bothEmpty,
    meanForeground: sum / (numClasses - 1),
    imageLevel: binaryDice(foregroundMask(prediction), foregroundMask(truth)),
  };
}

/** Dice of one class only (convenience for callers that need a single structure). */
export function classDice(prediction: LabelMap, truth: LabelMap, numClasses: number, cls: number): number {
  validateLabelMapPair(prediction, truth, numClasses);
  return binaryDice(classMask(prediction, cls), classMask(truth, cls));
}
