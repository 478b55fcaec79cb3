import { trustworthiness } from './trustworthiness';
import fixture from './__fixtures__/trustworthiness.json';

describe('trustworthiness', () => {
  const high = { rows: fixture.rows, cols: fixture.cols, data: Float64Array.from(fixture.high) };
  const low = Float64Array.from(fixture.low);

  it.each(Object.entries(fixture.values))('equals sklearn.manifold.trustworthiness for k=%s', (k, expected) => {
    expect(Math.abs(trustworthiness(high, low, Number(k)) - expected)).toBeLessThan(1e-12);
  });

  it('is 1 for an isometric embedding and validates k', () => {
    const pts = Float64Array.from([0, 0, 1, 0, 3, 0, 7, 0, 15, 0, 31, 0]);
    const asMatrix = { rows: 6, cols: 2, data: pts };
    expect(trustworthiness(asMatrix, pts, 2)).toBe(1);
    expect(() => trustworthiness(asMatrix, pts, 3)).toThrow(expect.objectContaining({ code: 'invalid-option' }));
    expect(() => trustworthiness(asMatrix, pts.subarray(2), 2)).toThrow(expect.objectContaining({ code: 'invalid-option' }));
  });
});
