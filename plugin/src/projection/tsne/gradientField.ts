import type { KernelPool } from '../kernelPool';

/**
 * One way of computing the per-point sums of the t-SNE gradient for the current embedding.
 * `compute` reads the embedding it was built over and writes, for every point i,
 * out[5i … 5i+4] = repulsion Σ_j q_ij² (y_i − y_j) (x, y), a term of the normaliser (the terms sum
 * to Z = Σ_{i≠j} q_ij; Barnes–Hut's is Σ_{j≠i} q_ij), and attraction Σ_j P_ij q_ij (y_i − y_j)
 * (x, y), with q_ij = 1/(1 + ‖y_i − y_j‖²). The optimizer's step sums the normaliser in index
 * order, so an implementation only has to make each point's numbers independent of the thread
 * count.
 */
export interface GradientField {
  compute(pool: KernelPool): Promise<void>;
}
