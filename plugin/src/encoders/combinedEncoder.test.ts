import { InvalidInputError, RegistryError } from '../core/errors';
import { CombinedEncoder, combinedParts, createEncoder } from './combinedEncoder';
import { createEncoderRegistry } from './encoderRegistry';
import type { Encoder, GrayImage } from './types';

/** An encoder returning fixed rows (scaled by a factor), recording whether it was disposed. */
function fixed(id: string, rows: number[][], scale = 1): Encoder & { disposed: boolean } {
  return {
    id, description: id, version: `${id}-v`, disposed: false,
    dimensions: () => rows[0]!.length,
    embed: async (images: readonly GrayImage[]) => Float32Array.from(images.flatMap((_, i) => rows[i]!.map((v) => v * scale))),
    dispose() { this.disposed = true; },
  };
}

const image = (seed: number): GrayImage => ({ width: 16, height: 16, data: Float32Array.from({ length: 256 }, (_, i) => Math.sin(i * 0.37 + seed) + (i % 16) * seed * 0.1) });

describe('combined encoder', () => {
  it('concatenates the parts, each block L2-normalised per image, a zero block staying zero', async () => {
    const a = fixed('a', [[3, 4], [0, 0]]);
    const b = fixed('b', [[1, 0, 0], [0, 2, 0]], 1000);
    const combined = new CombinedEncoder([a, b]);
    expect(combined.dimensions()).toBe(5);
    expect(combined.id).toBe('a+b');
    expect(combined.version).toBe('combined(a@a-v,b@b-v)');
    const out = await combined.embed([image(1), image(2)]);
    expect(Array.from(out).map((v) => Number(v.toFixed(6)))).toEqual([0.6, 0.8, 1, 0, 0, 0, 0, 0, 1, 0]);
    combined.dispose();
    expect(a.disposed && b.disposed).toBe(true);
  });

  it("an image's vector does not depend on the other images of the call (cache-safe)", async () => {
    const registry = createEncoderRegistry();
    const encoder = await createEncoder(registry, 'intensity-texture+thumbnail');
    const [x, y, z] = [image(1), image(2), image(3)];
    const together = await encoder.embed([x, y, z]);
    const alone = await encoder.embed([y]);
    const d = encoder.dimensions();
    expect(d).toBe(732 + 1024);
    expect(Array.from(together.subarray(d, 2 * d))).toEqual(Array.from(alone));
    // Both blocks have unit length.
    const norm = (v: Float32Array) => Math.sqrt(v.reduce((s, t) => s + t * t, 0));
    expect(norm(alone.subarray(0, 732))).toBeCloseTo(1, 5);
    expect(norm(alone.subarray(732))).toBeCloseTo(1, 5);
    encoder.dispose();
  });

  it('parses specs and refuses bad ones with a clear error', async () => {
    expect(combinedParts('intensity-texture')).toBeNull();
    expect(combinedParts('intensity-texture+self-supervised')).toEqual(['intensity-texture', 'self-supervised']);
    expect(() => combinedParts('intensity-texture+')).toThrow(/empty part/);
    expect(() => combinedParts('thumbnail+thumbnail')).toThrow(/twice/);
    const registry = createEncoderRegistry();
    await expect(createEncoder(registry, 'intensity-texture+nope')).rejects.toThrow(RegistryError);
    await expect(createEncoder(registry, 'tfjs-model+self-supervised', { model: '/x' })).rejects.toThrow(/both read/);
    expect(() => new CombinedEncoder([fixed('a', [[1]])])).toThrow(InvalidInputError);
    // A part that fails to build leaves nothing behind and the error is that part's.
    await expect(createEncoder(registry, 'intensity-texture+self-supervised')).rejects.toThrow(/trained on your pool/);
  });

  it('a single id builds that encoder alone', async () => {
    const encoder = await createEncoder(createEncoderRegistry(), 'thumbnail');
    expect(encoder.id).toBe('thumbnail');
    encoder.dispose();
  });
});
