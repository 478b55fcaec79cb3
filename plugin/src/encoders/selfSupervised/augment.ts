/**
 * Seeded augmentations for contrastive training on radiographs and MR slices (SimCLR's recipe,
 * Chen et al. 2020, adapted to grey medical images). Every function is pure: it takes the image
 * and a seeded {@link Rng} and returns a new image; the same image, options and generator state
 * give the same output, bit for bit.
 *
 * What is in and what is not:
 * - random resized crop (area 0.5–1 of the image, aspect 3/4–4/3) and a small rotation (±10°),
 *   done in one bilinear resampling so that the view is blurred only once;
 * - brightness / contrast / gamma jitter on the [0, 1]-scaled image, clipped to [0, 1] like a
 *   change of display window — the clip is what the later per-image z-score cannot undo;
 * - light Gaussian noise.
 * - **No flips.** Left and right carry anatomical meaning (heart on the left, situs inversus
 *   and mislabelled laterality are findings), so the encoder must not be taught that a mirrored
 *   scan is the same scan. No colour jitter or grey-scaling either: the images are grey already.
 */
import { InvalidInputError } from '../../core/errors';
import type { Rng } from '../../random/rng';
import type { GrayImage } from '../types';

/** Parameters of {@link augmentView}; {@link DEFAULT_AUGMENT_OPTIONS} gives the defaults. */
export interface AugmentOptions {
  /** Crop area as a fraction of the image, drawn uniformly in [min, max]. Default [0.5, 1]. */
  readonly cropArea: readonly [number, number];
  /** Crop aspect ratio (width / height), drawn log-uniformly in [min, max]. Default [3/4, 4/3]. */
  readonly cropAspect: readonly [number, number];
  /** Rotation angle in degrees, drawn uniformly in [−max, max]. Default 10. */
  readonly maxRotationDegrees: number;
  /** Probability of applying the intensity jitter. Default 0.8 (SimCLR's colour-jitter rate). */
  readonly jitterProbability: number;
  /** Additive brightness offset on the [0, 1] scale, drawn uniformly in [−max, max]. Default 0.2. */
  readonly brightness: number;
  /** Contrast factor, drawn log-uniformly in [1/max, max]. Default 1.25. */
  readonly contrast: number;
  /** Gamma exponent, drawn log-uniformly in [1/max, max]. Default 1.25. */
  readonly gamma: number;
  /** Probability of adding noise. Default 0.5. */
  readonly noiseProbability: number;
  /** Noise standard deviation on the [0, 1] scale, drawn uniformly in [0, max]. Default 0.03. */
  readonly noiseSigma: number;
}

export const DEFAULT_AUGMENT_OPTIONS: AugmentOptions = {
  cropArea: [0.5, 1],
  cropAspect: [3 / 4, 4 / 3],
  maxRotationDegrees: 10,
  jitterProbability: 0.8,
  brightness: 0.2,
  contrast: 1.25,
  gamma: 1.25,
  noiseProbability: 0.5,
  noiseSigma: 0.03,
};

/** A rectangle of the source image (pixel units, edges not centres) and a rotation about its centre. */
export interface CropWindow {
  readonly centerX: number;
  readonly centerY: number;
  readonly width: number;
  readonly height: number;
  /**
   * Radians. The window's x axis points along (cos, sin) in image coordinates (y down), so the
   * content of the view appears turned by `angle` counter-clockwise on screen.
   */
  readonly angle: number;
}

/**
 * Samples `window` of `image` onto a `width × height` grid: output pixel centres are spread
 * evenly over the (rotated) window, and the source is read bilinearly at pixel centres. Outside
 * the image the nearest edge pixel is repeated (never mirrored: a mirror would be a partial flip).
 * The full window at angle 0 and the source size is the identity.
 */
export function resampleWindow(image: GrayImage, window: CropWindow, width: number, height: number): GrayImage {
  const { width: w, height: h, data } = image;
  const cos = Math.cos(window.angle);
  const sin = Math.sin(window.angle);
  const out = new Float32Array(width * height);
  for (let oy = 0; oy < height; oy++) {
    const v = ((oy + 0.5) / height - 0.5) * window.height;
    for (let ox = 0; ox < width; ox++) {
      const u = ((ox + 0.5) / width - 0.5) * window.width;
      // Source position of this output pixel centre, then −0.5 to index pixel centres.
      const fx = clamp(window.centerX + cos * u - sin * v - 0.5, 0, w - 1);
      const fy = clamp(window.centerY + sin * u + cos * v - 0.5, 0, h - 1);
      const x0 = Math.floor(fx);
      const y0 = Math.floor(fy);
      const x1 = Math.min(x0 + 1, w - 1);
      const y1 = Math.min(y0 + 1, h - 1);
      const ax = fx - x0;
      const ay = fy - y0;
      const top = data[y0 * w + x0]! * (1 - ax) + data[y0 * w + x1]! * ax;
      const bottom = data[y1 * w + x0]! * (1 - ax) + data[y1 * w + x1]! * ax;
      out[oy * width + ox] = top * (1 - ay) + bottom * ay;
    }
  }
  return { width, height, data: out };
}

/** `image` rotated by `degrees` about its centre (counter-clockwise on screen), same size. */
export function rotate(image: GrayImage, degrees: number): GrayImage {
  const window = { centerX: image.width / 2, centerY: image.height / 2, width: image.width, height: image.height, angle: (degrees * Math.PI) / 180 };
  return resampleWindow(image, window, image.width, image.height);
}

/**
 * A random crop window as torchvision's `RandomResizedCrop` draws it: up to 10 tries of an area
 * fraction and a log-uniform aspect ratio that fit inside the image, else the largest central
 * crop with an aspect ratio in range; the position is uniform over where the crop fits.
 */
export function randomCropWindow(width: number, height: number, rng: Rng, options: Pick<AugmentOptions, 'cropArea' | 'cropAspect'> = DEFAULT_AUGMENT_OPTIONS): CropWindow {
  const [areaLo, areaHi] = options.cropArea;
  const [aspectLo, aspectHi] = options.cropAspect;
  const area = width * height;
  for (let attempt = 0; attempt < 10; attempt++) {
    const target = area * uniform(rng, areaLo, areaHi);
    const aspect = Math.exp(uniform(rng, Math.log(aspectLo), Math.log(aspectHi)));
    const cw = Math.sqrt(target * aspect);
    const ch = Math.sqrt(target / aspect);
    if (cw <= width && ch <= height) {
      return { centerX: uniform(rng, 0, width - cw) + cw / 2, centerY: uniform(rng, 0, height - ch) + ch / 2, width: cw, height: ch, angle: 0 };
    }
  }
  const ratio = width / height;
  const cw = ratio < aspectLo ? width : ratio > aspectHi ? height * aspectHi : width;
  const ch = ratio < aspectLo ? width / aspectLo : height;
  return { centerX: width / 2, centerY: height / 2, width: cw, height: ch, angle: 0 };
}

/** A random resized crop of `image` at `size × size` (no rotation). */
export function randomResizedCrop(image: GrayImage, size: number, rng: Rng, options: Pick<AugmentOptions, 'cropArea' | 'cropAspect'> = DEFAULT_AUGMENT_OPTIONS): GrayImage {
  return resampleWindow(image, randomCropWindow(image.width, image.height, rng, options), size, size);
}

/**
 * Gamma, then contrast about the mean, then brightness, each clipped to [0, 1]; expects an image
 * scaled to [0, 1] (values outside are clipped first). All three are monotonic, so they never
 * reorder intensities — they only change the display window.
 */
export function jitterIntensity(image: GrayImage, rng: Rng, options: Pick<AugmentOptions, 'brightness' | 'contrast' | 'gamma'> = DEFAULT_AUGMENT_OPTIONS): GrayImage {
  const gamma = logUniform(rng, options.gamma);
  const contrast = logUniform(rng, options.contrast);
  const brightness = uniform(rng, -options.brightness, options.brightness);
  const out = new Float32Array(image.data.length);
  let mean = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = clamp(image.data[i]!, 0, 1) ** gamma;
    mean += out[i]!;
  }
  mean /= out.length;
  for (let i = 0; i < out.length; i++) out[i] = clamp((out[i]! - mean) * contrast + mean + brightness, 0, 1);
  return { width: image.width, height: image.height, data: out };
}

/** Adds independent N(0, σ²) noise to every pixel, σ drawn uniformly in [0, `maxSigma`]. */
export function addGaussianNoise(image: GrayImage, rng: Rng, maxSigma = DEFAULT_AUGMENT_OPTIONS.noiseSigma): GrayImage {
  const sigma = uniform(rng, 0, maxSigma);
  const out = new Float32Array(image.data.length);
  for (let i = 0; i < out.length; i++) out[i] = image.data[i]! + sigma * rng.nextGaussian();
  return { width: image.width, height: image.height, data: out };
}

/**
 * One augmented view of `image` (scaled to [0, 1]) at `size × size`: random resized crop and
 * rotation (one resampling), then, with their probabilities, intensity jitter and noise. Draws
 * from `rng` in a fixed order, so a seed fixes the view.
 */
export function augmentView(image: GrayImage, size: number, rng: Rng, options: AugmentOptions = DEFAULT_AUGMENT_OPTIONS): GrayImage {
  const crop = randomCropWindow(image.width, image.height, rng, options);
  const degrees = uniform(rng, -options.maxRotationDegrees, options.maxRotationDegrees);
  let view = resampleWindow(image, { ...crop, angle: (degrees * Math.PI) / 180 }, size, size);
  if (rng.nextFloat() < options.jitterProbability) view = jitterIntensity(view, rng, options);
  if (rng.nextFloat() < options.noiseProbability) view = addGaussianNoise(view, rng, options.noiseSigma);
  return view;
}

/** Throws {@link InvalidInputError} unless every range and probability of `options` makes sense. */
export function validateAugmentOptions(options: AugmentOptions): void {
  const range = (name: string, [lo, hi]: readonly [number, number], min: number, max: number): void => {
    if (!(Number.isFinite(lo) && Number.isFinite(hi) && min < lo && lo <= hi && hi <= max)) {
      throw new InvalidInputError('invalid-option', `${name} must be a range [lo, hi] with ${min} < lo ≤ hi ≤ ${max}, got [${lo}, ${hi}]`);
    }
  };
  range('cropArea', options.cropArea, 0, 1);
  range('cropAspect', options.cropAspect, 0, Number.MAX_VALUE);
  const bounded = (name: string, value: number, min: number, max: number): void => {
    if (!(value >= min && value <= max)) throw new InvalidInputError('invalid-option', `${name} must be in [${min}, ${max}], got ${value}`);
  };
  bounded('maxRotationDegrees', options.maxRotationDegrees, 0, 45);
  bounded('jitterProbability', options.jitterProbability, 0, 1);
  bounded('noiseProbability', options.noiseProbability, 0, 1);
  bounded('brightness', options.brightness, 0, 1);
  bounded('contrast', options.contrast, 1, 4);
  bounded('gamma', options.gamma, 1, 4);
  bounded('noiseSigma', options.noiseSigma, 0, 1);
}

function uniform(rng: Rng, lo: number, hi: number): number {
  return lo + (hi - lo) * rng.nextFloat();
}

/** exp(U(−ln max, ln max)): a factor in [1/max, max], as likely above 1 as below. */
function logUniform(rng: Rng, max: number): number {
  return Math.exp(uniform(rng, -Math.log(max), Math.log(max)));
}

function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}
