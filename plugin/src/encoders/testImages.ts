import { GrayImage } from './types';

/**
 * Deterministic synthetic test images (no Math.random): a chest-X-ray-like phantom (bright body,
 * two dark "lungs", a smooth gradient) that can be shifted, and a structurally different image.
 * Test helper only; not part of the engine's surface.
 */
export function phantom(size: number, shiftX = 0, shiftY = 0): GrayImage {
  const data = new Float32Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const u = (x - shiftX) / size;
      const v = (y - shiftY) / size;
      const lung = (cx: number): boolean => ((u - cx) / 0.15) ** 2 + ((v - 0.5) / 0.3) ** 2 <= 1;
      let value = 600 + 300 * v; // 12-bit-like range on purpose: encoders must not assume 0..255
      if (lung(0.3) || lung(0.7)) value = 150 + 60 * Math.sin(20 * u) * Math.sin(17 * v);
      data[y * size + x] = value;
    }
  }
  return { width: size, height: size, data };
}

/** Concentric rings and a diagonal grating: nothing like the phantom. */
export function rings(size: number): GrayImage {
  const data = new Float32Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const r = Math.hypot(x - size / 2, y - size / 2);
      data[y * size + x] = Math.sin(r / 3) + 0.5 * Math.sin((x + y) / 5);
    }
  }
  return { width: size, height: size, data };
}

/** Squared Euclidean distance between rows i and j of a row-major n × dims matrix. */
export function rowDistance(m: Float32Array, dims: number, i: number, j: number): number {
  let s = 0;
  for (let k = 0; k < dims; k++) s += (m[i * dims + k] - m[j * dims + k]) ** 2;
  return s;
}
