import { applyAffine, overlayTransform } from './overlayTransform';

describe('overlayTransform', () => {
  it('maps the map\'s corners onto the image corners (identity-like placement)', () => {
    // A 128-pixel image drawn at 4 CSS px per pixel, offset by (10, 20); the map is 32 × 32.
    const m = overlayTransform([10, 20], [10 + 512, 20], [10, 20 + 512], 32, 32);
    expect(applyAffine(m, 0, 0)).toEqual([10, 20]);
    expect(applyAffine(m, 32, 32)).toEqual([522, 532]);
    expect(applyAffine(m, 16, 8)).toEqual([266, 148]);
  });

  it('follows rotation/flip and scales to device pixels', () => {
    // Image rotated by 90°: its x axis points down the canvas, its y axis to the left.
    const m = overlayTransform([300, 100], [300, 300], [100, 100], 10, 20, 2);
    expect(applyAffine(m, 0, 0)).toEqual([600, 200]);
    expect(applyAffine(m, 10, 0)).toEqual([600, 600]);
    expect(applyAffine(m, 0, 20)).toEqual([200, 200]);
  });
});
