import type { Rng } from '../../random/rng';
import type { Anatomy, LungShape, Pose } from './anatomyTypes';
import { lungMarginAt } from './geometry';

/**
 * Pulmonary vessels: branching random walks from each hilum, in the patient frame, stamped as
 * anti-aliased discs into an image-space buffer (values in [0, 1], the strongest stamp wins).
 */

/** One vessel segment being grown. */
interface Branch {
  x: number;
  y: number;
  angle: number;
  thickness: number;
  strength: number;
  /** Whether the walk has entered the lung (it stops when it leaves it again). */
  inside: boolean;
}

/** The image-space buffer and the patient-to-image transform. */
interface VesselCanvas {
  readonly out: Float32Array;
  readonly size: number;
  readonly pose: Pose;
  readonly cos: number;
  readonly sin: number;
  readonly half: number;
  readonly pxPerUnit: number;
}

/** The vessel tree of one lung while it grows. */
interface VesselTree {
  readonly a: Anatomy;
  readonly canvas: VesselCanvas;
  readonly rng: Rng;
  /** −1 for the right lung (image left), +1 for the left lung. */
  readonly side: -1 | 1;
  readonly stack: Branch[];
  /** Side branches still allowed. */
  budget: number;
}

/** Stamps a disc of patient-frame radius `thickness` at (x, y), keeping the maximum. */
function stamp(cv: VesselCanvas, x: number, y: number, thickness: number, strength: number): void {
  const { out, size, pose, cos: c, sin: s, half } = cv;
  const X = (c * x - s * y) * pose.scale + pose.shiftX;
  const Y = (s * x + c * y) * pose.scale + pose.shiftY;
  const px = (X + 1) * half - 0.5;
  const py = (Y + 1) * half - 0.5;
  const r = thickness * cv.pxPerUnit;
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
}

/** The trunks leaving the hilum of one lung, fanning from up-lateral to down-lateral. */
function hilumTrunks(lung: LungShape, side: -1 | 1, rng: Rng): Branch[] {
  const hilumX = side * (lung.sMed + 0.05);
  const hilumY = lung.yApex + 0.5 * (lung.yBase - lung.yApex);
  const stack: Branch[] = [];
  const trunks = 7 + rng.nextInt(4);
  for (let k = 0; k < trunks; k++) {
    const phi = -1.25 + (2.6 * (k + 0.2 + 0.6 * rng.nextFloat())) / trunks;
    stack.push({ x: hilumX, y: hilumY, angle: phi, thickness: 0.014 * (0.8 + 0.4 * rng.nextFloat()), strength: 1, inside: false });
  }
  return stack;
}

/** Maybe splits a side branch off `b` (pushed on the stack), deflecting `b` the other way. */
function maybeBranch(tree: VesselTree, b: Branch): void {
  const { rng } = tree;
  if (tree.budget > 0 && b.inside && rng.nextFloat() < 0.1) {
    tree.budget--;
    const turn = (rng.nextFloat() < 0.5 ? -1 : 1) * (0.35 + 0.2 * rng.nextFloat());
    tree.stack.push({ x: b.x, y: b.y, angle: b.angle + turn, thickness: b.thickness * 0.75, strength: b.strength * 0.9, inside: true });
    b.angle -= turn * 0.3;
  }
}

/** Walks one branch until it leaves the lung, misses it or thins out, stamping it inside the lung. */
function growBranch(tree: VesselTree, b: Branch): void {
  const { rng, side } = tree;
  for (let step = 0; step < 60; step++) {
    b.angle += 0.1 * rng.nextGaussian();
    b.x += side * 0.016 * Math.cos(b.angle);
    b.y += 0.016 * Math.sin(b.angle);
    const m = lungMarginAt(b.x, b.y, tree.a);
    if (m > 0.005) b.inside = true;
    else if (b.inside || step > 12) break;
    if (b.inside) stamp(tree.canvas, b.x, b.y, b.thickness, b.strength);
    b.thickness *= 0.955;
    b.strength *= 0.985;
    if (b.thickness < 0.0025) break;
    maybeBranch(tree, b);
  }
}

/** The vessel layer of a size × size image: both lungs' trees, right lung first. */
export function drawVessels(a: Anatomy, size: number, rng: Rng): Float32Array {
  const half = size / 2;
  const canvas: VesselCanvas = {
    out: new Float32Array(size * size), size, pose: a, cos: Math.cos(a.rotation), sin: Math.sin(a.rotation), half, pxPerUnit: half * a.scale,
  };
  for (const side of [-1, 1] as const) {
    const lung = side < 0 ? a.right : a.left;
    const tree: VesselTree = { a, canvas, rng, side, stack: hilumTrunks(lung, side, rng), budget: 70 };
    while (tree.stack.length > 0) growBranch(tree, tree.stack.pop() as Branch);
  }
  return canvas.out;
}
