import { InvalidInputError, RegistryError } from '../core/errors';
import { createEncoderRegistry } from './encoderRegistry';

describe('encoder registry', () => {
  it('holds the built-in encoders and rejects unknown ids by naming the valid ones', () => {
    const registry = createEncoderRegistry();
    expect(registry.ids()).toEqual(['tfjs-model', 'intensity-texture', 'thumbnail', 'self-supervised']);
    expect(() => registry.get('radimagenet')).toThrow(RegistryError);
    expect(() => registry.get('radimagenet')).toThrow(/tfjs-model, intensity-texture, thumbnail, self-supervised/);
  });

  it('creates the intensity-texture encoder without options', async () => {
    const encoder = await createEncoderRegistry().get('intensity-texture').create({});
    expect(encoder.dimensions()).toBe(732);
    encoder.dispose();
  });

  it('thumbnail is the z-scored 32×32 image', async () => {
    const encoder = await createEncoderRegistry().get('thumbnail').create({});
    expect(encoder.dimensions()).toBe(1024);
    // A 64×64 image whose left half is 0 and right half 2: z-scored to −1 / +1, averaged 2×2.
    const data = Float32Array.from({ length: 64 * 64 }, (_, i) => (i % 64 < 32 ? 0 : 2));
    const out = await encoder.embed([{ width: 64, height: 64, data }]);
    expect(out[0]).toBeCloseTo(-1, 6);
    expect(out[31]).toBeCloseTo(1, 6);
    expect(out[15]).toBeCloseTo(-1, 6);
    await expect(encoder.embed([{ width: 2, height: 2, data: new Float32Array(3) }])).rejects.toThrow(/3 values/);
    encoder.dispose();
  });

  it('self-supervised needs weights trained beforehand and says how to train them', async () => {
    const factory = createEncoderRegistry().get('self-supervised');
    await expect(factory.create({})).rejects.toThrow(InvalidInputError);
    await expect(factory.create({})).rejects.toThrow(/trainSelfSupervised/);
  });

  it('tfjs-model needs a model and a known normalization', async () => {
    const factory = createEncoderRegistry().get('tfjs-model');
    await expect(factory.create({})).rejects.toThrow(InvalidInputError);
    await expect(factory.create({ model: '/nonexistent/model.json' })).rejects.toThrow(/does not exist/);
    await expect(factory.create({ model: '/tmp', normalization: 'bgr' })).rejects.toThrow(/unknown normalization/);
  });
});
