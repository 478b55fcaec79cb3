import type { ProgressCallback } from '../core/progress';
import { embedEach, resizeArea, zScore } from './grayImage';
import { Encoder, EncoderFactory, GrayImage } from './types';

/**
 * A hand-crafted, deterministic, download-free encoder: a baseline for the paper's CNN features
 * and a fallback where no model can be fetched. Every image is z-scored first, so the vector
 * does not depend on the intensity range (8-bit PNG, 12-bit CR, CT HU). Blocks, each L2-normalised
 * so that none dominates the distance by sheer size:
 *
 * | block | dims | what |
 * |---|---|---|
 * | thumbnail 8×8 | 64 | area-averaged z-scored image: global layout |
 * | thumbnail 16×16 | 256 | finer layout |
 * | intensity histogram | 32 | z-scores in [−3, 3] (clipped), 32 equal bins |
 * | HOG | 144 | 4×4 cells × 9 unsigned orientation bins, magnitude-weighted, on a 128×128 grid |
 * | LBP | 236 | 2×2 cells × 59 uniform 8-neighbour LBP codes, on the 128×128 grid |
 *
 * Total {@link INTENSITY_TEXTURE_DIMENSIONS} = 732.
 */
export const INTENSITY_TEXTURE_DIMENSIONS = 64 + 256 + 32 + 144 + 236;

const WORK = 128;
const HIST_BINS = 32;
const HIST_RANGE = 3;
const HOG_CELLS = 4;
const HOG_BINS = 9;
const LBP_CELLS = 2;
const LBP_BINS = 59;

/** Maps each 8-bit LBP code to one of 58 uniform-pattern bins (≤ 2 bit transitions) or bin 58. */
const LBP_UNIFORM: Uint8Array = (() => {
  const table = new Uint8Array(256);
  let next = 0;
  for (let code = 0; code < 256; code++) {
    let transitions = 0;
    for (let b = 0; b < 8; b++) if (((code >> b) & 1) !== ((code >> ((b + 1) % 8)) & 1)) transitions++;
    table[code] = transitions <= 2 ? next++ : LBP_BINS - 1;
  }
  return table;
})();

function l2NormalizeInto(out: Float32Array, offset: number, block: ArrayLike<number>): void {
  let s = 0;
  for (let i = 0; i < block.length; i++) s += block[i] * block[i];
  // An all-zero block (constant image) stays zero rather than dividing by zero.
  const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
  for (let i = 0; i < block.length; i++) out[offset + i] = block[i] * inv;
}

function histogram(z: GrayImage): Float64Array {
  const h = new Float64Array(HIST_BINS);
  const scale = HIST_BINS / (2 * HIST_RANGE);
  // Integer clamping instead of Math.min/max/floor: this loop runs over every source pixel.
  for (let i = 0; i < z.data.length; i++) {
    let bin = ((z.data[i] + HIST_RANGE) * scale) | 0;
    if (!(bin >= 0)) bin = 0;
    else if (bin >= HIST_BINS) bin = HIST_BINS - 1;
    h[bin] += 1;
  }
  return h;
}

/** HOG-like: central-difference gradients, unsigned orientation, linear interpolation between bins. */
function hog(w: GrayImage): Float64Array {
  const n = w.width;
  const h = new Float64Array(HOG_CELLS * HOG_CELLS * HOG_BINS);
  const cell = n / HOG_CELLS;
  const d = w.data;
  for (let y = 0; y < n; y++) {
    const up = (y > 0 ? y - 1 : 0) * n;
    const down = (y < n - 1 ? y + 1 : y) * n;
    for (let x = 0; x < n; x++) {
      // Central differences, replicating the edge pixel at the border.
      const gx = d[y * n + (x < n - 1 ? x + 1 : x)] - d[y * n + (x > 0 ? x - 1 : 0)];
      const gy = d[down + x] - d[up + x];
      const mag = Math.sqrt(gx * gx + gy * gy);
      if (mag === 0) continue;
      let angle = Math.atan2(gy, gx);
      if (angle < 0) angle += Math.PI;
      const pos = (angle / Math.PI) * HOG_BINS - 0.5;
      const lo = Math.floor(pos);
      const frac = pos - lo;
      const base = (((y / cell) | 0) * HOG_CELLS + ((x / cell) | 0)) * HOG_BINS;
      h[base + ((lo + HOG_BINS) % HOG_BINS)] += mag * (1 - frac);
      h[base + ((lo + 1) % HOG_BINS)] += mag * frac;
    }
  }
  return h;
}

/** Uniform LBP (radius 1, 8 neighbours, bit = neighbour ≥ centre) histograms on a 2×2 grid. */
function lbp(w: GrayImage): Float64Array {
  const n = w.width;
  const h = new Float64Array(LBP_CELLS * LBP_CELLS * LBP_BINS);
  const cell = (n - 2) / LBP_CELLS;
  const dx = [-1, 0, 1, 1, 1, 0, -1, -1];
  const dy = [-1, -1, -1, 0, 1, 1, 1, 0];
  for (let y = 1; y < n - 1; y++) {
    for (let x = 1; x < n - 1; x++) {
      const c = w.data[y * n + x];
      let code = 0;
      for (let b = 0; b < 8; b++) if (w.data[(y + dy[b]) * n + x + dx[b]] >= c) code |= 1 << b;
      const cellIndex = Math.floor((y - 1) / cell) * LBP_CELLS + Math.floor((x - 1) / cell);
      h[cellIndex * LBP_BINS + LBP_UNIFORM[code]]++;
    }
  }
  return h;
}

/** The feature vector of one image (see the table above); pure function of the pixels. */
export function intensityTextureFeatures(image: GrayImage): Float32Array {
  const z = zScore(image);
  const out = new Float32Array(INTENSITY_TEXTURE_DIMENSIONS);
  const work = resizeArea(z, WORK, WORK);
  let offset = 0;
  for (const block of [resizeArea(z, 8, 8).data, resizeArea(z, 16, 16).data, histogram(z), hog(work), lbp(work)]) {
    l2NormalizeInto(out, offset, block);
    offset += block.length;
  }
  return out;
}

/** The `intensity-texture` encoder: {@link intensityTextureFeatures} for each image. */
export class IntensityTextureEncoder implements Encoder {
  readonly id = 'intensity-texture';
  readonly description = 'Hand-crafted: multi-scale thumbnails, intensity histogram, HOG and LBP histograms (732-d, no download)';
  /** Bump when the features change. */
  readonly version = '1';

  dimensions(): number {
    return INTENSITY_TEXTURE_DIMENSIONS;
  }

  async embed(images: readonly GrayImage[], onProgress?: ProgressCallback): Promise<Float32Array> {
    return embedEach(images, INTENSITY_TEXTURE_DIMENSIONS, intensityTextureFeatures, `embed:${this.id}`, onProgress);
  }

  dispose(): void {
    // Holds no resources.
  }
}

/** Registry entry for {@link IntensityTextureEncoder}; it takes no options. */
export const intensityTextureEncoderFactory: EncoderFactory = {
  id: 'intensity-texture',
  description: new IntensityTextureEncoder().description,
  create: async () => new IntensityTextureEncoder(),
};
