import { InvalidInputError } from '../core/errors';
import { LabelMap } from './types';

/**
 * Splits a binary two-lung mask into the 3-class convention of the paper: 0 background,
 * 1 = the patient's right lung (on the image LEFT, radiological convention), 2 = the patient's
 * left lung (image right).
 *
 * Uses 8-connected components and keeps only the two largest (smaller specks from mask
 * anti-aliasing or annotation noise become background). The component whose centroid has the
 * smaller column is labelled 1. If there is only one component (lungs touching), it is all
 * labelled by which half of the image its centroid is in — callers that need both lungs should
 * check `labels` for both classes.
 */
export function splitLungsByComponents(binaryMask: ArrayLike<number>, width: number, height: number): LabelMap {
  const n = width * height;
  if (binaryMask.length !== n) throw new InvalidInputError('invalid-option', `mask has ${binaryMask.length} values, expected ${width}×${height}`);
  const component = new Int32Array(n).fill(-1);
  const sizes: number[] = [];
  const columnSums: number[] = [];
  const stack = new Int32Array(n);
  for (let start = 0; start < n; start++) {
    if (!binaryMask[start] || component[start] !== -1) continue;
    const id = sizes.length;
    let size = 0;
    let colSum = 0;
    let top = 0;
    stack[top++] = start;
    component[start] = id;
    while (top > 0) {
      const p = stack[--top];
      const r = Math.floor(p / width);
      const c = p - r * width;
      size++;
      colSum += c;
      for (let dr = -1; dr <= 1; dr++) {
        const rr = r + dr;
        if (rr < 0 || rr >= height) continue;
        for (let dc = -1; dc <= 1; dc++) {
          const cc = c + dc;
          if (cc < 0 || cc >= width) continue;
          const q = rr * width + cc;
          if (binaryMask[q] && component[q] === -1) {
            component[q] = id;
            stack[top++] = q;
          }
        }
      }
    }
    sizes.push(size);
    columnSums.push(colSum);
  }
  const largest = sizes.map((s, i) => [s, i]).sort((x, y) => y[0] - x[0] || x[1] - y[1]).slice(0, 2).map((x) => x[1]);
  const classOf = new Map<number, number>();
  if (largest.length === 2) {
    const [p, q] = largest;
    const leftFirst = columnSums[p] / sizes[p] <= columnSums[q] / sizes[q];
    classOf.set(p, leftFirst ? 1 : 2);
    classOf.set(q, leftFirst ? 2 : 1);
  } else if (largest.length === 1) {
    const p = largest[0];
    classOf.set(p, columnSums[p] / sizes[p] < width / 2 ? 1 : 2);
  }
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const cls = component[i] >= 0 ? classOf.get(component[i]) : undefined;
    if (cls !== undefined) labels[i] = cls;
  }
  return { width, height, labels, numClasses: 3 };
}
