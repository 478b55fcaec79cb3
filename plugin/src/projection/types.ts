import type { DenseMatrix } from '../core/matrix';
import type { ProgressCallback } from '../core/progress';
import type { Rng } from '../random/rng';
import type { TsneOptions } from './tsne';

/** Options passed to every projection; each reads the part that concerns it. */
export interface ProjectionOptions {
  readonly tsne?: TsneOptions;
  readonly onProgress?: ProgressCallback;
}

/** Maps N embeddings to an N × 2 map. All randomness comes from `rng`. */
export interface Projection {
  readonly id: string;
  readonly description: string;
  project(input: DenseMatrix, options: ProjectionOptions, rng: Rng): Promise<DenseMatrix>;
}
