import { entropyToRgba, inferno } from './colorMap';

describe('inferno', () => {
  it('has matplotlib\'s end colours and interpolates between key colours', () => {
    expect(inferno(0)).toEqual([0, 0, 4]);
    expect(inferno(1)).toEqual([252, 255, 164]);
    expect(inferno(0.5)).toEqual([186, 54, 85]); // the middle key colour
    expect(inferno(0.0625)).toEqual([16, 6, 38]); // halfway between the first two keys
  });

  it('clamps out-of-range values and maps NaN to the bottom', () => {
    expect(inferno(-3)).toEqual(inferno(0));
    expect(inferno(7)).toEqual(inferno(1));
    expect(inferno(Number.NaN)).toEqual(inferno(0));
  });
});

describe('entropyToRgba', () => {
  const max = Math.log(3);

  it('colours on the fixed scale 0 … max, opacity growing with entropy', () => {
    const rgba = entropyToRgba([0, 0.01 * max, 0.125 * max, max, 2 * max], { max });
    const px = (i: number) => Array.from(rgba.subarray(4 * i, 4 * i + 4));
    expect(px(0)).toEqual([0, 0, 4, 0]); // certain: transparent
    expect(px(1)[3]).toBe(0); // below the transparency threshold
    expect(px(2)).toEqual([...inferno(0.125), 128]); // half of the opaque threshold (0.25)
    expect(px(3)).toEqual([252, 255, 164, 255]);
    expect(px(4)).toEqual([252, 255, 164, 255]); // above the scale: clamped
  });

  it('honours custom thresholds and keeps one RGBA quadruple per value', () => {
    const rgba = entropyToRgba(new Float32Array([0.5, 1]), { max: 1, opaqueFrom: 1, transparentBelow: 0 });
    expect(rgba.length).toBe(8);
    expect([rgba[3], rgba[7]]).toEqual([128, 255]);
  });
});
