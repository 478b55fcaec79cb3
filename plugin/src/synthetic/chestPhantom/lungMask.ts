/**
 * Clean-up of the lung label map: the lung shapes make one region per label, and this guard
 * keeps it that way whatever the pose and the pixel grid.
 */

/** Keeps only the largest 4-connected component of each label (a guard; the shapes make one). */
export function keepLargestComponents(mask: Uint8Array, size: number): void {
  const comp = new Int32Array(mask.length).fill(-1);
  const queue = new Int32Array(mask.length);
  const bestSize = [0, 0, 0];
  const bestId = [-1, -1, -1];
  let next = 0;
  for (let start = 0; start < mask.length; start++) {
    const label = mask[start];
    if (label === 0 || comp[start] >= 0) continue;
    const id = next++;
    let head = 0;
    let tail = 0;
    queue[tail++] = start;
    comp[start] = id;
    while (head < tail) {
      const p = queue[head++];
      const r = (p / size) | 0;
      const c = p - r * size;
      if (c > 0 && mask[p - 1] === label && comp[p - 1] < 0) { comp[p - 1] = id; queue[tail++] = p - 1; }
      if (c < size - 1 && mask[p + 1] === label && comp[p + 1] < 0) { comp[p + 1] = id; queue[tail++] = p + 1; }
      if (r > 0 && mask[p - size] === label && comp[p - size] < 0) { comp[p - size] = id; queue[tail++] = p - size; }
      if (r < size - 1 && mask[p + size] === label && comp[p + size] < 0) { comp[p + size] = id; queue[tail++] = p + size; }
    }
    if (tail > bestSize[label]) {
      bestSize[label] = tail;
      bestId[label] = id;
    }
  }
  for (let p = 0; p < mask.length; p++) {
    const label = mask[p];
    if (label !== 0 && comp[p] !== bestId[label]) mask[p] = 0;
  }
}
