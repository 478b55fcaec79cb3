import type { Anatomy, MidlineShape } from './anatomyTypes';

/**
 * Attenuation of the soft tissue and of the air outside the lungs, per patient-frame point: the
 * body (an elliptic cross-section), the heart shadow, the trachea and the gastric bubble. The
 * lungs' own air is subtracted later (rendering), where their margins are known.
 */

/** Soft tissue crossed at relative position `q` = x / half-width of the body (|q| < 1). */
export function bodyTissue(q: number, a: Pick<Anatomy, 'tissue'>): number {
  const T = Math.sqrt(1 - q * q);
  return a.tissue * T;
}

/** Heart shadow (projection through an ellipsoid), given the signed heart margin `hm` (negative inside). */
export function heartShadow(hm: number, a: Pick<Anatomy, 'heart' | 'heartK'>): number {
  if (hm < 0) {
    const d = -hm / a.heart.minR;
    return a.heartK * Math.sqrt(d > 1 ? 1 : d * (2 - d));
  }
  return 0;
}

/** Air of the trachea above the carina, fading out towards it (an amount to subtract). */
export function tracheaAir(x: number, y: number, a: MidlineShape): number {
  if (y < a.carinaY) {
    const tq = (x - a.midX) / a.tracheaW;
    if (tq * tq < 1) {
      const fade = Math.min(1, (a.carinaY - y) / 0.08);
      return 0.22 * Math.sqrt(1 - tq * tq) * fade;
    }
  }
  return 0;
}

/** Gastric bubble under the left hemidiaphragm, with a flat air–fluid level (an amount to subtract). */
export function gastricBubbleAir(x: number, y: number, a: Pick<Anatomy, 'bubble'>): number {
  const bb = a.bubble;
  if (bb && x > 0) {
    const bx = (x - bb.x) / bb.rx;
    const by = (y - bb.y) / bb.ry;
    const bq = bx * bx + by * by;
    if (bq < 1 && by < 0.25) return 0.35 * Math.sqrt(1 - bq);
  }
  return 0;
}
