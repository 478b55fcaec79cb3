import { PNG } from 'pngjs';
import { InvalidInputError } from '../core/errors';

/** Key colours of matplotlib's perceptually uniform "inferno" map, at 0, 1/8, …, 1. */
const INFERNO: ReadonlyArray<readonly [number, number, number]> = [
  [0, 0, 4], [31, 12, 72], [85, 15, 109], [136, 34, 106], [186, 54, 85],
  [227, 89, 51], [249, 140, 10], [249, 201, 50], [252, 255, 164],
];

/** RGB of a value in [0, 1] on the inferno colour map (clamped; linear between key colours). */
export function inferno(value: number): [number, number, number] {
  const v = Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0;
  const pos = v * (INFERNO.length - 1);
  const lo = Math.min(INFERNO.length - 2, Math.floor(pos));
  const t = pos - lo;
  const a = INFERNO[lo]!;
  const b = INFERNO[lo + 1]!;
  return [Math.round(a[0] + t * (b[0] - a[0])), Math.round(a[1] + t * (b[1] - a[1])), Math.round(a[2] + t * (b[2] - a[2]))];
}

/** Options of {@link heatmapPng}. */
export interface HeatmapOptions {
  /** Value mapped to the bottom of the colour map (default: the map's minimum). */
  readonly min?: number;
  /** Value mapped to the top (default: the map's maximum; for entropy, log C is a natural fixed scale). */
  readonly max?: number;
}

/**
 * Encodes a width × height scalar map (row-major) as an 8-bit RGB PNG on the inferno colour
 * map — the picture of a per-pixel entropy map (eq. 5) that a radiologist can open anywhere.
 */
export function heatmapPng(values: ArrayLike<number>, width: number, height: number, options: HeatmapOptions = {}): Buffer {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || values.length !== width * height) {
    throw new InvalidInputError('invalid-option', `heat map: ${values.length} values for ${width} × ${height} pixels`);
  }
  let min = options.min ?? Infinity;
  let max = options.max ?? -Infinity;
  if (options.min === undefined || options.max === undefined) {
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (options.min === undefined && v < min) min = v;
      if (options.max === undefined && v > max) max = v;
    }
  }
  const span = max - min > 0 ? max - min : 1;
  const png = new PNG({ width, height, colorType: 2, inputColorType: 2, inputHasAlpha: false });
  const out = Buffer.alloc(width * height * 3);
  for (let i = 0; i < values.length; i++) {
    const [r, g, b] = inferno((values[i]! - min) / span);
    out[3 * i] = r;
    out[3 * i + 1] = g;
    out[3 * i + 2] = b;
  }
  png.data = out;
  return PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false });
}
