import { sharedFloat64, sharedInt32 } from '../kernelPool';
import { bounds2d } from './bounds';

/** Deepest level of the tree; coincident points end up together in one leaf at this depth. */
export const MAX_DEPTH = 40;

/**
 * A Barnes–Hut quadtree over 2-D points, stored as flat arrays on shared memory so worker
 * threads can traverse it. Nodes are numbered from the root (0); the non-empty children of a
 * node are contiguous (`firstChild`, `childCount`; firstChild −1 marks a leaf), and a leaf's
 * points are perm[lo … hi). Rebuilt every iteration with the same deterministic procedure.
 */
export class QuadTree {
  capacity = 0;
  size = 0;
  comX = sharedFloat64(0);
  comY = sharedFloat64(0);
  mass = sharedFloat64(0);
  /** Squared side length of the node's square cell. */
  width2 = sharedFloat64(0);
  firstChild = sharedInt32(0);
  childCount = sharedInt32(0);
  lo = sharedInt32(0);
  hi = sharedInt32(0);
  readonly perm: Int32Array;
  private readonly scratch: Int32Array;
  private cx: Float64Array = new Float64Array(0);
  private cy: Float64Array = new Float64Array(0);
  private half: Float64Array = new Float64Array(0);
  private depth: Int32Array = new Int32Array(0);

  constructor(readonly n: number) {
    this.perm = sharedInt32(n);
    this.scratch = new Int32Array(n);
    this.grow(Math.max(16, 2 * n));
  }

  /** Rebuilds the tree over y (interleaved x, y; length 2n). */
  build(y: Float64Array): void {
    const n = this.n;
    const { minX, minY, maxX, maxY } = bounds2d(y, n);
    for (let i = 0; i < n; i++) this.perm[i] = i;
    const rootHalf = Math.max(maxX - minX, maxY - minY) / 2 * (1 + 1e-9) + 1e-300;
    this.size = 1;
    this.setCell(0, 0, n, (minX + maxX) / 2, (minY + maxY) / 2, rootHalf, 0);
    const minHalf = rootHalf * 1e-12;
    const stack = [0];
    while (stack.length > 0) {
      const node = stack.pop()!;
      const count = this.hi[node]! - this.lo[node]!;
      if (count <= 1 || this.depth[node]! >= MAX_DEPTH || this.half[node]! <= minHalf) {
        this.firstChild[node] = -1;
        this.childCount[node] = 0;
        continue;
      }
      this.split(node, y, stack);
    }
    // Children always have larger indices than their parent, so one backward pass computes every
    // centre of mass from its children (leaves from their points): O(nodes), not O(n · depth).
    for (let node = this.size - 1; node >= 0; node--) {
      const fc = this.firstChild[node]!;
      if (fc < 0) {
        this.summarize(node, y);
        continue;
      }
      let m = 0;
      let sx = 0;
      let sy = 0;
      for (let c = fc, ce = fc + this.childCount[node]!; c < ce; c++) {
        const mc = this.mass[c]!;
        m += mc;
        sx += mc * this.comX[c]!;
        sy += mc * this.comY[c]!;
      }
      this.mass[node] = m;
      this.comX[node] = sx / m;
      this.comY[node] = sy / m;
    }
  }

  private setCell(node: number, lo: number, hi: number, cx: number, cy: number, half: number, depth: number): void {
    this.lo[node] = lo;
    this.hi[node] = hi;
    this.cx[node] = cx;
    this.cy[node] = cy;
    this.half[node] = half;
    this.depth[node] = depth;
    this.width2[node] = 4 * half * half;
  }

  /** Centre of mass and mass (point count) of a node. */
  private summarize(node: number, y: Float64Array): void {
    let sx = 0;
    let sy = 0;
    const lo = this.lo[node]!;
    const hi = this.hi[node]!;
    for (let p = lo; p < hi; p++) {
      const i = this.perm[p]!;
      sx += y[2 * i]!;
      sy += y[2 * i + 1]!;
    }
    const m = hi - lo;
    this.mass[node] = m;
    this.comX[node] = sx / m;
    this.comY[node] = sy / m;
  }

  /** Stable partition of the node's points into quadrants; allocates the non-empty children. */
  private split(node: number, y: Float64Array, stack: number[]): void {
    const lo = this.lo[node]!;
    const hi = this.hi[node]!;
    const cx = this.cx[node]!;
    const cy = this.cy[node]!;
    const perm = this.perm;
    const scratch = this.scratch;
    // Plain locals rather than small arrays: this runs for every node of every iteration.
    let c0 = 0, c1 = 0, c2 = 0, c3 = 0;
    for (let p = lo; p < hi; p++) {
      const i = perm[p]!;
      const q = (y[2 * i]! >= cx ? 1 : 0) + (y[2 * i + 1]! >= cy ? 2 : 0);
      if (q === 0) c0++;
      else if (q === 1) c1++;
      else if (q === 2) c2++;
      else c3++;
    }
    const s0 = lo, s1 = lo + c0, s2 = s1 + c1, s3 = s2 + c2;
    let k0 = s0, k1 = s1, k2 = s2, k3 = s3;
    for (let p = lo; p < hi; p++) {
      const i = perm[p]!;
      const q = (y[2 * i]! >= cx ? 1 : 0) + (y[2 * i + 1]! >= cy ? 2 : 0);
      if (q === 0) scratch[k0++] = i;
      else if (q === 1) scratch[k1++] = i;
      else if (q === 2) scratch[k2++] = i;
      else scratch[k3++] = i;
    }
    for (let p = lo; p < hi; p++) perm[p] = scratch[p]!;
    const nonEmpty = (c0 > 0 ? 1 : 0) + (c1 > 0 ? 1 : 0) + (c2 > 0 ? 1 : 0) + (c3 > 0 ? 1 : 0);
    if (this.size + nonEmpty > this.capacity) this.grow(2 * (this.size + nonEmpty));
    this.firstChild[node] = this.size;
    this.childCount[node] = nonEmpty;
    const h = this.half[node]! / 2;
    const depth = this.depth[node]! + 1;
    if (c0 > 0) this.addChild(s0, c0, cx - h, cy - h, h, depth, stack);
    if (c1 > 0) this.addChild(s1, c1, cx + h, cy - h, h, depth, stack);
    if (c2 > 0) this.addChild(s2, c2, cx - h, cy + h, h, depth, stack);
    if (c3 > 0) this.addChild(s3, c3, cx + h, cy + h, h, depth, stack);
  }

  private addChild(start: number, count: number, cx: number, cy: number, half: number, depth: number, stack: number[]): void {
    const child = this.size++;
    this.setCell(child, start, start + count, cx, cy, half, depth);
    stack.push(child);
  }

  private grow(capacity: number): void {
    const f = (old: Float64Array): Float64Array => { const a = sharedFloat64(capacity); a.set(old.subarray(0, this.size)); return a; };
    const g = (old: Int32Array): Int32Array => { const a = sharedInt32(capacity); a.set(old.subarray(0, this.size)); return a; };
    this.comX = f(this.comX);
    this.comY = f(this.comY);
    this.mass = f(this.mass);
    this.width2 = f(this.width2);
    this.firstChild = g(this.firstChild);
    this.childCount = g(this.childCount);
    this.lo = g(this.lo);
    this.hi = g(this.hi);
    const local = (old: Float64Array): Float64Array => { const a = new Float64Array(capacity); a.set(old.subarray(0, this.size)); return a; };
    this.cx = local(this.cx);
    this.cy = local(this.cy);
    this.half = local(this.half);
    const depth = new Int32Array(capacity);
    depth.set(this.depth.subarray(0, this.size));
    this.depth = depth;
    this.capacity = capacity;
  }
}
