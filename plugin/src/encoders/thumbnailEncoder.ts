import type { ProgressCallback } from '../core/progress';
import { embedEach, resizeArea, zScore } from './grayImage';
import type { Encoder, EncoderFactory, GrayImage } from './types';

/** Side of the thumbnail: 32 × 32 = 1,024 dimensions. */
const SIDE = 32;

/**
 * The `thumbnail` encoder: the image itself, z-scored and area-averaged to 32 × 32 — "clustering
 * in pixel space", the baseline the paper's introduction calls a poor proxy for semantics. It is
 * here as a download-free candidate to measure the other encoders against.
 */
export class ThumbnailEncoder implements Encoder {
  readonly id = 'thumbnail';
  readonly description = 'Pixel space: the z-scored image area-averaged to 32×32 (1,024-d, no download)';
  readonly version = '1';

  dimensions(): number {
    return SIDE * SIDE;
  }

  async embed(images: readonly GrayImage[], onProgress?: ProgressCallback): Promise<Float32Array> {
    return embedEach(images, SIDE * SIDE, (image) => resizeArea(zScore(image), SIDE, SIDE).data, `embed:${this.id}`, onProgress);
  }

  dispose(): void {
    // Holds no resources.
  }
}

/** Registry entry for {@link ThumbnailEncoder}; it takes no options. */
export const thumbnailEncoderFactory: EncoderFactory = {
  id: 'thumbnail',
  description: new ThumbnailEncoder().description,
  create: async () => new ThumbnailEncoder(),
};
