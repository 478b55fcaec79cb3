import { InvalidInputError, RegistryError } from '../core/errors';
import { createEncoderRegistry } from './encoderRegistry';

describe('encoder registry', () => {
  it('holds the built-in encoders and rejects unknown ids by naming the valid ones', () => {
    const registry = createEncoderRegistry();
    expect(registry.ids()).toEqual(['tfjs-model', 'intensity-texture']);
    expect(() => registry.get('radimagenet')).toThrow(RegistryError);
    expect(() => registry.get('radimagenet')).toThrow(/tfjs-model, intensity-texture/);
  });

  it('creates the intensity-texture encoder without options', async () => {
    const encoder = await createEncoderRegistry().get('intensity-texture').create({});
    expect(encoder.dimensions()).toBe(732);
    encoder.dispose();
  });

  it('tfjs-model needs a model and a known normalization', async () => {
    const factory = createEncoderRegistry().get('tfjs-model');
    await expect(factory.create({})).rejects.toThrow(InvalidInputError);
    await expect(factory.create({ model: '/nonexistent/model.json' })).rejects.toThrow(/does not exist/);
    await expect(factory.create({ model: '/tmp', normalization: 'bgr' })).rejects.toThrow(/unknown normalization/);
  });
});
