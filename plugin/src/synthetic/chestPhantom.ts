import { InvalidInputError } from '../core/errors';
import { createRng, shuffleInPlace, type Rng } from '../random/rng';

/**
 * Synthetic chest-radiograph-like phantoms with lung masks, for the embedded demo and for
 * end-to-end tests. Everything is deterministic from the seed (the engine's seeded generator,
 * never Math.random) and computed in one pass over the pixels plus a few cheap separable passes.
 *
 * Geometry is drawn in a "patient frame" where the thorax spans roughly x ∈ [−0.9, 0.9] and the
 * image spans y ∈ [−1, 1] at scale 1 (x to the image's right, y downwards); the patient frame is
 * then scaled, rotated and shifted onto the image. The image is a projection-like attenuation map
 * (soft-tissue thickness of an elliptic body, minus the air of the lungs, plus heart, spine,
 * clavicles, ribs and vessels) pushed through an exposure curve, with low-pass and fine noise.
 */

/** The kinds of image a phantom set mixes (so that clustering embeddings finds structure). */
export type ChestPhantomGroup = 'adult' | 'child' | 'rotated' | 'low-exposure';

/** Every group, in a fixed order. */
export const CHEST_PHANTOM_GROUPS: readonly ChestPhantomGroup[] = ['adult', 'child', 'rotated', 'low-exposure'];

/** Values of the mask. The patient's right lung is on the image's left, as in a PA radiograph. */
export const CHEST_PHANTOM_LABELS = { background: 0, rightLung: 1, leftLung: 2 } as const;

/** Largest pixel value (12 bits stored). */
export const CHEST_PHANTOM_MAX_VALUE = 4095;

/** Options of {@link chestPhantom}. */
export interface ChestPhantomOptions {
  /** Any safe integer; the same seed (and options) gives the same image, bit for bit. */
  readonly seed: number;
  /** Side of the square image in pixels (16–4096). Default 256. */
  readonly size?: number;
  /** Force a group; default: drawn from the seed (adult 40 %, the others 20 % each). */
  readonly variant?: ChestPhantomGroup;
}

/** What was drawn, for tests, DICOM headers and plots. */
export interface ChestPhantomMeta {
  readonly group: ChestPhantomGroup;
  readonly seed: number;
  readonly size: number;
  /** Nominal pixel spacing in millimetres (a 430 mm field of view over `size` pixels). */
  readonly pixelSpacingMm: number;
  /** In-plane rotation of the patient, degrees (positive: clockwise on screen). */
  readonly rotationDeg: number;
  /** Shift of the patient's centre as a fraction of the image side. */
  readonly shiftX: number;
  readonly shiftY: number;
  /** Size of the patient relative to a standard adult filling the field. */
  readonly scale: number;
  /** Apex-to-costophrenic-angle height of the right lung as a fraction of the image height. */
  readonly lungHeight: number;
  /** Widest horizontal extent of the heart shadow as a fraction of the image width. */
  readonly heartWidth: number;
  /** Heart width over thorax width (the cardiothoracic ratio a reader would measure). */
  readonly cardiothoracicRatio: number;
  /** Global exposure parameters of the rendering. */
  readonly contrast: number;
  readonly brightness: number;
  /** Level of the fine (quantum-like) noise relative to the full range, before the final 3 × 3 smoothing (≈ its std in mid-grey). */
  readonly noise: number;
  /** Fraction of the image in each lung. */
  readonly rightLungFraction: number;
  readonly leftLungFraction: number;
}

/** One phantom: a MONOCHROME2 12-bit image (air dark, bone bright) and its lung label map. */
export interface ChestPhantom {
  /** size × size, row-major, values 0..4095. */
  readonly pixels: Uint16Array;
  /** size × size, row-major: 0 background, 1 right lung (image left), 2 left lung (image right). */
  readonly mask: Uint8Array;
  readonly size: number;
  readonly meta: ChestPhantomMeta;
}

/** A phantom of a set, with its id (`phantom-0001`, …). */
export interface ChestPhantomSetItem extends ChestPhantom {
  readonly id: string;
}

// ---------------------------------------------------------------------------------------------
// Parameters

interface LungShape {
  /** Medial border (distance from the midline) below the apex region. */
  readonly sMed: number;
  /** Widest lateral extent. */
  readonly sLat: number;
  /** Lateral position of the apex (top of the lung). */
  readonly sApex: number;
  readonly yApex: number;
  /** Level where the lateral border reaches sLat (then runs vertically down to the angle). */
  readonly yWide: number;
  /** Level where the medial border becomes vertical. */
  readonly yMedTop: number;
  /** Level of the costophrenic angle (lowest point of the lung, laterally). */
  readonly yBase: number;
  /** Height of the diaphragm dome above yBase. */
  readonly dome: number;
  /** Lateral position of the top of the dome. */
  readonly sPeak: number;
  /** Aortic knob: bulge of the medial border (left lung only). */
  readonly knob: number;
  readonly knobY: number;
  readonly knobH: number;
}

interface HeartShape {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
  readonly cos: number;
  readonly sin: number;
  readonly minR: number;
  /** Gap (patient units) kept between the heart shadow and the lungs. */
  readonly gap: number;
}

interface BodyShape {
  readonly neckW: number;
  readonly yNeck: number;
  readonly shoulderW: number;
  readonly yShoulder: number;
  readonly chestW: number;
  readonly yChest: number;
  /** Change of the chest half-width per unit of y (slight widening downwards). */
  readonly flare: number;
}

interface Anatomy {
  readonly group: ChestPhantomGroup;
  // pose
  readonly scale: number;
  readonly rotation: number;
  readonly shiftX: number;
  readonly shiftY: number;
  // shapes
  readonly body: BodyShape;
  readonly right: LungShape;
  readonly left: LungShape;
  readonly heart: HeartShape;
  /** x of the midline structures (spine, trachea) — off the lungs' midline when the patient is rotated. */
  readonly midX: number;
  readonly spineW: number;
  readonly vertebraSp: number;
  readonly vertebraY0: number;
  readonly tracheaW: number;
  readonly carinaY: number;
  readonly clavY: number;
  readonly clavEnd: number;
  readonly clavRise: number;
  readonly clavT: number;
  readonly ribY0: number;
  readonly ribSp: number;
  readonly ribCount: number;
  readonly ribCurv: number;
  readonly ribPeak: number;
  readonly ribGrowth: number;
  readonly antRibY0: number;
  readonly antRibSp: number;
  readonly bubble: { readonly x: number; readonly y: number; readonly rx: number; readonly ry: number } | null;
  // densities (attenuation units: midline soft tissue ≈ 1)
  readonly tissue: number;
  readonly lungK: number;
  readonly ribK: number;
  readonly clavK: number;
  readonly spineK: number;
  readonly heartK: number;
  readonly vesselK: number;
  readonly textureK: number;
  // exposure
  readonly mu: number;
  readonly gamma: number;
  readonly contrast: number;
  readonly brightness: number;
  readonly noise: number;
  readonly lowpass: number;
  readonly heelX: number;
  readonly heelY: number;
}

const GROUP_WEIGHTS: Record<ChestPhantomGroup, number> = { adult: 0.4, child: 0.2, rotated: 0.2, 'low-exposure': 0.2 };

function clampedGaussian(rng: Rng, limit = 2): number {
  const g = rng.nextGaussian();
  return g > limit ? limit : g < -limit ? -limit : g;
}

function uniform(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng.nextFloat();
}

function drawGroup(rng: Rng): ChestPhantomGroup {
  let u = rng.nextFloat();
  for (const g of CHEST_PHANTOM_GROUPS) {
    u -= GROUP_WEIGHTS[g];
    if (u < 0) return g;
  }
  return 'adult';
}

function sampleAnatomy(group: ChestPhantomGroup, rng: Rng): Anatomy {
  const g = (): number => clampedGaussian(rng);
  const child = group === 'child';
  const rotated = group === 'rotated';
  const lowExposure = group === 'low-exposure';

  // Pose.
  let scale = child ? 0.84 + 0.03 * g() : rotated ? 0.93 + 0.03 * g() : 0.99 + 0.035 * g();
  let rotationDeg = 2.2 * g();
  let shiftX = 0.025 * g();
  let shiftY = (child ? -0.02 : 0) + 0.025 * g();
  let axial = 0; // apparent axial rotation: mediastinum off-centre, one hemithorax narrower
  if (rotated) {
    // One consistent mispositioning (tilted clockwise on screen, off-centre, turned to its
    // left), so that the group forms one mode rather than two mirror images.
    rotationDeg = uniform(rng, 8, 14);
    shiftX = uniform(rng, 0.04, 0.09);
    shiftY = 0.04 * g();
    axial = uniform(rng, 0.03, 0.06);
  }

  // Body.
  const chestW = (child ? 0.95 : 0.9) + 0.025 * g();
  const body: BodyShape = {
    neckW: (child ? 0.27 : 0.22) + 0.015 * g(),
    yNeck: (child ? -1.0 : -1.12) + 0.03 * g(),
    shoulderW: chestW + (child ? 0.03 : 0.08) + 0.02 * g(),
    yShoulder: (child ? -0.66 : -0.7) + 0.03 * g(),
    chestW,
    yChest: -0.3,
    flare: 0.04 + 0.02 * g(),
  };

  // Lungs (distances from the midline; right lung on the image's left).
  const heightFactor = (child ? 0.9 : 1) * (1 + 0.06 * g());
  const yApex = (child ? -0.6 : -0.7) + 0.03 * g();
  const lungSpan = 1.18 * heightFactor;
  const latScale = child ? 0.92 : 1;
  const makeLung = (side: 'right' | 'left'): LungShape => {
    const sMed = (side === 'right' ? 0.1 : 0.115) + 0.012 * g() + (side === 'right' ? -axial : axial) * 0.5;
    const sLat = latScale * (0.8 + 0.025 * g()) * (1 + (side === 'right' ? -axial : axial) * 1.2);
    const apexY = yApex + 0.02 * g() + (side === 'right' ? 0 : 0.01);
    const yBase = yApex + lungSpan + (side === 'left' ? 0.05 : 0) + 0.025 * g();
    const width = sLat - sMed;
    const sApex = sMed + (0.36 + 0.04 * g()) * width;
    const dome = (child ? 0.13 : 0.17) + 0.03 * g();
    return {
      sMed,
      sLat,
      sApex,
      yApex: apexY,
      yWide: yBase - (0.28 + 0.04 * g()) * (yBase - apexY),
      yMedTop: apexY + 0.3 * (yBase - apexY),
      yBase,
      dome,
      sPeak: sMed + (0.42 + 0.05 * g()) * width,
      knob: side === 'left' ? 0.03 + 0.008 * g() : 0,
      knobY: apexY + 0.3 + 0.03 * g(),
      knobH: 0.13,
    };
  };
  const right = makeLung('right');
  const left = makeLung('left');

  // Heart: a tilted ellipse resting on the diaphragm, bulging to the patient's left (image right).
  const heartW = (child ? 0.37 : 0.34) * latScale * (1 + 0.08 * g());
  const heartH = (child ? 0.27 : 0.26) * heightFactor * (1 + 0.06 * g());
  const tilt = 0.3 + 0.08 * g();
  const hx = 0.14 + 0.02 * g() + axial;
  const hy = left.yBase - left.dome * 0.55 - 0.6 * heartH + 0.02 * g();
  const heart: HeartShape = {
    x: hx, y: hy, w: heartW, h: heartH, cos: Math.cos(tilt), sin: Math.sin(tilt), minR: Math.min(heartW, heartH), gap: 0.012,
  };

  const bubble = rng.nextFloat() < 0.65
    ? { x: left.sMed + 0.45 * (left.sLat - left.sMed) + 0.04 * g(), y: left.yBase + 0.09 + 0.02 * g(), rx: 0.08 + 0.015 * g(), ry: 0.06 + 0.01 * g() }
    : null;

  // Exposure.
  const contrast = lowExposure ? uniform(rng, 0.55, 0.7) : 1 + 0.06 * g();
  const brightness = lowExposure ? -0.07 + 0.02 * g() : 0.025 * g();
  const noise = lowExposure ? uniform(rng, 0.06, 0.08) : 0.01 + 0.002 * g();

  // Keep both lungs inside the frame: pull the patient back towards the centre if needed.
  const a0 = { scale, rotation: (rotationDeg * Math.PI) / 180, shiftX, shiftY };
  for (let attempt = 0; attempt < 6 && lungExtent(a0, right, left) > 0.95; attempt++) {
    a0.shiftX *= 0.6;
    a0.shiftY *= 0.6;
    if (attempt >= 2) a0.scale *= 0.95;
  }
  scale = a0.scale;
  shiftX = a0.shiftX;
  shiftY = a0.shiftY;

  return {
    group,
    scale,
    rotation: a0.rotation,
    shiftX,
    shiftY,
    body,
    right,
    left,
    heart,
    midX: axial * 0.8,
    spineW: (child ? 0.075 : 0.065) + 0.005 * g(),
    vertebraSp: (child ? 0.1 : 0.115) * heightFactor,
    vertebraY0: rng.nextFloat(),
    tracheaW: (child ? 0.032 : 0.036) + 0.003 * g(),
    carinaY: yApex + 0.45 * lungSpan + 0.03 * g(),
    clavY: yApex + (child ? 0.06 : 0.1) + 0.03 * g(),
    clavEnd: (child ? 0.5 : 0.6) + 0.03 * g(),
    clavRise: (child ? 0.08 : 0.16) + 0.03 * g(),
    clavT: (child ? 0.03 : 0.036) + 0.003 * g(),
    ribY0: yApex - 0.1 + 0.02 * g(),
    ribSp: (child ? 0.1 : 0.105) * heightFactor * (1 + 0.04 * g()),
    ribCount: 11,
    ribCurv: (child ? 0.6 : 0.9) + 0.1 * g(),
    ribPeak: 0.25 + 0.04 * g(),
    ribGrowth: 0.25,
    antRibY0: yApex - 0.05 + 0.03 * g(),
    antRibSp: 0.15 * heightFactor,
    bubble,
    tissue: child ? 1.12 : 1 + 0.04 * g(),
    lungK: child ? 0.7 : 0.78 + 0.03 * g(),
    ribK: child ? 0.04 : 0.065 + 0.01 * g(),
    clavK: child ? 0.2 : 0.3,
    spineK: child ? 0.2 : 0.28,
    heartK: 0.1 + 0.03 * g(),
    vesselK: 0.16,
    textureK: 0.05,
    mu: 1.0,
    gamma: lowExposure ? uniform(rng, 0.5, 0.62) : 1 + 0.07 * g(),
    contrast,
    brightness,
    noise,
    lowpass: lowExposure ? 0.05 : 0.025,
    heelX: 0.02 * g(),
    heelY: 0.02 * g(),
  };
}

/** Largest |image coordinate| of a few extreme points of both lungs, for a trial pose. */
function lungExtent(pose: { scale: number; rotation: number; shiftX: number; shiftY: number }, right: LungShape, left: LungShape): number {
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

// ---------------------------------------------------------------------------------------------
// Geometry

function smin(a: number, b: number, k: number): number {
  const h = Math.max(k - Math.abs(a - b), 0) / k;
  return Math.min(a, b) - h * h * k * 0.25;
}

function bodyHalfWidth(y: number, b: BodyShape): number {
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
function lungShapeMargin(s: number, y: number, L: LungShape): number {
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
function heartMargin(x: number, y: number, H: HeartShape): number {
  const dx = x - H.x;
  const dy = y - H.y;
  const u = (dx * H.cos + dy * H.sin) / H.w;
  const v = (-dx * H.sin + dy * H.cos) / H.h;
  return (Math.sqrt(u * u + v * v) - 1) * H.minR - H.gap;
}

/** Signed lung margin at a patient-frame point (either lung; positive inside). */
function lungMarginAt(x: number, y: number, a: Anatomy): number {
  const m = x < 0 ? lungShapeMargin(-x, y, a.right) : lungShapeMargin(x, y, a.left);
  if (m <= 0) return m;
  return Math.min(m, heartMargin(x, y, a.heart));
}

// ---------------------------------------------------------------------------------------------
// Noise

/** Smooth value noise in about [−1, 1]: a random grid of `cells`² cells, smoothstep-interpolated. */
function valueNoise(rng: Rng, size: number, cells: number): Float32Array {
  const n = cells + 1;
  const grid = new Float32Array(n * n);
  for (let i = 0; i < grid.length; i++) grid[i] = 2 * rng.nextFloat() - 1;
  const i0 = new Int32Array(size);
  const w = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    const g = ((i + 0.5) / size) * cells;
    const k = Math.min(cells - 1, Math.floor(g));
    const f = g - k;
    i0[i] = k;
    w[i] = f * f * (3 - 2 * f);
  }
  const out = new Float32Array(size * size);
  for (let r = 0; r < size; r++) {
    const rowA = i0[r] * n;
    const rowB = rowA + n;
    const wy = w[r];
    for (let c = 0; c < size; c++) {
      const k = i0[c];
      const wx = w[c];
      const top = grid[rowA + k] + (grid[rowA + k + 1] - grid[rowA + k]) * wx;
      const bottom = grid[rowB + k] + (grid[rowB + k + 1] - grid[rowB + k]) * wx;
      out[r * size + c] = top + (bottom - top) * wy;
    }
  }
  return out;
}

/** In-place separable [1 2 1]/4 blur (edges clamped). */
function blur121(data: Float32Array, size: number): void {
  const tmp = new Float32Array(size);
  for (let r = 0; r < size; r++) {
    const o = r * size;
    for (let c = 0; c < size; c++) {
      const l = data[o + (c > 0 ? c - 1 : c)];
      const rr = data[o + (c < size - 1 ? c + 1 : c)];
      tmp[c] = 0.25 * (l + rr) + 0.5 * data[o + c];
    }
    data.set(tmp, o);
  }
  const col = new Float32Array(size);
  for (let c = 0; c < size; c++) {
    for (let r = 0; r < size; r++) {
      const u = data[(r > 0 ? r - 1 : r) * size + c];
      const d = data[(r < size - 1 ? r + 1 : r) * size + c];
      col[r] = 0.25 * (u + d) + 0.5 * data[r * size + c];
    }
    for (let r = 0; r < size; r++) data[r * size + c] = col[r];
  }
}

// ---------------------------------------------------------------------------------------------
// Vessels: branching random walks from each hilum, stamped into an image-space buffer.

function drawVessels(a: Anatomy, size: number, rng: Rng): Float32Array {
  const out = new Float32Array(size * size);
  const c = Math.cos(a.rotation);
  const s = Math.sin(a.rotation);
  const half = size / 2;
  const pxPerUnit = half * a.scale;
  const stamp = (x: number, y: number, thickness: number, strength: number): void => {
    const X = (c * x - s * y) * a.scale + a.shiftX;
    const Y = (s * x + c * y) * a.scale + a.shiftY;
    const px = (X + 1) * half - 0.5;
    const py = (Y + 1) * half - 0.5;
    const r = thickness * pxPerUnit;
    const weight = strength * Math.min(1, 1.5 * r);
    const reach = r + 1;
    const c0 = Math.max(0, Math.floor(px - reach));
    const c1 = Math.min(size - 1, Math.ceil(px + reach));
    const r0 = Math.max(0, Math.floor(py - reach));
    const r1 = Math.min(size - 1, Math.ceil(py + reach));
    for (let row = r0; row <= r1; row++) {
      const dy = row - py;
      for (let col = c0; col <= c1; col++) {
        const dx = col - px;
        const cover = r + 0.5 - Math.sqrt(dx * dx + dy * dy);
        if (cover <= 0) continue;
        const v = weight * (cover >= 1 ? 1 : cover);
        const p = row * size + col;
        if (v > out[p]) out[p] = v;
      }
    }
  };
  interface Branch { x: number; y: number; angle: number; thickness: number; strength: number; inside: boolean }
  for (const side of [-1, 1] as const) {
    const lung = side < 0 ? a.right : a.left;
    const hilumX = side * (lung.sMed + 0.05);
    const hilumY = lung.yApex + 0.5 * (lung.yBase - lung.yApex);
    const stack: Branch[] = [];
    const trunks = 7 + rng.nextInt(4);
    for (let k = 0; k < trunks; k++) {
      const phi = -1.25 + (2.6 * (k + 0.2 + 0.6 * rng.nextFloat())) / trunks; // from up-lateral to down-lateral
      stack.push({ x: hilumX, y: hilumY, angle: phi, thickness: 0.014 * (0.8 + 0.4 * rng.nextFloat()), strength: 1, inside: false });
    }
    let budget = 70;
    while (stack.length > 0) {
      const b = stack.pop() as Branch;
      for (let step = 0; step < 60; step++) {
        b.angle += 0.1 * rng.nextGaussian();
        b.x += side * 0.016 * Math.cos(b.angle);
        b.y += 0.016 * Math.sin(b.angle);
        const m = lungMarginAt(b.x, b.y, a);
        if (m > 0.005) b.inside = true;
        else if (b.inside || step > 12) break;
        if (b.inside) stamp(b.x, b.y, b.thickness, b.strength);
        b.thickness *= 0.955;
        b.strength *= 0.985;
        if (b.thickness < 0.0025) break;
        if (budget > 0 && b.inside && rng.nextFloat() < 0.1) {
          budget--;
          const turn = (rng.nextFloat() < 0.5 ? -1 : 1) * (0.35 + 0.2 * rng.nextFloat());
          stack.push({ x: b.x, y: b.y, angle: b.angle + turn, thickness: b.thickness * 0.75, strength: b.strength * 0.9, inside: true });
          b.angle -= turn * 0.3;
        }
      }
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Masks

/** Keeps only the largest 4-connected component of each label (a guard; the shapes make one). */
function keepLargestComponents(mask: Uint8Array, size: number): void {
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

// ---------------------------------------------------------------------------------------------
// Rendering

function render(a: Anatomy, size: number, rng: Rng): { pixels: Uint16Array; mask: Uint8Array } {
  const n = size * size;
  const base = new Float32Array(n); // attenuation without the lungs
  const margin = new Float32Array(n);
  const mask = new Uint8Array(n);
  const c = Math.cos(a.rotation);
  const s = Math.sin(a.rotation);
  const invScale = 1 / a.scale;
  const step = 2 / size;
  const { body, heart } = a;
  const ribRange = a.ribCount * a.ribSp;

  for (let row = 0; row < size; row++) {
    const Y = (row + 0.5) * step - 1 - a.shiftY;
    for (let col = 0; col < size; col++) {
      const X = (col + 0.5) * step - 1 - a.shiftX;
      const x = (c * X + s * Y) * invScale;
      const y = (-s * X + c * Y) * invScale;
      const p = row * size + col;
      const W = bodyHalfWidth(y, body);
      const q = x / W;
      if (q * q >= 1) {
        margin[p] = -1;
        continue; // air outside the body
      }
      const T = Math.sqrt(1 - q * q);
      let A = a.tissue * T;
      const ax = x < 0 ? -x : x;

      // Lungs (the heart cuts the medial lower part, deepest on the left: the cardiac notch).
      const hm = heartMargin(x, y, heart);
      let m = x < 0 ? lungShapeMargin(-x, y, a.right) : lungShapeMargin(x, y, a.left);
      if (hm < m) m = hm;
      margin[p] = m;
      if (m > 0) mask[p] = x < 0 ? 1 : 2;

      // Heart shadow (projection through an ellipsoid).
      if (hm < 0) {
        const d = -hm / heart.minR;
        A += a.heartK * Math.sqrt(d > 1 ? 1 : d * (2 - d));
      }

      // Spine with vertebral bodies and discs; trachea (air column) above the carina.
      const sx = x - a.midX;
      const sq = sx / a.spineW;
      if (sq * sq < 1) {
        let f = (y / a.vertebraSp + a.vertebraY0) % 1;
        if (f < 0) f += 1;
        const disc = f < 0.18 ? 0.55 + 2.5 * Math.abs(f - 0.09) : 1;
        A += a.spineK * Math.sqrt(1 - sq * sq) * disc;
      }
      if (y < a.carinaY) {
        const tq = sx / a.tracheaW;
        if (tq * tq < 1) {
          const fade = Math.min(1, (a.carinaY - y) / 0.08);
          A -= 0.22 * Math.sqrt(1 - tq * tq) * fade;
        }
      }

      // Clavicles: S-shaped bars from the sternum towards the shoulders.
      if (ax > 0.03 && ax < a.clavEnd) {
        const u = ax / a.clavEnd;
        const yc = a.clavY - a.clavRise * u - 0.14 * u * (1 - u);
        const hw = a.clavT * (1.15 - 0.35 * u);
        const d = (y - yc) / hw;
        if (d * d < 1) {
          const taper = u > 0.88 ? (1 - u) / 0.12 : ax < 0.06 ? (ax - 0.03) / 0.03 : 1;
          A += a.clavK * Math.sqrt(1 - d * d) * taper;
        }
      }

      // Posterior ribs: arcs rising from the spine and curving down laterally; spacing grows downwards.
      if (ax < W * 0.97) {
        const yy = y - a.ribCurv * ((ax - a.ribPeak) * (ax - a.ribPeak) - a.ribPeak * a.ribPeak) - a.ribY0;
        if (yy > 0 && yy < ribRange) {
          const ph = (yy / a.ribSp) * (1 - (a.ribGrowth * yy) / (2 * ribRange));
          const f = ph - Math.floor(ph);
          if (f < 0.5) {
            const t = f * 2;
            const profile = Math.sqrt(4 * t * (1 - t)) * 0.75 + (t > 0.78 ? 0.25 : 0.1); // brighter lower cortex
            const medial = ax < 0.12 ? Math.max(0, (ax - 0.04) / 0.08) : 1;
            const lateral = ax > W * 0.9 ? (W * 0.97 - ax) / (W * 0.07) : 1;
            A += a.ribK * profile * medial * lateral;
          }
        }
        // Anterior ribs: fainter bands running down and medially from the lateral wall.
        if (ax > 0.2) {
          const ya = y + 0.55 * ax - 0.25 * ax * ax - a.antRibY0;
          if (ya > 0 && ya < 6 * a.antRibSp) {
            const f = ya / a.antRibSp - Math.floor(ya / a.antRibSp);
            if (f < 0.4) {
              const t = f / 0.4;
              const medialFade = ax < 0.35 ? (ax - 0.2) / 0.15 : 1;
              A += 0.4 * a.ribK * Math.sqrt(4 * t * (1 - t)) * medialFade;
            }
          }
        }
      }

      // Gastric bubble under the left hemidiaphragm, with a flat air–fluid level.
      const bb = a.bubble;
      if (bb && x > 0) {
        const bx = (x - bb.x) / bb.rx;
        const by = (y - bb.y) / bb.ry;
        const bq = bx * bx + by * by;
        if (bq < 1 && by < 0.25) A -= 0.35 * Math.sqrt(1 - bq);
      }

      base[p] = A;
    }
  }

  keepLargestComponents(mask, size);

  const vessels = drawVessels(a, size, rng.fork());
  blur121(vessels, size);
  const texture = valueNoise(rng.fork(), size, 22);
  const texture2 = valueNoise(rng.fork(), size, 9);
  const lowpass = valueNoise(rng.fork(), size, 3);

  const pixelUnits = 2 / (size * a.scale); // patient units per pixel
  const edgeW = 1.3 * pixelUnits;
  const depthW = 0.1;
  // Exposure curve v(A) = ((1 − e^(−μA)) / (1 − e^(−1.6μ)))^γ, tabulated (no exp/pow per pixel).
  const norm = 1 / (1 - Math.exp(-a.mu * 1.6));
  const lutMax = 3;
  const lutSize = 2048;
  const lut = new Float32Array(lutSize + 2);
  for (let k = 0; k <= lutSize + 1; k++) lut[k] = Math.pow((1 - Math.exp((-a.mu * lutMax * k) / lutSize)) * norm, a.gamma);
  const lutScale = lutSize / lutMax;
  const out = new Float32Array(n);
  for (let row = 0; row < size; row++) {
    const yImg = (row + 0.5) / size - 0.5;
    for (let col = 0; col < size; col++) {
      const p = row * size + col;
      let A = base[p];
      if (mask[p] !== 0) {
        const m = margin[p];
        const e = m >= edgeW ? 1 : m / edgeW;
        const dq = m >= depthW ? 1 : m / depthW;
        const air = e * (0.45 + 0.55 * Math.sqrt(dq));
        A -= a.lungK * air;
        A += e * (a.vesselK * vessels[p] + a.textureK * (0.6 * texture[p] + 0.4 * texture2[p]));
      }
      const t = (A <= 0 ? 0 : A >= lutMax ? lutMax : A) * lutScale;
      const k = t | 0;
      let v = lut[k] + (lut[k + 1] - lut[k]) * (t - k);
      const xImg = (col + 0.5) / size - 0.5;
      v = 0.06 + 0.9 * v + a.lowpass * lowpass[p] + a.heelX * xImg + a.heelY * yImg;
      v = 0.5 + a.contrast * (v - 0.5) + a.brightness;
      // Quantum-like noise, stronger where more attenuation (fewer photons); summed uniforms ≈ Gaussian.
      const r = rng.nextUint32(); // three 10-bit uniforms from one draw
      const u = ((r & 1023) + ((r >>> 10) & 1023) + ((r >>> 20) & 1023)) / 1024 - 1.5; // sd 0.5
      out[p] = v + 2 * u * a.noise * (0.6 + 0.8 * (v > 0 ? v : 0));
    }
  }
  blur121(out, size);

  const pixels = new Uint16Array(n);
  const top = CHEST_PHANTOM_MAX_VALUE;
  for (let p = 0; p < n; p++) {
    const v = Math.round(out[p] * top);
    pixels[p] = v < 0 ? 0 : v > top ? top : v;
  }
  return { pixels, mask };
}

// ---------------------------------------------------------------------------------------------
// Public API

function validateSize(size: number): void {
  if (!Number.isInteger(size) || size < 16 || size > 4096) {
    throw new InvalidInputError('invalid-option', `phantom size must be an integer in [16, 4096], got ${size}`);
  }
}

/**
 * One synthetic chest radiograph (PA view, MONOCHROME2, 12-bit) with its lung label map:
 * elliptic body on a dark background, two lung fields (the left smaller, with a cardiac notch),
 * heart and mediastinum, spine, clavicles, ribs, vessels, diaphragm domes, low-pass and fine
 * noise and a global exposure variation. Deterministic in (seed, size, variant).
 */
export function chestPhantom(options: ChestPhantomOptions): ChestPhantom {
  const size = options.size ?? 256;
  validateSize(size);
  if (!Number.isSafeInteger(options.seed)) {
    throw new InvalidInputError('invalid-option', `phantom seed must be an integer, got ${options.seed}`);
  }
  if (options.variant !== undefined && !CHEST_PHANTOM_GROUPS.includes(options.variant)) {
    throw new InvalidInputError('invalid-option', `unknown phantom variant '${String(options.variant)}'; expected one of ${CHEST_PHANTOM_GROUPS.join(', ')}`);
  }
  const rng = createRng(options.seed);
  const drawn = drawGroup(rng); // drawn even when forced, so that the rest of the stream is the same
  const group = options.variant ?? drawn;
  const anatomy = sampleAnatomy(group, rng.fork());
  const { pixels, mask } = render(anatomy, size, rng.fork());

  let rightCount = 0;
  let leftCount = 0;
  for (let p = 0; p < mask.length; p++) {
    if (mask[p] === 1) rightCount++;
    else if (mask[p] === 2) leftCount++;
  }
  const h = anatomy.heart;
  const heartHalf = Math.sqrt((h.w * h.cos) ** 2 + (h.h * h.sin) ** 2);
  const round = (v: number, digits = 4): number => Math.round(v * 10 ** digits) / 10 ** digits;
  const meta: ChestPhantomMeta = {
    group,
    seed: options.seed,
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
    rightLungFraction: round(rightCount / mask.length),
    leftLungFraction: round(leftCount / mask.length),
  };
  return { pixels, mask, size, meta };
}

/**
 * `count` phantoms with ids `phantom-0001`, `phantom-0002`, …: groups in proportion to their
 * weights (largest remainder, every group present once count ≥ 4), shuffled, each image with
 * its own seed drawn from `seed`.
 */
export function chestPhantomSet(count: number, seed: number, size = 256): ChestPhantomSetItem[] {
  if (!Number.isInteger(count) || count < 0) {
    throw new InvalidInputError('invalid-option', `phantom count must be a non-negative integer, got ${count}`);
  }
  validateSize(size);
  const rng = createRng(seed);
  const groups = stratifiedGroups(count);
  shuffleInPlace(groups, rng);
  const width = Math.max(4, String(count).length);
  const items: ChestPhantomSetItem[] = [];
  for (let i = 0; i < count; i++) {
    const phantomSeed = rng.nextUint32();
    const phantom = chestPhantom({ seed: phantomSeed, size, variant: groups[i] });
    items.push({ id: `phantom-${String(i + 1).padStart(width, '0')}`, ...phantom });
  }
  return items;
}

/** Group of each of `count` images, proportional to GROUP_WEIGHTS, at least one each when count ≥ 4. */
function stratifiedGroups(count: number): ChestPhantomGroup[] {
  const quotas = CHEST_PHANTOM_GROUPS.map((g) => GROUP_WEIGHTS[g] * count);
  const counts = quotas.map((q) => Math.floor(q));
  if (count >= CHEST_PHANTOM_GROUPS.length) for (let k = 0; k < counts.length; k++) counts[k] = Math.max(1, counts[k]);
  let assigned = counts.reduce((x, y) => x + y, 0);
  const order = quotas.map((q, k) => [q - Math.floor(q), k] as const).sort((x, y) => y[0] - x[0] || x[1] - y[1]);
  for (let j = 0; assigned < count; j = (j + 1) % order.length, assigned++) counts[order[j][1]]++;
  for (let k = counts.length - 1; assigned > count; k = (k + counts.length - 1) % counts.length) {
    if (counts[k] > 1) { counts[k]--; assigned--; }
  }
  const groups: ChestPhantomGroup[] = [];
  CHEST_PHANTOM_GROUPS.forEach((g, k) => { for (let j = 0; j < counts[k]; j++) groups.push(g); });
  return groups;
}
