import { InvalidInputError } from '../core/errors';
import { reportProgress, type ProgressCallback } from '../core/progress';
import type { Registry } from '../core/registry';
import type { Encoder, EncoderFactory, EncoderOptions, GrayImage } from './types';

/** Joins the ids of a combined encoder's parts: `intensity-texture+self-supervised`. */
export const COMBINED_SEPARATOR = '+';

/**
 * Several encoders as one (issue 17, "encoders combined"): each part embeds the images, each
 * part's vector is L2-normalised per image, and the blocks are concatenated in the parts' order.
 * So every part weighs the same in a Euclidean distance whatever its length or scale (as the
 * blocks inside `intensity-texture` do), and an image's vector depends on that image alone — the
 * embedding cache stays valid per image. A zero vector stays zero.
 *
 * `version` names every part's id and version, so changing any part (new weights of a
 * site-trained encoder) invalidates cached embeddings.
 */
export class CombinedEncoder implements Encoder {
  readonly id: string;
  readonly description: string;
  readonly version: string;

  constructor(readonly parts: readonly Encoder[]) {
    if (parts.length < 2) throw new InvalidInputError('invalid-option', `a combined encoder needs at least two parts, got ${parts.length}`);
    this.id = parts.map((p) => p.id).join(COMBINED_SEPARATOR);
    this.description = `concatenation of ${parts.map((p) => p.id).join(', ')}, each block L2-normalised per image`;
    this.version = `combined(${parts.map((p) => `${p.id}@${p.version}`).join(',')})`;
  }

  dimensions(): number {
    return this.parts.reduce((sum, p) => sum + p.dimensions(), 0);
  }

  async embed(images: readonly GrayImage[], onProgress?: ProgressCallback): Promise<Float32Array> {
    const total = this.dimensions();
    const out = new Float32Array(images.length * total);
    const stage = `embed:${this.id}`;
    reportProgress(onProgress, stage, 0);
    let offset = 0;
    for (const [k, part] of this.parts.entries()) {
      const dims = part.dimensions();
      const block = await part.embed(images, (e) => reportProgress(onProgress, stage, (k + Math.max(0, Math.min(1, e.fraction))) / this.parts.length, part.id));
      if (block.length !== images.length * dims) {
        throw new Error(`encoder ${part.id} returned ${block.length} values for ${images.length} images of ${dims} dimensions`);
      }
      for (let i = 0; i < images.length; i++) {
        let norm = 0;
        for (let d = 0; d < dims; d++) norm += block[i * dims + d]! ** 2;
        const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
        for (let d = 0; d < dims; d++) out[i * total + offset + d] = block[i * dims + d]! * scale;
      }
      offset += dims;
    }
    reportProgress(onProgress, stage, 1);
    return out;
  }

  dispose(): void {
    for (const part of this.parts) part.dispose();
  }
}

/** The part ids of `spec` (`a+b+c`), or null when it names a single encoder. */
export function combinedParts(spec: string): string[] | null {
  if (!spec.includes(COMBINED_SEPARATOR)) return null;
  const parts = spec.split(COMBINED_SEPARATOR).map((p) => p.trim());
  if (parts.some((p) => p === '')) throw new InvalidInputError('invalid-option', `encoder "${spec}" has an empty part; write ids joined by "${COMBINED_SEPARATOR}", e.g. intensity-texture${COMBINED_SEPARATOR}self-supervised`);
  if (new Set(parts).size !== parts.length) throw new InvalidInputError('invalid-option', `encoder "${spec}" names a part twice`);
  return parts;
}

/**
 * Builds the encoder a spec names: one registry id, or several joined by `+` (a
 * {@link CombinedEncoder}). Every part gets the same options; each reads the ones it understands
 * (`model` goes to the one part that needs weights — naming two such parts is refused, since
 * they would read the same `model`). Unknown ids throw naming the valid ones.
 */
export async function createEncoder(registry: Registry<EncoderFactory>, spec: string, options: EncoderOptions = {}): Promise<Encoder> {
  const parts = combinedParts(spec);
  if (parts === null) return registry.get(spec).create(options);
  const factories = parts.map((id) => registry.get(id));
  const withModel = parts.filter((id) => MODEL_ENCODER_IDS.has(id));
  if (withModel.length > 1) throw new InvalidInputError('invalid-option', `encoder "${spec}" combines ${withModel.join(' and ')}, which would both read the one --encoder-model`);
  const built: Encoder[] = [];
  try {
    for (const factory of factories) built.push(await factory.create(options));
  } catch (error) {
    for (const encoder of built) encoder.dispose();
    throw error;
  }
  return new CombinedEncoder(built);
}

/** Built-in encoders that read `model` (their weights): at most one of them in a combination. */
export const MODEL_ENCODER_IDS: ReadonlySet<string> = new Set(['tfjs-model', 'self-supervised']);
