import { PNG } from 'pngjs';
import { binaryMaskFromPng, labelMapFromClassPngs, labelMapFromPng, labelMapsFromNifti } from './masks';
import { NiftiVolume } from './nifti';
import { splitLungsByComponents } from './splitLungsByComponents';

function greyPng(width: number, height: number, values: number[]): Uint8Array {
  const png = new PNG({ width, height, colorType: 0, inputColorType: 6, bitDepth: 8 });
  png.data = Buffer.from(values.flatMap((v) => [v, v, v, 255]));
  return PNG.sync.write(png, { colorType: 0, inputColorType: 6 });
}

describe('masks', () => {
  it('maps label-map values and names an unknown value', () => {
    const m = labelMapFromPng(greyPng(4, 1, [0, 150, 200, 250]), { 0: 0, 150: 1, 200: 2, 250: 3 });
    expect(Array.from(m.labels)).toEqual([0, 1, 2, 3]);
    expect(m.numClasses).toBe(4);
    expect(() => labelMapFromPng(greyPng(2, 1, [0, 99]), { 0: 0, 150: 1 })).toThrow(/pixel value 99 at \(row 0, column 1\)/);
  });

  it('thresholds anti-aliased binary masks at > 127', () => {
    expect(Array.from(binaryMaskFromPng(greyPng(4, 1, [0, 127, 128, 255])).labels)).toEqual([0, 0, 1, 1]);
  });

  it('combines per-class PNGs; overlap is an error unless later-wins', () => {
    const a = greyPng(3, 1, [255, 255, 0]);
    const b = greyPng(3, 1, [0, 255, 255]);
    expect(() => labelMapFromClassPngs([a, b])).toThrow(/overlap at \(row 0, column 1\)/);
    const m = labelMapFromClassPngs([a, b], { overlap: 'later-wins' });
    expect(Array.from(m.labels)).toEqual([1, 2, 2]);
    expect(m.numClasses).toBe(3);
  });

  it('slices NIfTI label volumes and rejects non-integer labels', () => {
    const vol: NiftiVolume = { dims: [2, 1, 2], spacing: [1, 1, 1], data: new Float32Array([0, 1, 2, 3]), datatype: 2 };
    const maps = labelMapsFromNifti(vol, 2);
    expect(maps.map((m) => Array.from(m.labels))).toEqual([[0, 1], [2, 3]]);
    expect(maps[0].numClasses).toBe(4);
    expect(() => labelMapsFromNifti({ ...vol, data: new Float32Array([0, 0.5, 1, 1]) }, 2)).toThrow(/0\.5/);
  });

  it('splits lungs: image-left component = 1, image-right = 2, specks dropped, 8-connectivity', () => {
    // 7 wide: left blob (with a diagonal-only neighbour), a 1-pixel speck, right blob.
    const w = 7;
    const mask = [
      1, 1, 0, 0, 0, 1, 1,
      1, 1, 0, 0, 0, 1, 1,
      0, 0, 1, 0, 0, 1, 1,
      0, 0, 0, 0, 1, 0, 0,
    ];
    const out = splitLungsByComponents(mask, w, 4);
    expect(Array.from(out.labels)).toEqual([
      1, 1, 0, 0, 0, 2, 2,
      1, 1, 0, 0, 0, 2, 2,
      0, 0, 1, 0, 0, 2, 2,
      0, 0, 0, 0, 2, 0, 0,
    ]);
  });
});
