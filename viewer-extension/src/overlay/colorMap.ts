/**
 * The uncertainty colour map: matplotlib's "inferno" through the same key colours as the
 * server's PNG heat maps (plugin/src/plot/heatmapPng.ts), so the overlay and the PNG agree.
 */
const INFERNO: ReadonlyArray<readonly [number, number, number]> = [
  [0, 0, 4], [31, 12, 72], [85, 15, 109], [136, 34, 106], [186, 54, 85],
  [227, 89, 51], [249, 140, 10], [249, 201, 50], [252, 255, 164],
];

/** RGB of t ∈ [0, 1] on inferno (clamped; NaN → 0; linear between key colours). */
export function inferno(t: number): [number, number, number] {
  const v = Number.isFinite(t) ? Math.min(1, Math.max(0, t)) : 0;
  const pos = v * (INFERNO.length - 1);
  const lo = Math.min(INFERNO.length - 2, Math.floor(pos));
  const f = pos - lo;
  const a = INFERNO[lo]!;
  const b = INFERNO[lo + 1]!;
  return [Math.round(a[0] + f * (b[0] - a[0])), Math.round(a[1] + f * (b[1] - a[1])), Math.round(a[2] + f * (b[2] - a[2]))];
}

/** Options of {@link entropyToRgba}. */
export interface EntropyColourOptions {
  /** The top of the scale: log C for C classes (background included), as the server's PNG. */
  readonly max: number;
  /** Normalised entropy at and above which a pixel is fully opaque (default 0.25). */
  readonly opaqueFrom?: number;
  /** Normalised entropy below which a pixel is fully transparent (default 0.02). */
  readonly transparentBelow?: number;
}

/**
 * RGBA pixels (row by row) of an entropy map for fusing over the image: colour on the fixed
 * scale 0 … max; opacity grows with entropy, so confident pixels leave the image visible and
 * uncertain ones are coloured (the slider's opacity multiplies this when drawn).
 */
export function entropyToRgba(values: ArrayLike<number>, options: EntropyColourOptions): Uint8ClampedArray<ArrayBuffer> {
  const max = options.max > 0 ? options.max : 1;
  const opaqueFrom = options.opaqueFrom ?? 0.25;
  const transparentBelow = options.transparentBelow ?? 0.02;
  const out = new Uint8ClampedArray(values.length * 4);
  for (let i = 0; i < values.length; i++) {
    const raw = values[i]!;
    const t = Number.isFinite(raw) ? Math.min(1, Math.max(0, raw / max)) : 0;
    const [r, g, b] = inferno(t);
    out[4 * i] = r;
    out[4 * i + 1] = g;
    out[4 * i + 2] = b;
    out[4 * i + 3] = t < transparentBelow ? 0 : Math.round(255 * Math.min(1, t / opaqueFrom));
  }
  return out;
}
