import { preprocessImage, resizeBilinear, resizeNearest, zScore } from './preprocess';
import { Image2D } from './types';

function image(width: number, height: number, values: number[], spacing: Image2D['spacing'] = null): Image2D {
  return { width, height, channels: 1, data: new Float32Array(values), spacing, source: { format: 'png' } };
}

describe('preprocess', () => {
  it('resizeBilinear matches PyTorch align_corners=False', () => {
    // torch.nn.functional.interpolate(torch.tensor([[[[0.,1.],[2.,3.]]]]), size=(4,4), mode='bilinear', align_corners=False)
    const up = resizeBilinear(image(2, 2, [0, 1, 2, 3]), 4);
    expect(Array.from(up.data.subarray(0, 4))).toEqual([0, 0.25, 0.75, 1]);
    expect(Array.from(up.data.subarray(4, 8))).toEqual([0.5, 0.75, 1.25, 1.5]);
    // Downscaling 4 → 2 samples at source 0.5 and 2.5 (no anti-aliasing): averages of 2×2 blocks.
    const down = resizeBilinear(image(4, 1, [0, 2, 4, 6]), { width: 2, height: 1 });
    expect(Array.from(down.data)).toEqual([1, 5]);
  });

  it('scales spacing to the resized grid', () => {
    const out = resizeBilinear(image(4, 2, new Array(8).fill(0), { row: 0.5, column: 0.2, unit: 'mm' }), 8);
    expect(out.spacing).toEqual({ row: 0.125, column: 0.1, unit: 'mm' });
  });

  it('resizeNearest never invents labels', () => {
    expect(Array.from(resizeNearest(new Uint8Array([1, 2, 3, 4]), 2, 2, 4))).toEqual([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
  });

  it('zScore gives mean 0 and population std 1; constant images stay finite', () => {
    const z = zScore([1, 2, 3, 4]);
    expect(z.reduce((a, v) => a + v, 0)).toBeCloseTo(0, 6);
    expect(Math.sqrt(z.reduce((a, v) => a + v * v, 0) / 4)).toBeCloseTo(1, 6);
    expect(Array.from(zScore([5, 5, 5]))).toEqual([0, 0, 0]);
  });

  it('preprocessImage: grey, resized, z-scored, spacing kept in mm', () => {
    const rgb: Image2D = { width: 2, height: 2, channels: 3, data: new Float32Array(12).map((_, i) => i), spacing: { row: 1, column: 1, unit: 'mm' }, source: { format: 'dicom' } };
    const p = preprocessImage(rgb, 4);
    expect([p.size, p.originalWidth, p.originalHeight, p.data.length]).toEqual([4, 2, 2, 16]);
    expect(p.spacing).toEqual({ row: 0.5, column: 0.5, unit: 'mm' });
    expect(p.data.reduce((a, v) => a + v, 0)).toBeCloseTo(0, 5);
  });
});
