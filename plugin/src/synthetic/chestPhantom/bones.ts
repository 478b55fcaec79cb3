import type { ClavicleShape, Densities, MidlineShape, RibShape } from './anatomyTypes';

/**
 * Attenuation added by the bones at a patient-frame point: the spine (vertebral bodies and
 * discs), the clavicles, the posterior ribs and the anterior ribs. `ax` is |x|, the distance
 * from the lungs' midline; `W` is the half-width of the body at that level.
 */

/** Spine: a vertical band of vertebral bodies separated by less dense discs. */
export function spineAttenuation(x: number, y: number, a: MidlineShape & Pick<Densities, 'spineK'>): number {
  const sq = (x - a.midX) / a.spineW;
  if (sq * sq < 1) {
    let f = (y / a.vertebraSp + a.vertebraY0) % 1;
    if (f < 0) f += 1;
    const disc = f < 0.18 ? 0.55 + 2.5 * Math.abs(f - 0.09) : 1;
    return a.spineK * Math.sqrt(1 - sq * sq) * disc;
  }
  return 0;
}

/** Clavicles: S-shaped bars from the sternum towards the shoulders. */
export function clavicleAttenuation(ax: number, y: number, a: ClavicleShape & Pick<Densities, 'clavK'>): number {
  if (ax > 0.03 && ax < a.clavEnd) {
    const u = ax / a.clavEnd;
    const yc = a.clavY - a.clavRise * u - 0.14 * u * (1 - u);
    const hw = a.clavT * (1.15 - 0.35 * u);
    const d = (y - yc) / hw;
    if (d * d < 1) {
      const taper = u > 0.88 ? (1 - u) / 0.12 : ax < 0.06 ? (ax - 0.03) / 0.03 : 1;
      return a.clavK * Math.sqrt(1 - d * d) * taper;
    }
  }
  return 0;
}

/** Posterior ribs: arcs rising from the spine and curving down laterally; spacing grows downwards. */
export function posteriorRibAttenuation(ax: number, y: number, W: number, a: RibShape & Pick<Densities, 'ribK'>): number {
  if (ax < W * 0.97) {
    const ribRange = a.ribCount * a.ribSp;
    const yy = y - a.ribCurv * ((ax - a.ribPeak) * (ax - a.ribPeak) - a.ribPeak * a.ribPeak) - a.ribY0;
    if (yy > 0 && yy < ribRange) {
      const ph = (yy / a.ribSp) * (1 - (a.ribGrowth * yy) / (2 * ribRange));
      const f = ph - Math.floor(ph);
      if (f < 0.5) {
        const t = f * 2;
        const profile = Math.sqrt(4 * t * (1 - t)) * 0.75 + (t > 0.78 ? 0.25 : 0.1); // brighter lower cortex
        const medial = ax < 0.12 ? Math.max(0, (ax - 0.04) / 0.08) : 1;
        const lateral = ax > W * 0.9 ? (W * 0.97 - ax) / (W * 0.07) : 1;
        return a.ribK * profile * medial * lateral;
      }
    }
  }
  return 0;
}

/** Anterior ribs: fainter bands running down and medially from the lateral wall. */
export function anteriorRibAttenuation(ax: number, y: number, W: number, a: RibShape & Pick<Densities, 'ribK'>): number {
  if (ax < W * 0.97 && ax > 0.2) {
    const ya = y + 0.55 * ax - 0.25 * ax * ax - a.antRibY0;
    if (ya > 0 && ya < 6 * a.antRibSp) {
      const f = ya / a.antRibSp - Math.floor(ya / a.antRibSp);
      if (f < 0.4) {
        const t = f / 0.4;
        const medialFade = ax < 0.35 ? (ax - 0.2) / 0.15 : 1;
        return 0.4 * a.ribK * Math.sqrt(4 * t * (1 - t)) * medialFade;
      }
    }
  }
  return 0;
}
