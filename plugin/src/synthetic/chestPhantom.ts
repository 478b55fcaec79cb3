import { InvalidInputError } from '../core/errors';
import { createRng, shuffleInPlace } from '../random/rng';
import { CHEST_PHANTOM_GROUPS, type ChestPhantom, type ChestPhantomOptions, type ChestPhantomSetItem } from './chestPhantom/chestPhantomTypes';
import { drawGroup, stratifiedGroups } from './chestPhantom/groups';
import { phantomMeta } from './chestPhantom/meta';
import { render } from './chestPhantom/render';
import { sampleAnatomy } from './chestPhantom/sampleAnatomy';

export {
  CHEST_PHANTOM_GROUPS,
  CHEST_PHANTOM_LABELS,
  CHEST_PHANTOM_MAX_VALUE,
  type ChestPhantom,
  type ChestPhantomGroup,
  type ChestPhantomMeta,
  type ChestPhantomOptions,
  type ChestPhantomSetItem,
} from './chestPhantom/chestPhantomTypes';

/**
 * Synthetic chest-radiograph-like phantoms with lung masks, for the embedded demo and for
 * end-to-end tests. Everything is deterministic from the seed (the engine's seeded generator,
 * never Math.random) and computed in one pass over the pixels plus a few cheap separable passes.
 *
 * Geometry is drawn in a "patient frame" where the thorax spans roughly x ∈ [−0.9, 0.9] and the
 * image spans y ∈ [−1, 1] at scale 1 (x to the image's right, y downwards); the patient frame is
 * then scaled, rotated and shifted onto the image. The image is a projection-like attenuation map
 * (soft-tissue thickness of an elliptic body, minus the air of the lungs, plus heart, spine,
 * clavicles, ribs and vessels) pushed through an exposure curve, with low-pass and fine noise.
 *
 * This module is the public surface; the implementation lives in `./chestPhantom/`: the types
 * (`chestPhantomTypes`, `anatomyTypes`), the groups (`groups`), the drawing of the anatomy
 * (`sampleAnatomy`), its shapes (`geometry`), the attenuation of bones and soft tissue (`bones`,
 * `softTissue`, `attenuation`), vessels and noise (`vessels`, `noise`), the lung mask clean-up
 * (`lungMask`), the exposure (`exposure`), the rendering pipeline (`render`) and the meta (`meta`).
 */

function validateSize(size: number): void {
  if (!Number.isInteger(size) || size < 16 || size > 4096) {
    throw new InvalidInputError('invalid-option', `phantom size must be an integer in [16, 4096], got ${size}`);
  }
}

function validateOptions(options: ChestPhantomOptions, size: number): void {
  validateSize(size);
  if (!Number.isSafeInteger(options.seed)) {
    throw new InvalidInputError('invalid-option', `phantom seed must be an integer, got ${options.seed}`);
  }
  if (options.variant !== undefined && !CHEST_PHANTOM_GROUPS.includes(options.variant)) {
    throw new InvalidInputError('invalid-option', `unknown phantom variant '${String(options.variant)}'; expected one of ${CHEST_PHANTOM_GROUPS.join(', ')}`);
  }
}

/**
 * One synthetic chest radiograph (PA view, MONOCHROME2, 12-bit) with its lung label map:
 * elliptic body on a dark background, two lung fields (the left smaller, with a cardiac notch),
 * heart and mediastinum, spine, clavicles, ribs, vessels, diaphragm domes, low-pass and fine
 * noise and a global exposure variation. Deterministic in (seed, size, variant).
 */
export function chestPhantom(options: ChestPhantomOptions): ChestPhantom {
  const size = options.size ?? 256;
  validateOptions(options, size);
  const rng = createRng(options.seed);
  const drawn = drawGroup(rng); // drawn even when forced, so that the rest of the stream is the same
  const group = options.variant ?? drawn;
  const anatomy = sampleAnatomy(group, rng.fork());
  const { pixels, mask } = render(anatomy, size, rng.fork());
  return { pixels, mask, size, meta: phantomMeta(group, options.seed, size, anatomy, mask) };
}

/**
 * `count` phantoms with ids `phantom-0001`, `phantom-0002`, …: groups in proportion to their
 * weights (largest remainder, every group present once count ≥ 4), shuffled, each image with
 * its own seed drawn from `seed`.
 */
export function chestPhantomSet(count: number, seed: number, size = 256): ChestPhantomSetItem[] {
  if (!Number.isInteger(count) || count < 0) {
    throw new InvalidInputError('invalid-option', `phantom count must be a non-negative integer, got ${count}`);
  }
  validateSize(size);
  const rng = createRng(seed);
  const groups = stratifiedGroups(count);
  shuffleInPlace(groups, rng);
  const width = Math.max(4, String(count).length);
  const items: ChestPhantomSetItem[] = [];
  for (let i = 0; i < count; i++) {
    const phantomSeed = rng.nextUint32();
    const phantom = chestPhantom({ seed: phantomSeed, size, variant: groups[i] });
    items.push({ id: `phantom-${String(i + 1).padStart(width, '0')}`, ...phantom });
  }
  return items;
}
