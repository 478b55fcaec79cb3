import type { Rng } from '../../random/rng';
import type {
  Anatomy,
  BodyShape,
  BubbleShape,
  ClavicleShape,
  Densities,
  Exposure,
  HeartShape,
  LungShape,
  MidlineShape,
  Pose,
  RibShape,
} from './anatomyTypes';
import type { ChestPhantomGroup } from './chestPhantomTypes';
import { lungExtent } from './geometry';

/**
 * Draws the anatomy, pose and exposure of one phantom from a seeded generator. The draws happen
 * in one fixed order (pose, body, lungs, heart, gastric bubble, exposure levels, midline,
 * clavicles, ribs, densities, exposure curve): reordering them would change every phantom.
 */

/** The group's flags and the generator shared by the samplers below. */
interface Sampler {
  readonly rng: Rng;
  /** A standard normal deviate clamped to [−2, 2]. */
  readonly g: () => number;
  readonly child: boolean;
  readonly rotated: boolean;
  readonly lowExposure: boolean;
}

/** The pose as drawn, before it is pulled back to keep the lungs in the frame. */
interface DrawnPose {
  readonly scale: number;
  readonly rotationDeg: number;
  readonly shiftX: number;
  readonly shiftY: number;
  /** Apparent axial rotation: mediastinum off-centre, one hemithorax narrower. */
  readonly axial: number;
}

/** Vertical extent and lateral scale shared by both lungs and the structures placed on them. */
interface LungFrame {
  readonly heightFactor: number;
  readonly yApex: number;
  readonly lungSpan: number;
  readonly latScale: number;
  readonly axial: number;
}

function clampedGaussian(rng: Rng, limit = 2): number {
  const g = rng.nextGaussian();
  return g > limit ? limit : g < -limit ? -limit : g;
}

function uniform(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng.nextFloat();
}

function samplePose({ rng, g, child, rotated }: Sampler): DrawnPose {
  const scale = child ? 0.84 + 0.03 * g() : rotated ? 0.93 + 0.03 * g() : 0.99 + 0.035 * g();
  const rotationDeg = 2.2 * g();
  const shiftX = 0.025 * g();
  const shiftY = (child ? -0.02 : 0) + 0.025 * g();
  if (!rotated) return { scale, rotationDeg, shiftX, shiftY, axial: 0 };
  // One consistent mispositioning (tilted clockwise on screen, off-centre, turned to its left),
  // so that the group forms one mode rather than two mirror images. The draws above are still
  // made so that the rest of the stream is the same.
  return { scale, rotationDeg: uniform(rng, 8, 14), shiftX: uniform(rng, 0.04, 0.09), shiftY: 0.04 * g(), axial: uniform(rng, 0.03, 0.06) };
}

function sampleBody({ g, child }: Sampler): BodyShape {
  const chestW = (child ? 0.95 : 0.9) + 0.025 * g();
  return {
    neckW: (child ? 0.27 : 0.22) + 0.015 * g(),
    yNeck: (child ? -1.0 : -1.12) + 0.03 * g(),
    shoulderW: chestW + (child ? 0.03 : 0.08) + 0.02 * g(),
    yShoulder: (child ? -0.66 : -0.7) + 0.03 * g(),
    chestW,
    yChest: -0.3,
    flare: 0.04 + 0.02 * g(),
  };
}

function sampleLungFrame({ g, child }: Sampler, axial: number): LungFrame {
  const heightFactor = (child ? 0.9 : 1) * (1 + 0.06 * g());
  const yApex = (child ? -0.6 : -0.7) + 0.03 * g();
  return { heightFactor, yApex, lungSpan: 1.18 * heightFactor, latScale: child ? 0.92 : 1, axial };
}

/** One lung, as distances from the midline (the right lung is on the image's left). */
function sampleLung({ g, child }: Sampler, frame: LungFrame, side: 'right' | 'left'): LungShape {
  const { yApex, lungSpan, latScale, axial } = frame;
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
}

/** The heart: a tilted ellipse resting on the diaphragm, bulging to the patient's left (image right). */
function sampleHeart({ g, child }: Sampler, frame: LungFrame, left: LungShape): HeartShape {
  const heartW = (child ? 0.37 : 0.34) * frame.latScale * (1 + 0.08 * g());
  const heartH = (child ? 0.27 : 0.26) * frame.heightFactor * (1 + 0.06 * g());
  const tilt = 0.3 + 0.08 * g();
  const hx = 0.14 + 0.02 * g() + frame.axial;
  const hy = left.yBase - left.dome * 0.55 - 0.6 * heartH + 0.02 * g();
  return {
    x: hx, y: hy, w: heartW, h: heartH, cos: Math.cos(tilt), sin: Math.sin(tilt), minR: Math.min(heartW, heartH), gap: 0.012,
  };
}

/** The gastric bubble under the left lung, present in about two phantoms out of three. */
function sampleBubble({ rng, g }: Sampler, left: LungShape): BubbleShape | null {
  return rng.nextFloat() < 0.65
    ? { x: left.sMed + 0.45 * (left.sLat - left.sMed) + 0.04 * g(), y: left.yBase + 0.09 + 0.02 * g(), rx: 0.08 + 0.015 * g(), ry: 0.06 + 0.01 * g() }
    : null;
}

function sampleExposureLevels({ rng, g, lowExposure }: Sampler): Pick<Exposure, 'contrast' | 'brightness' | 'noise'> {
  const contrast = lowExposure ? uniform(rng, 0.55, 0.7) : 1 + 0.06 * g();
  const brightness = lowExposure ? -0.07 + 0.02 * g() : 0.025 * g();
  const noise = lowExposure ? uniform(rng, 0.06, 0.08) : 0.01 + 0.002 * g();
  return { contrast, brightness, noise };
}

/** Keeps both lungs inside the frame: pulls the patient back towards the centre if needed. */
function fitPose(drawn: DrawnPose, right: LungShape, left: LungShape): Pose {
  const a0 = { scale: drawn.scale, rotation: (drawn.rotationDeg * Math.PI) / 180, shiftX: drawn.shiftX, shiftY: drawn.shiftY };
  for (let attempt = 0; attempt < 6 && lungExtent(a0, right, left) > 0.95; attempt++) {
    a0.shiftX *= 0.6;
    a0.shiftY *= 0.6;
    if (attempt >= 2) a0.scale *= 0.95;
  }
  return a0;
}

function sampleMidline({ rng, g, child }: Sampler, frame: LungFrame): MidlineShape {
  return {
    midX: frame.axial * 0.8,
    spineW: (child ? 0.075 : 0.065) + 0.005 * g(),
    vertebraSp: (child ? 0.1 : 0.115) * frame.heightFactor,
    vertebraY0: rng.nextFloat(),
    tracheaW: (child ? 0.032 : 0.036) + 0.003 * g(),
    carinaY: frame.yApex + 0.45 * frame.lungSpan + 0.03 * g(),
  };
}

function sampleClavicles({ g, child }: Sampler, frame: LungFrame): ClavicleShape {
  return {
    clavY: frame.yApex + (child ? 0.06 : 0.1) + 0.03 * g(),
    clavEnd: (child ? 0.5 : 0.6) + 0.03 * g(),
    clavRise: (child ? 0.08 : 0.16) + 0.03 * g(),
    clavT: (child ? 0.03 : 0.036) + 0.003 * g(),
  };
}

function sampleRibs({ g, child }: Sampler, frame: LungFrame): RibShape {
  return {
    ribY0: frame.yApex - 0.1 + 0.02 * g(),
    ribSp: (child ? 0.1 : 0.105) * frame.heightFactor * (1 + 0.04 * g()),
    ribCount: 11,
    ribCurv: (child ? 0.6 : 0.9) + 0.1 * g(),
    ribPeak: 0.25 + 0.04 * g(),
    ribGrowth: 0.25,
    antRibY0: frame.yApex - 0.05 + 0.03 * g(),
    antRibSp: 0.15 * frame.heightFactor,
  };
}

function sampleDensities({ g, child }: Sampler): Densities {
  return {
    tissue: child ? 1.12 : 1 + 0.04 * g(),
    lungK: child ? 0.7 : 0.78 + 0.03 * g(),
    ribK: child ? 0.04 : 0.065 + 0.01 * g(),
    clavK: child ? 0.2 : 0.3,
    spineK: child ? 0.2 : 0.28,
    heartK: 0.1 + 0.03 * g(),
    vesselK: 0.16,
    textureK: 0.05,
  };
}

function sampleExposureCurve({ rng, g, lowExposure }: Sampler): Pick<Exposure, 'mu' | 'gamma' | 'lowpass' | 'heelX' | 'heelY'> {
  return {
    mu: 1.0,
    gamma: lowExposure ? uniform(rng, 0.5, 0.62) : 1 + 0.07 * g(),
    lowpass: lowExposure ? 0.05 : 0.025,
    heelX: 0.02 * g(),
    heelY: 0.02 * g(),
  };
}

/** All the parameters of one phantom of `group`, drawn from `rng` (deterministic in its stream). */
export function sampleAnatomy(group: ChestPhantomGroup, rng: Rng): Anatomy {
  const sm: Sampler = {
    rng, g: () => clampedGaussian(rng), child: group === 'child', rotated: group === 'rotated', lowExposure: group === 'low-exposure',
  };
  const drawn = samplePose(sm);
  const body = sampleBody(sm);
  const frame = sampleLungFrame(sm, drawn.axial);
  const right = sampleLung(sm, frame, 'right');
  const left = sampleLung(sm, frame, 'left');
  const heart = sampleHeart(sm, frame, left);
  const bubble = sampleBubble(sm, left);
  const levels = sampleExposureLevels(sm);
  const pose = fitPose(drawn, right, left);
  const midline = sampleMidline(sm, frame);
  const clavicles = sampleClavicles(sm, frame);
  const ribs = sampleRibs(sm, frame);
  const densities = sampleDensities(sm);
  const curve = sampleExposureCurve(sm);
  return { group, ...pose, body, right, left, heart, ...midline, ...clavicles, ...ribs, bubble, ...densities, ...levels, ...curve };
}
