import { InvalidInputError } from '../core/errors';
import type { DenseMatrix } from '../core/matrix';
import { pca } from './pca';
import { tsne } from './tsne';
import type { Projection } from './types';

/** t-SNE to 2-D (the paper's choice). */
export const tsneProjection: Projection = {
  id: 'tsne',
  description: 't-SNE to 2-D (PCA to 50 dimensions, k-nearest-neighbour affinities, Barnes–Hut or FFT-interpolation repulsion), seeded.',
  async project(input, options, rng) {
    const points = await tsne(input, options.tsne ?? {}, rng, options.onProgress);
    return { rows: input.rows, cols: 2, data: points };
  },
};

/** The first two principal components. */
export const pcaProjection: Projection = {
  id: 'pca',
  description: 'The first two principal components (seeded randomized SVD for large inputs).',
  async project(input, _options, rng) {
    if (input.cols < 2) throw new InvalidInputError('invalid-option', `PCA to 2-D needs at least 2 embedding columns, got ${input.cols}`);
    const { scores } = await pca(input, 2, rng);
    return { rows: input.rows, cols: 2, data: scores };
  },
};

/** The input coordinates as they are (the embeddings must already be 2-D). */
export const identityProjection: Projection = {
  id: 'none',
  description: 'Use the input coordinates as they are (embeddings must have exactly 2 columns).',
  async project(input: DenseMatrix) {
    if (input.cols !== 2) {
      throw new InvalidInputError('invalid-option', `projection "none" needs 2-D embeddings, got ${input.cols} columns (use tsne or pca)`);
    }
    return { rows: input.rows, cols: 2, data: Float64Array.from(input.data) };
  },
};
