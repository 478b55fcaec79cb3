import { defaultThreads } from './kernelPool';
import { EXACT_NEIGHBORS_LIMIT } from './nearestNeighbors';
import { FFT_REPULSION_THRESHOLD } from './tsne/tsneOptions';

/**
 * Human-readable lines on how the cold start's t-SNE computes by default (for `scanselect doctor`):
 * the threads of its kernel pool, which neighbour search and which repulsion method run at which
 * number of points. The thresholds are the constants the code uses, so the text cannot drift.
 */
export function describeProjection(): string[] {
  const fmt = (n: number): string => n.toLocaleString('en');
  return [
    `t-SNE kernels: ${defaultThreads()} thread${defaultThreads() === 1 ? '' : 's'} (PCA, neighbours, affinities, gradient; worker_threads)`,
    `t-SNE neighbours: exact up to ${fmt(EXACT_NEIGHBORS_LIMIT)} points, approximate above (option neighbors)`,
    `t-SNE repulsion: Barnes–Hut below ${fmt(FFT_REPULSION_THRESHOLD)} points, FFT interpolation from there (option repulsion)`,
  ];
}
