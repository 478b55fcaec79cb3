import type { Rng } from '../../random/rng';

/** Tuning of {@link nnDescent}; defaults follow pynndescent's spirit at a smaller scale. */
export interface NnDescentOptions {
  /** Random-projection trees used to seed the graph (default 8). */
  trees?: number;
  /** Maximum points per tree leaf (default max(2k, 32)). */
  leafSize?: number;
  /** NN-descent rounds at most (default 12). */
  maxIterations?: number;
  /** Fraction of each neighbour list sampled per round (default 0.5). */
  sampleRate?: number;
  /** Stop when fewer than delta·n·k heap updates happen in a round (default 0.001). */
  delta?: number;
}

/** Per-point bounded max-heaps of (squared distance, index) with a "new" flag per slot. */
class NeighborHeaps {
  readonly dist: Float64Array;
  readonly idx: Int32Array;
  readonly fresh: Uint8Array;

  constructor(readonly n: number, readonly k: number) {
    this.dist = new Float64Array(n * k).fill(Infinity);
    this.idx = new Int32Array(n * k).fill(-1);
    this.fresh = new Uint8Array(n * k);
  }

  /** Offers j as a neighbour of i; returns 1 when the heap changed. */
  push(i: number, j: number, d: number): number {
    const k = this.k;
    const o = i * k;
    const dist = this.dist;
    const idx = this.idx;
    if (d >= dist[o]!) return 0;
    for (let t = 0; t < k; t++) if (idx[o + t] === j) return 0;
    let c = 0;
    for (;;) {
      let m = 2 * c + 1;
      if (m >= k) break;
      if (m + 1 < k && dist[o + m + 1]! > dist[o + m]!) m++;
      if (dist[o + m]! <= d) break;
      dist[o + c] = dist[o + m]!;
      idx[o + c] = idx[o + m]!;
      this.fresh[o + c] = this.fresh[o + m]!;
      c = m;
    }
    dist[o + c] = d;
    idx[o + c] = j;
    this.fresh[o + c] = 1;
    return 1;
  }
}

function squaredDistance(x: Float64Array, d: number, a: number, b: number): number {
  let s = 0;
  const oa = a * d;
  const ob = b * d;
  for (let c = 0; c < d; c++) {
    const t = x[oa + c]! - x[ob + c]!;
    s += t * t;
  }
  return s;
}

/**
 * Approximate k nearest neighbours (excluding self) of the rows of x (n×d): a forest of random
 * projection trees seeds each point's candidate list, then NN-descent (Dong, Charikar & Li 2011)
 * refines it with sampled local joins over neighbours and reverse neighbours. Single-threaded and
 * deterministic for a given rng state. Distances are squared Euclidean, rows sorted ascending.
 */
export function nnDescent(x: Float64Array, n: number, d: number, k: number, rng: Rng, options: NnDescentOptions = {}): { indices: Int32Array; distances: Float64Array } {
  const heaps = new NeighborHeaps(n, k);
  const leafSize = options.leafSize ?? Math.max(2 * k, 32);
  const trees = options.trees ?? 8;
  for (let t = 0; t < trees; t++) seedFromTree(x, n, d, leafSize, rng, heaps);
  const maxIterations = options.maxIterations ?? 12;
  const cap = Math.max(1, Math.ceil((options.sampleRate ?? 0.5) * k));
  const threshold = (options.delta ?? 0.001) * n * k;
  for (let it = 0; it < maxIterations; it++) {
    if (localJoinRound(x, d, heaps, cap, rng) <= threshold) break;
  }
  fillIncompleteRows(x, d, heaps);
  return sortedRows(heaps);
}

/** Builds one random-projection tree and offers all pairs within each leaf. */
function seedFromTree(x: Float64Array, n: number, d: number, leafSize: number, rng: Rng, heaps: NeighborHeaps): void {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  const stack: Array<[number, number]> = [[0, n]];
  const normal = new Float64Array(d);
  while (stack.length > 0) {
    const [lo, hi] = stack.pop()!;
    const m = hi - lo;
    if (m <= leafSize) {
      for (let a = lo; a < hi; a++) {
        for (let b = a + 1; b < hi; b++) {
          const pa = order[a]!;
          const pb = order[b]!;
          const dist = squaredDistance(x, d, pa, pb);
          heaps.push(pa, pb, dist);
          heaps.push(pb, pa, dist);
        }
      }
      continue;
    }
    const mid = splitByHyperplane(x, d, order, lo, hi, rng, normal);
    stack.push([lo, mid], [mid, hi]);
  }
}

/** Partitions order[lo, hi) by the perpendicular bisector of two random points; returns the split. */
function splitByHyperplane(x: Float64Array, d: number, order: Int32Array, lo: number, hi: number, rng: Rng, normal: Float64Array): number {
  const m = hi - lo;
  const ia = rng.nextInt(m);
  let ib = rng.nextInt(m - 1);
  if (ib >= ia) ib++;
  const a = order[lo + ia]!;
  const b = order[lo + ib]!;
  let offset = 0;
  for (let c = 0; c < d; c++) {
    normal[c] = x[a * d + c]! - x[b * d + c]!;
    offset += normal[c]! * 0.5 * (x[a * d + c]! + x[b * d + c]!);
  }
  let left = lo;
  for (let t = lo; t < hi; t++) {
    const p = order[t]!;
    let s = -offset;
    for (let c = 0; c < d; c++) s += normal[c]! * x[p * d + c]!;
    // Ties (e.g. duplicate points) go left or right at random so that splits still progress.
    if (s < 0 || (s === 0 && rng.nextUint32() & 1)) {
      order[t] = order[left]!;
      order[left] = p;
      left++;
    }
  }
  if (left === lo || left === hi) return lo + (m >> 1); // degenerate hyperplane: split in half
  return left;
}

/** One NN-descent round; returns the number of heap updates. */
function localJoinRound(x: Float64Array, d: number, heaps: NeighborHeaps, cap: number, rng: Rng): number {
  const { n, k } = heaps;
  const fwdNew = new Int32Array(n * cap);
  const fwdNewCount = new Int32Array(n);
  const fwdOld = new Int32Array(n * cap);
  const fwdOldCount = new Int32Array(n);
  const slots = new Int32Array(k);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < k; t++) slots[t] = t;
    for (let t = k - 1; t > 0; t--) {
      const r = rng.nextInt(t + 1);
      const tmp = slots[t]!;
      slots[t] = slots[r]!;
      slots[r] = tmp;
    }
    for (let t = 0; t < k; t++) {
      const s = i * k + slots[t]!;
      const j = heaps.idx[s]!;
      if (j < 0) continue;
      if (heaps.fresh[s]) {
        if (fwdNewCount[i]! < cap) {
          fwdNew[i * cap + fwdNewCount[i]!] = j;
          fwdNewCount[i]!++;
          heaps.fresh[s] = 0; // sampled: it will have been joined after this round
        }
      } else if (fwdOldCount[i]! < cap) {
        fwdOld[i * cap + fwdOldCount[i]!] = j;
        fwdOldCount[i]!++;
      }
    }
  }
  const revNew = reverseLists(fwdNew, fwdNewCount, n, cap);
  const revOld = reverseLists(fwdOld, fwdOldCount, n, cap);
  let updates = 0;
  const newSet: number[] = [];
  const oldSet: number[] = [];
  for (let i = 0; i < n; i++) {
    newSet.length = 0;
    oldSet.length = 0;
    for (let t = 0; t < fwdNewCount[i]!; t++) newSet.push(fwdNew[i * cap + t]!);
    for (let t = 0; t < revNew.count[i]!; t++) newSet.push(revNew.items[i * cap + t]!);
    for (let t = 0; t < fwdOldCount[i]!; t++) oldSet.push(fwdOld[i * cap + t]!);
    for (let t = 0; t < revOld.count[i]!; t++) oldSet.push(revOld.items[i * cap + t]!);
    for (let a = 0; a < newSet.length; a++) {
      const p = newSet[a]!;
      for (let b = a + 1; b < newSet.length; b++) updates += join(x, d, heaps, p, newSet[b]!);
      for (const q of oldSet) updates += join(x, d, heaps, p, q);
    }
  }
  return updates;
}

function join(x: Float64Array, d: number, heaps: NeighborHeaps, p: number, q: number): number {
  if (p === q) return 0;
  const dist = squaredDistance(x, d, p, q);
  return heaps.push(p, q, dist) + heaps.push(q, p, dist);
}

/** Reverse adjacency, capped at `cap` per point (first come, in index order: deterministic). */
function reverseLists(items: Int32Array, count: Int32Array, n: number, cap: number): { items: Int32Array; count: Int32Array } {
  const rev = new Int32Array(n * cap);
  const revCount = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < count[i]!; t++) {
      const j = items[i * cap + t]!;
      if (revCount[j]! < cap) {
        rev[j * cap + revCount[j]!] = i;
        revCount[j]!++;
      }
    }
  }
  return { items: rev, count: revCount };
}

/** A point the trees isolated and no join reached keeps empty slots: fill it by brute force. */
function fillIncompleteRows(x: Float64Array, d: number, heaps: NeighborHeaps): void {
  const { n, k } = heaps;
  for (let i = 0; i < n; i++) {
    if (!heaps.idx.subarray(i * k, (i + 1) * k).includes(-1)) continue;
    for (let j = 0; j < n; j++) if (j !== i) heaps.push(i, j, squaredDistance(x, d, i, j));
  }
}

function sortedRows(heaps: NeighborHeaps): { indices: Int32Array; distances: Float64Array } {
  const { n, k } = heaps;
  const indices = new Int32Array(n * k);
  const distances = new Float64Array(n * k);
  const order = Array.from({ length: k }, (_, t) => t);
  for (let i = 0; i < n; i++) {
    const o = i * k;
    order.sort((a, b) => heaps.dist[o + a]! - heaps.dist[o + b]! || heaps.idx[o + a]! - heaps.idx[o + b]!);
    for (let t = 0; t < k; t++) {
      indices[o + t] = heaps.idx[o + order[t]!]!;
      distances[o + t] = heaps.dist[o + order[t]!]!;
    }
  }
  return { indices, distances };
}
