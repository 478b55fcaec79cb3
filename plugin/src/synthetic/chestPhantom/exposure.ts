import type { Rng } from '../../random/rng';
import type { Anatomy, Exposure } from './anatomyTypes';
import type { AttenuationMaps } from './attenuation';
import { CHEST_PHANTOM_MAX_VALUE } from './chestPhantomTypes';
import { blur121 } from './noise';

/**
 * Second rendering pass: subtracts the lungs' air (with soft edges and shallower near the
 * border), adds vessels and lung texture, pushes the attenuation through the exposure curve, adds
 * low-pass shading, global contrast and brightness and quantum-like noise, then smooths and
 * quantizes to 12 bits.
 */

/** Image-space layers of the exposure pass (size × size, row-major). */
export interface ExposureLayers {
  /** Vessel trees, in [0, 1]. */
  readonly vessels: Float32Array;
  /** Coarse and fine lung texture, in about [−1, 1]. */
  readonly texture: Float32Array;
  readonly texture2: Float32Array;
  /** Low-pass exposure variation, in about [−1, 1]. */
  readonly lowpass: Float32Array;
}

/** The exposure curve tabulated over attenuations [0, max]. */
interface ExposureLut {
  readonly lut: Float32Array;
  readonly max: number;
  /** Table entries per attenuation unit. */
  readonly scale: number;
}

/** Exposure curve v(A) = ((1 − e^(−μA)) / (1 − e^(−1.6μ)))^γ, tabulated (no exp/pow per pixel). */
function exposureLut(a: Exposure): ExposureLut {
  const norm = 1 / (1 - Math.exp(-a.mu * 1.6));
  const lutMax = 3;
  const lutSize = 2048;
  const lut = new Float32Array(lutSize + 2);
  for (let k = 0; k <= lutSize + 1; k++) lut[k] = Math.pow((1 - Math.exp((-a.mu * lutMax * k) / lutSize)) * norm, a.gamma);
  return { lut, max: lutMax, scale: lutSize / lutMax };
}

/** The exposure curve at attenuation A (clamped to the table), linearly interpolated. */
function expose(curve: ExposureLut, A: number): number {
  const { lut } = curve;
  const t = (A <= 0 ? 0 : A >= curve.max ? curve.max : A) * curve.scale;
  const k = t | 0;
  return lut[k] + (lut[k + 1] - lut[k]) * (t - k);
}

/** Lung pixel: its air (soft over `edgeW`, shallower within 0.1 of the border), vessels and texture. */
function lungAttenuation(A: number, m: number, p: number, edgeW: number, a: Anatomy, layers: ExposureLayers): number {
  const depthW = 0.1;
  const e = m >= edgeW ? 1 : m / edgeW;
  const dq = m >= depthW ? 1 : m / depthW;
  const air = e * (0.45 + 0.55 * Math.sqrt(dq));
  A -= a.lungK * air;
  A += e * (a.vesselK * layers.vessels[p] + a.textureK * (0.6 * layers.texture[p] + 0.4 * layers.texture2[p]));
  return A;
}

/** Quantum-like noise at intensity v, stronger where more attenuation (fewer photons); one draw of `rng`. */
function quantumNoise(rng: Rng, v: number, noise: number): number {
  // Three 10-bit uniforms from one draw, summed ≈ Gaussian.
  const r = rng.nextUint32();
  const u = ((r & 1023) + ((r >>> 10) & 1023) + ((r >>> 20) & 1023)) / 1024 - 1.5; // sd 0.5
  return 2 * u * noise * (0.6 + 0.8 * (v > 0 ? v : 0));
}

/** Intensities in about [0, 1] before smoothing: one noise draw per pixel, in raster order. */
function intensities(a: Anatomy, size: number, maps: AttenuationMaps, layers: ExposureLayers, rng: Rng): Float32Array {
  const { base, margin, mask } = maps;
  const edgeW = 1.3 * (2 / (size * a.scale)); // 1.3 pixels in patient units
  const curve = exposureLut(a);
  const out = new Float32Array(size * size);
  for (let row = 0; row < size; row++) {
    const yImg = (row + 0.5) / size - 0.5;
    for (let col = 0; col < size; col++) {
      const p = row * size + col;
      const A = mask[p] !== 0 ? lungAttenuation(base[p], margin[p], p, edgeW, a, layers) : base[p];
      const xImg = (col + 0.5) / size - 0.5;
      let v = 0.06 + 0.9 * expose(curve, A) + a.lowpass * layers.lowpass[p] + a.heelX * xImg + a.heelY * yImg;
      v = 0.5 + a.contrast * (v - 0.5) + a.brightness;
      out[p] = v + quantumNoise(rng, v, a.noise);
    }
  }
  return out;
}

/** Rounds intensities in [0, 1] to 12-bit pixel values, clamped. */
function quantize(values: Float32Array): Uint16Array {
  const pixels = new Uint16Array(values.length);
  const top = CHEST_PHANTOM_MAX_VALUE;
  for (let p = 0; p < values.length; p++) {
    const v = Math.round(values[p] * top);
    pixels[p] = v < 0 ? 0 : v > top ? top : v;
  }
  return pixels;
}

/** The exposure pass: the 12-bit image from the first pass's maps and the image-space layers. */
export function exposeImage(a: Anatomy, size: number, maps: AttenuationMaps, layers: ExposureLayers, rng: Rng): Uint16Array {
  const out = intensities(a, size, maps, layers, rng);
  blur121(out, size);
  return quantize(out);
}
