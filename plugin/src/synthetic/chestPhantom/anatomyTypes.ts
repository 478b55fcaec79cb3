import type { ChestPhantomGroup } from './chestPhantomTypes';

/**
 * The drawn parameters of one phantom (internal). Lengths are in the patient frame: the thorax
 * spans roughly x ∈ [−0.9, 0.9] and the image y ∈ [−1, 1] at scale 1, x to the image's right and
 * y downwards. Lung shapes are given as distances `s` from the midline, so one shape type serves
 * both sides. Densities are attenuation units (midline soft tissue ≈ 1).
 */

/** Outline of one lung field, before the heart cuts its medial lower part. */
export interface LungShape {
  /** Medial border (distance from the midline) below the apex region. */
  readonly sMed: number;
  /** Widest lateral extent. */
  readonly sLat: number;
  /** Lateral position of the apex (top of the lung). */
  readonly sApex: number;
  /** Level of the apex. */
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
  /** Level of the centre of the aortic knob. */
  readonly knobY: number;
  /** Half-height of the aortic knob. */
  readonly knobH: number;
}

/** The heart shadow: a tilted ellipse (centre, half-axes, tilt as cosine and sine). */
export interface HeartShape {
  readonly x: number;
  readonly y: number;
  readonly w: number;
  readonly h: number;
  readonly cos: number;
  readonly sin: number;
  /** Smaller half-axis (scales the signed margin to ≈ a distance). */
  readonly minR: number;
  /** Gap (patient units) kept between the heart shadow and the lungs. */
  readonly gap: number;
}

/** Half-width profile of the body: neck, sloping shoulders, chest. */
export interface BodyShape {
  readonly neckW: number;
  readonly yNeck: number;
  readonly shoulderW: number;
  readonly yShoulder: number;
  readonly chestW: number;
  readonly yChest: number;
  /** Change of the chest half-width per unit of y (slight widening downwards). */
  readonly flare: number;
}

/** The gastric bubble under the left hemidiaphragm (an ellipse). */
export interface BubbleShape {
  readonly x: number;
  readonly y: number;
  readonly rx: number;
  readonly ry: number;
}

/** Placement of the patient frame on the image: scaled, then rotated, then shifted. */
export interface Pose {
  readonly scale: number;
  /** In-plane rotation, radians (positive: clockwise on screen). */
  readonly rotation: number;
  /** Shift of the patient's centre in image units (the image spans [−1, 1]). */
  readonly shiftX: number;
  readonly shiftY: number;
}

/** Spine (vertebral bodies and discs) and trachea. */
export interface MidlineShape {
  /** x of the midline structures (spine, trachea) — off the lungs' midline when the patient is rotated. */
  readonly midX: number;
  readonly spineW: number;
  /** Vertebral period and phase (fraction of a period). */
  readonly vertebraSp: number;
  readonly vertebraY0: number;
  readonly tracheaW: number;
  /** Level where the trachea ends. */
  readonly carinaY: number;
}

/** Clavicles: S-shaped bars from the sternum towards the shoulders. */
export interface ClavicleShape {
  /** Level at the sternum. */
  readonly clavY: number;
  /** Lateral end (distance from the midline). */
  readonly clavEnd: number;
  /** Rise from the medial to the lateral end. */
  readonly clavRise: number;
  /** Half-thickness at the sternum. */
  readonly clavT: number;
}

/** Posterior ribs (arcs from the spine) and anterior ribs (fainter bands). */
export interface RibShape {
  readonly ribY0: number;
  readonly ribSp: number;
  readonly ribCount: number;
  readonly ribCurv: number;
  readonly ribPeak: number;
  /** Relative growth of the rib spacing from top to bottom. */
  readonly ribGrowth: number;
  readonly antRibY0: number;
  readonly antRibSp: number;
}

/** Attenuation of each structure (midline soft tissue ≈ 1). */
export interface Densities {
  readonly tissue: number;
  readonly lungK: number;
  readonly ribK: number;
  readonly clavK: number;
  readonly spineK: number;
  readonly heartK: number;
  readonly vesselK: number;
  readonly textureK: number;
}

/** Exposure curve, global contrast and brightness, noise and shading of the rendering. */
export interface Exposure {
  /** Attenuation coefficient and gamma of the exposure curve. */
  readonly mu: number;
  readonly gamma: number;
  readonly contrast: number;
  readonly brightness: number;
  /** Level of the fine noise. */
  readonly noise: number;
  /** Level of the low-pass noise. */
  readonly lowpass: number;
  /** Heel effect: linear shading across x and y. */
  readonly heelX: number;
  readonly heelY: number;
}

/** Everything drawn for one phantom. */
export interface Anatomy extends Pose, MidlineShape, ClavicleShape, RibShape, Densities, Exposure {
  readonly group: ChestPhantomGroup;
  readonly body: BodyShape;
  /** The patient's right lung (image left) and left lung (image right). */
  readonly right: LungShape;
  readonly left: LungShape;
  readonly heart: HeartShape;
  readonly bubble: BubbleShape | null;
}
