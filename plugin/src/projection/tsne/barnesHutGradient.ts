import { bufferOf, type KernelPool, sharedInt32 } from '../kernelPool';
import type { SparseAffinities } from './affinities';
import type { GradientField } from './gradientField';
import { MAX_DEPTH, QuadTree } from './quadTree';

/** Points per claimed chunk: small enough to balance uneven Barnes–Hut costs between threads. */
const CHUNK = 128;

/**
 * Barnes–Hut repulsion (quadtree rebuilt on the main thread every call, traversed by the
 * `gradient` kernel, gradientKernel.ts) plus the sparse attraction; O(N log N) per iteration.
 */
export class BarnesHutGradient implements GradientField {
  private readonly tree: QuadTree;
  private readonly counter = bufferOf(sharedInt32(1));
  private readonly base: Readonly<Record<string, SharedArrayBuffer | number | string>>;

  /** @param y embedding (interleaved, shared memory), read at every {@link compute}; @param out 5 numbers per point (shared). */
  constructor(private readonly y: Float64Array, p: SparseAffinities, out: Float64Array, theta: number) {
    this.tree = new QuadTree(p.n);
    this.base = {
      n: p.n, chunk: CHUNK, theta, stackSize: 4 * (MAX_DEPTH + 2),
      y: bufferOf(y), out: bufferOf(out), perm: bufferOf(this.tree.perm),
      rowPtr: bufferOf(p.rowPtr), cols: bufferOf(p.cols), vals: bufferOf(p.values),
    };
  }

  async compute(pool: KernelPool): Promise<void> {
    const tree = this.tree;
    tree.build(this.y);
    await pool.run({
      ...this.base, kernel: 'gradient', counter: this.counter,
      comX: bufferOf(tree.comX), comY: bufferOf(tree.comY), mass: bufferOf(tree.mass), width2: bufferOf(tree.width2),
      firstChild: bufferOf(tree.firstChild), childCount: bufferOf(tree.childCount), lo: bufferOf(tree.lo), hi: bufferOf(tree.hi),
    });
  }
}
