import { createRng } from '../../random/rng';
import type { GrayImage } from '../types';

/**
 * Two groups of toy images for the self-supervised tests (test helper only, excluded from the
 * build): bright disks of varying centre and radius, and stripes of varying period and phase.
 * 12-bit-like intensities on purpose, so that nothing assumes 0..255.
 */
export function disk(size: number, seed: number): GrayImage {
  const rng = createRng(seed);
  const cx = size * (0.35 + 0.3 * rng.nextFloat());
  const cy = size * (0.35 + 0.3 * rng.nextFloat());
  const r = size * (0.15 + 0.15 * rng.nextFloat());
  const data = new Float32Array(size * size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) data[y * size + x] = Math.hypot(x + 0.5 - cx, y + 0.5 - cy) <= r ? 3000 : 200;
  return { width: size, height: size, data };
}

export function stripes(size: number, seed: number): GrayImage {
  const rng = createRng(seed);
  const period = 3 + 3 * rng.nextFloat();
  const phase = 2 * Math.PI * rng.nextFloat();
  const data = new Float32Array(size * size);
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) data[y * size + x] = 1600 + 1400 * Math.sin((2 * Math.PI * x) / period + phase);
  return { width: size, height: size, data };
}

/** `count` disks then `count` stripes. */
export function toyPool(size: number, count: number): GrayImage[] {
  return [...Array.from({ length: count }, (_, i) => disk(size, 100 + i)), ...Array.from({ length: count }, (_, i) => stripes(size, 200 + i))];
}

/** A horizontal ramp in [0, 1] (left dark, right bright) or, with `vertical`, a vertical one (top dark). */
export function ramp(width: number, height: number, vertical = false): GrayImage {
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = vertical ? (y + 0.5) / height : (x + 0.5) / width;
  return { width, height, data };
}
