/** A 2-D affine transform in the order of CanvasRenderingContext2D.setTransform(a, b, c, d, e, f). */
export type Affine = readonly [number, number, number, number, number, number];

/**
 * The transform that draws a `width` × `height` map (one map pixel = one unit) so that it covers
 * the image exactly: `origin` is where the image's top-left pixel corner lands on the canvas
 * (CSS pixels), `xEnd` the top-right corner, `yEnd` the bottom-left — each obtained from the
 * viewport (image → world → canvas), so zoom, pan, rotation and flips are followed. `dpr` scales
 * CSS pixels to the canvas's device pixels. The map may have another size than the image (the
 * server's maps are the model's input size): it is stretched over the whole image, as the model
 * saw the image resized.
 */
export function overlayTransform(origin: readonly number[], xEnd: readonly number[], yEnd: readonly number[], width: number, height: number, dpr = 1): Affine {
  const [ox, oy] = [origin[0]!, origin[1]!];
  return [
    (dpr * (xEnd[0]! - ox)) / width,
    (dpr * (xEnd[1]! - oy)) / width,
    (dpr * (yEnd[0]! - ox)) / height,
    (dpr * (yEnd[1]! - oy)) / height,
    dpr * ox,
    dpr * oy,
  ];
}

/** Applies an affine transform to a point (for tests and hit checks). */
export function applyAffine(m: Affine, x: number, y: number): [number, number] {
  return [m[0] * x + m[2] * y + m[4], m[1] * x + m[3] * y + m[5]];
}
