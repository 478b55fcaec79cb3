import type { Rng } from '../../random/rng';
import type { Anatomy } from './anatomyTypes';
import { attenuationMaps } from './attenuation';
import { exposeImage } from './exposure';
import { keepLargestComponents } from './lungMask';
import { blur121, valueNoise } from './noise';
import { drawVessels } from './vessels';

/**
 * Renders an anatomy to a size × size 12-bit image and its lung label map. The generator is
 * forked, in this order, for the vessels, the coarse and fine lung texture and the low-pass
 * shading; what remains of its stream gives the per-pixel noise.
 */
export function render(a: Anatomy, size: number, rng: Rng): { pixels: Uint16Array; mask: Uint8Array } {
  const maps = attenuationMaps(a, size);
  keepLargestComponents(maps.mask, size);

  const vessels = drawVessels(a, size, rng.fork());
  blur121(vessels, size);
  const texture = valueNoise(rng.fork(), size, 22);
  const texture2 = valueNoise(rng.fork(), size, 9);
  const lowpass = valueNoise(rng.fork(), size, 3);

  const pixels = exposeImage(a, size, maps, { vessels, texture, texture2, lowpass }, rng);
  return { pixels, mask: maps.mask };
}
