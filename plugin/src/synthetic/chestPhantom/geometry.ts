import type { Anatomy, BodyShape, HeartShape, LungShape, Pose } from './anatomyTypes';

/**
 * Shapes of the anatomy in the patient frame: the body outline, the lung fields (with the
 * diaphragm domes and the aortic knob), the heart shadow, as signed margins (≈ distances,
 * positive inside), plus the extent of the lungs on the image for a trial pose.
 */

/** Smooth minimum of `a` and `b` (polynomial, blending over a width `k`). */
function smin(a: number, b: number, k: number): number {
  const h = Math.max(k - Math.abs(a - b), 0) / k;
  return Math.min(a, b) - h * h * k * 0.25;
}

/** Half-width of the body at level `y`: neck, sloping shoulders, then a slightly flaring chest. */
export function bodyHalfWidth(y: number, b: BodyShape): number {
  if (y <= b.yNeck) return b.neckW;
  if (y < b.yShoulder) {
    // Sloping shoulders: a flat neck line turning into a rounded shoulder.
    const t = (y - b.yNeck) / (b.yShoulder - b.yNeck);
    const e = 1 - (1 - t) * (1 - t);
    return b.neckW + (b.shoulderW - b.neckW) * (0.45 * t + 0.55 * Math.sqrt(e));
  }
  const chest = b.chestW + b.flare * y - 0.08 * (y - 0.25) * (y - 0.25);
  if (y >= b.yChest) return chest;
  const t = (y - b.yShoulder) / (b.yChest - b.yShoulder);
  const st = t * t * (3 - 2 * t);
  return b.shoulderW + (chest - b.shoulderW) * st;
}

/** Signed margin (≈ distance, patient units) of a point inside one lung, before the heart cut. */
export function lungShapeMargin(s: number, y: number, L: LungShape): number {
  if (y <= L.yApex) return y - L.yApex;
  const t = (y - L.yWide) / (L.yApex - L.yWide);
  const sL = t > 0 ? L.sApex + (L.sLat - L.sApex) * Math.sqrt(Math.max(0, 1 - t * t)) : L.sLat;
  const tm = (y - L.yMedTop) / (L.yApex - L.yMedTop);
  let sM = tm > 0 ? L.sApex - (L.sApex - L.sMed) * Math.sqrt(Math.max(0, 1 - tm * tm)) : L.sMed;
  if (L.knob > 0) {
    const q = (y - L.knobY) / L.knobH;
    if (q * q < 1) {
      const b = 1 - q * q;
      sM += L.knob * b * b;
    }
  }
  let gd: number;
  if (s >= L.sPeak) {
    const q = (s - L.sPeak) / (L.sLat - L.sPeak);
    gd = 1 - q * q;
  } else {
    const q = (L.sPeak - s) / (L.sPeak - L.sMed);
    gd = 1 - 0.55 * q * q;
  }
  const yB = L.yBase - L.dome * gd;
  return smin(smin(sL - s, yB - y, 0.06), s - sM, 0.03);
}

/** Signed margin outside the heart shadow (positive outside). */
export function heartMargin(x: number, y: number, H: HeartShape): number {
  const dx = x - H.x;
  const dy = y - H.y;
  const u = (dx * H.cos + dy * H.sin) / H.w;
  const v = (-dx * H.sin + dy * H.cos) / H.h;
  return (Math.sqrt(u * u + v * v) - 1) * H.minR - H.gap;
}

/** Signed lung margin at a patient-frame point (either lung; positive inside). */
export function lungMarginAt(x: number, y: number, a: Anatomy): number {
  const m = x < 0 ? lungShapeMargin(-x, y, a.right) : lungShapeMargin(x, y, a.left);
  if (m <= 0) return m;
  return Math.min(m, heartMargin(x, y, a.heart));
}

/** Largest |image coordinate| of a few extreme points of both lungs, for a trial pose. */
export function lungExtent(pose: Pose, right: LungShape, left: LungShape): number {
  const c = Math.cos(pose.rotation);
  const s = Math.sin(pose.rotation);
  let worst = 0;
  for (const [lung, side] of [[right, -1], [left, 1]] as const) {
    const points: Array<[number, number]> = [
      [lung.sApex, lung.yApex], [lung.sLat, lung.yWide], [lung.sLat, lung.yBase], [lung.sMed, lung.yBase - lung.dome * 0.5],
    ];
    for (const [sp, yp] of points) {
      const x = side * sp * pose.scale;
      const y = yp * pose.scale;
      const X = c * x - s * y + pose.shiftX;
      const Y = s * x + c * y + pose.shiftY;
      worst = Math.max(worst, Math.abs(X), Math.abs(Y));
    }
  }
  return worst;
}
