import type { Anatomy } from './anatomyTypes';
import type { ChestPhantomGroup, ChestPhantomMeta } from './chestPhantomTypes';
import { bodyHalfWidth } from './geometry';

/**
 * The `meta` of a phantom: what was drawn (pose, sizes, exposure) in image-relative units, and
 * measurements of the rendered mask, rounded so that they read well in headers and JSON.
 */

/** Rounds to `digits` decimals. */
function round(v: number, digits = 4): number {
  return Math.round(v * 10 ** digits) / 10 ** digits;
}

/** Number of pixels labelled right lung (1) and left lung (2). */
function lungPixelCounts(mask: Uint8Array): { right: number; left: number } {
  let right = 0;
  let left = 0;
  for (let p = 0; p < mask.length; p++) {
    if (mask[p] === 1) right++;
    else if (mask[p] === 2) left++;
  }
  return { right, left };
}

/** The meta of a phantom of `group` drawn from `seed` at `size`, with anatomy `anatomy` and lung mask `mask`. */
export function phantomMeta(group: ChestPhantomGroup, seed: number, size: number, anatomy: Anatomy, mask: Uint8Array): ChestPhantomMeta {
  const counts = lungPixelCounts(mask);
  const h = anatomy.heart;
  const heartHalf = Math.sqrt((h.w * h.cos) ** 2 + (h.h * h.sin) ** 2);
  return {
    group,
    seed,
    size,
    pixelSpacingMm: round(430 / size, 6),
    rotationDeg: round((anatomy.rotation * 180) / Math.PI, 3),
    shiftX: round(anatomy.shiftX / 2),
    shiftY: round(anatomy.shiftY / 2),
    scale: round(anatomy.scale),
    lungHeight: round(((anatomy.right.yBase - anatomy.right.yApex) * anatomy.scale) / 2),
    heartWidth: round(heartHalf * anatomy.scale),
    cardiothoracicRatio: round(heartHalf / bodyHalfWidth(h.y, anatomy.body)),
    contrast: round(anatomy.contrast),
    brightness: round(anatomy.brightness),
    noise: round(anatomy.noise * anatomy.contrast),
    rightLungFraction: round(counts.right / mask.length),
    leftLungFraction: round(counts.left / mask.length),
  };
}
