/**
 * Public types and constants of the synthetic chest phantoms: the groups a set mixes, the mask
 * labels, the pixel range, the options of `chestPhantom` and what it returns.
 */
/** The kinds of image a phantom set mixes (so that clustering embeddings finds structure). */
export type ChestPhantomGroup = 'adult' | 'child' | 'rotated' | 'low-exposure';

/** Every group, in a fixed order. */
export const CHEST_PHANTOM_GROUPS: readonly ChestPhantomGroup[] = ['adult', 'child', 'rotated', 'low-exposure'];

/** Values of the mask. The patient's right lung is on the image's left, as in a PA radiograph. */
export const CHEST_PHANTOM_LABELS = { background: 0, rightLung: 1, leftLung: 2 } as const;

/** Largest pixel value (12 bits stored). */
export const CHEST_PHANTOM_MAX_VALUE = 4095;

/** Options of `chestPhantom`. */
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
  /** The group drawn from the seed, or the forced variant. */
  readonly group: ChestPhantomGroup;
  /** The seed of the options. */
  readonly seed: number;
  /** Side of the image in pixels. */
  readonly size: number;
  /** Nominal pixel spacing in millimetres (a 430 mm field of view over `size` pixels). */
  readonly pixelSpacingMm: number;
  /** In-plane rotation of the patient, degrees (positive: clockwise on screen). */
  readonly rotationDeg: number;
  /** Horizontal shift of the patient's centre as a fraction of the image side. */
  readonly shiftX: number;
  /** Vertical shift of the patient's centre as a fraction of the image side. */
  readonly shiftY: number;
  /** Size of the patient relative to a standard adult filling the field. */
  readonly scale: number;
  /** Apex-to-costophrenic-angle height of the right lung as a fraction of the image height. */
  readonly lungHeight: number;
  /** Widest horizontal extent of the heart shadow as a fraction of the image width. */
  readonly heartWidth: number;
  /** Heart width over thorax width (the cardiothoracic ratio a reader would measure). */
  readonly cardiothoracicRatio: number;
  /** Global contrast of the exposure (1 nominal). */
  readonly contrast: number;
  /** Global brightness offset of the exposure, as a fraction of the full range (0 nominal). */
  readonly brightness: number;
  /** Level of the fine (quantum-like) noise relative to the full range, before the final 3 × 3 smoothing (≈ its std in mid-grey). */
  readonly noise: number;
  /** Fraction of the image in the right lung (label 1). */
  readonly rightLungFraction: number;
  /** Fraction of the image in the left lung (label 2). */
  readonly leftLungFraction: number;
}

/** One phantom: a MONOCHROME2 12-bit image (air dark, bone bright) and its lung label map. */
export interface ChestPhantom {
  /** size × size, row-major, values 0..4095. */
  readonly pixels: Uint16Array;
  /** size × size, row-major: 0 background, 1 right lung (image left), 2 left lung (image right). */
  readonly mask: Uint8Array;
  /** Side of the square image in pixels. */
  readonly size: number;
  /** What was drawn. */
  readonly meta: ChestPhantomMeta;
}

/** A phantom of a set, with its id (`phantom-0001`, …). */
export interface ChestPhantomSetItem extends ChestPhantom {
  /** `phantom-0001`, `phantom-0002`, … (at least four digits). */
  readonly id: string;
}

