import type { Anatomy } from './anatomyTypes';
import { anteriorRibAttenuation, clavicleAttenuation, posteriorRibAttenuation, spineAttenuation } from './bones';
import { bodyHalfWidth, heartMargin, lungShapeMargin } from './geometry';
import { bodyTissue, gastricBubbleAir, heartShadow, tracheaAir } from './softTissue';

/**
 * First rendering pass: maps each pixel centre into the patient frame and evaluates the anatomy
 * there — the attenuation of everything but the lungs' air, the signed lung margin and the lung
 * label. The lungs' air, vessels and texture are added by the exposure pass.
 */

/** Per-pixel maps of the first pass (size × size, row-major). */
export interface AttenuationMaps {
  /** Attenuation without the lungs' air. */
  readonly base: Float32Array;
  /** Signed lung margin (positive inside a lung, −1 outside the body). */
  readonly margin: Float32Array;
  /** Lung labels: 0 background, 1 right lung (image left), 2 left lung (image right). */
  readonly mask: Uint8Array;
}

/**
 * Attenuation at a patient-frame point inside the body, without the lungs' air: soft tissue,
 * heart, spine, trachea, clavicles, ribs and gastric bubble, added in that order.
 * `q` = x / W with W the body's half-width at y; `hm` is the signed heart margin.
 */
function bodyAttenuation(x: number, y: number, W: number, q: number, hm: number, a: Anatomy): number {
  let A = bodyTissue(q, a);
  const ax = x < 0 ? -x : x;
  A += heartShadow(hm, a);
  A += spineAttenuation(x, y, a);
  A -= tracheaAir(x, y, a);
  A += clavicleAttenuation(ax, y, a);
  A += posteriorRibAttenuation(ax, y, W, a);
  A += anteriorRibAttenuation(ax, y, W, a);
  A -= gastricBubbleAir(x, y, a);
  return A;
}

/** Evaluates one pixel at patient-frame point (x, y) into the maps at index p. */
function evaluatePixel(maps: AttenuationMaps, p: number, x: number, y: number, a: Anatomy): void {
  const W = bodyHalfWidth(y, a.body);
  const q = x / W;
  if (q * q >= 1) {
    maps.margin[p] = -1;
    return; // air outside the body
  }
  // Lungs (the heart cuts the medial lower part, deepest on the left: the cardiac notch).
  const hm = heartMargin(x, y, a.heart);
  let m = x < 0 ? lungShapeMargin(-x, y, a.right) : lungShapeMargin(x, y, a.left);
  if (hm < m) m = hm;
  maps.margin[p] = m;
  if (m > 0) maps.mask[p] = x < 0 ? 1 : 2;
  maps.base[p] = bodyAttenuation(x, y, W, q, hm, a);
}

/** The first pass over a size × size image of the anatomy `a`. */
export function attenuationMaps(a: Anatomy, size: number): AttenuationMaps {
  const n = size * size;
  const maps: AttenuationMaps = { base: new Float32Array(n), margin: new Float32Array(n), mask: new Uint8Array(n) };
  const c = Math.cos(a.rotation);
  const s = Math.sin(a.rotation);
  const invScale = 1 / a.scale;
  const step = 2 / size;
  for (let row = 0; row < size; row++) {
    const Y = (row + 0.5) * step - 1 - a.shiftY;
    for (let col = 0; col < size; col++) {
      const X = (col + 0.5) * step - 1 - a.shiftX;
      const x = (c * X + s * Y) * invScale;
      const y = (-s * X + c * Y) * invScale;
      evaluatePixel(maps, row * size + col, x, y, a);
    }
  }
  return maps;
}
