/**
 * Test data for the segmentation model: one bright disk on a dark, noisy background per image,
 * z-scored like the paper's inputs (eq. 11). Label 1 inside the disk, 0 outside.
 */
import { createRng } from '../../random/rng';

/** Images, masks and the disk geometry used to draw them. */
export interface DiskSet {
  readonly images: Float32Array[];
  readonly masks: Uint8Array[];
  readonly centres: [number, number][];
  readonly radii: number[];
}

/** `count` S × S images; disk radius in [S/5, S/3), centre kept inside the image. */
export function syntheticDisks(count: number, size: number, seed: number, noise = 0.15): DiskSet {
  const rng = createRng(seed);
  const set: DiskSet = { images: [], masks: [], centres: [], radii: [] };
  for (let i = 0; i < count; i++) {
    const r = size / 5 + rng.nextFloat() * (size / 3 - size / 5);
    const cy = r + rng.nextFloat() * (size - 2 * r);
    const cx = r + rng.nextFloat() * (size - 2 * r);
    const image = new Float32Array(size * size);
    const mask = new Uint8Array(size * size);
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const inside = (y + 0.5 - cy) ** 2 + (x + 0.5 - cx) ** 2 <= r * r;
        mask[y * size + x] = inside ? 1 : 0;
        image[y * size + x] = (inside ? 1 : 0) + noise * rng.nextGaussian();
      }
    }
    set.images.push(zScore(image));
    set.masks.push(mask);
    set.centres.push([cy, cx]);
    set.radii.push(r);
  }
  return set;
}

/** Eq. (11): (I − μ) / (σ + ε) per image. */
function zScore(image: Float32Array): Float32Array {
  let mean = 0;
  for (const v of image) mean += v;
  mean /= image.length;
  let variance = 0;
  for (const v of image) variance += (v - mean) ** 2;
  const sd = Math.sqrt(variance / image.length);
  return image.map((v) => (v - mean) / (sd + 1e-8));
}
