import { imageEntropy, normaliseMinMax, pixelEntropy } from './entropy';

describe('entropy (eqs. 5–7)', () => {
  it('computes per-pixel entropy with ε inside the log', () => {
    const probs = [0.5, 0.5, 1, 0, 0.25, 0.75];
    const h = pixelEntropy(probs, 2);
    expect(h[0]).toBeCloseTo(Math.log(2), 6);
    expect(h[1]).toBeCloseTo(-Math.log(1 + 1e-8), 12); // ε makes a certain pixel very slightly negative
    expect(h[2]).toBeCloseTo(-(0.25 * Math.log(0.25) + 0.75 * Math.log(0.75)), 6);
    // With ε = 0.5 the first pixel is −2 · 0.5 · log(1) = 0.
    expect(pixelEntropy([0.5, 0.5], 2, 0.5)[0]).toBeCloseTo(0, 12);
  });

  it('averages over all pixels for the image (eq. 6)', () => {
    const probs = [0.5, 0.5, 1, 0];
    expect(imageEntropy(probs, 2)).toBeCloseTo(Math.log(2) / 2, 6);
  });

  it('min–max normalises over the pool (eq. 7)', () => {
    expect(Array.from(normaliseMinMax([2, 4, 3], 0))).toEqual([0, 1, 0.5]);
    expect(Array.from(normaliseMinMax([1, 1], 1e-8))).toEqual([0, 0]);
  });

  it('rejects a map that is not pixels × classes', () => {
    expect(() => pixelEntropy([0.5, 0.5, 1], 2)).toThrow(/whole number of pixels/);
    expect(() => imageEntropy([1], 0)).toThrow(/classes/);
  });
});
