import { InvalidInputError } from '../../core/errors';
import type { Rng } from '../../random/rng';
import { bufferOf, type KernelPool, sharedFloat64, sharedInt32, sharedUint8 } from '../kernelPool';
import { LEAF_JOIN_KERNEL, SORT_ROWS_KERNEL } from './forestKernels';
import { JOIN_LISTS_KERNEL } from './joinListsKernel';
import { REFINE_KERNEL } from './refineKernel';
import { buildRpForest, type RpForest } from './rpForest';

/** Tuning of {@link approximateNeighbors}. */
export interface ApproximateNeighborsOptions {
  /**
   * Random-projection trees seeding the graph (default 8). Refinement only spreads along the
   * graph, and one tree's leaves are disjoint, so one tree alone leaves it cut into its leaves.
   */
  trees?: number;
  /** Maximum rows per tree leaf; raised to 2k + 1 when smaller (default 2k + 1). */
  leafSize?: number;
  /** Nearest neighbours of each row on its join list (default 45, at most k). */
  forward?: number;
  /** Reverse neighbours of each row on its join list, lowest rank first (default 45). */
  reverse?: number;
  /** Refinement rounds at most (default 10). */
  maxRounds?: number;
  /** Stop once a round changes fewer than delta·n·k graph entries (default 0.001). */
  delta?: number;
}

/** The kernels {@link approximateNeighbors} runs; nearestNeighbors.ts registers them. */
export const APPROXIMATE_NEIGHBOR_KERNELS: Readonly<Record<string, string>> = {
  knnLeafJoin: LEAF_JOIN_KERNEL,
  knnSortRows: SORT_ROWS_KERNEL,
  knnJoinLists: JOIN_LISTS_KERNEL,
  knnRefine: REFINE_KERNEL,
};

interface Graph {
  readonly idx: Int32Array;
  readonly dist: Float64Array;
  readonly isNew: Uint8Array;
}

/**
 * Approximate k nearest neighbours (self excluded) of the rows of x (n×d, shared memory), on
 * the threads of `pool`:
 *
 * 1. a random-projection forest (rpForest.ts, from `rng`) seeds every row with the best k of its
 *    leaf-mates over all trees (forestKernels.ts); leaves have more than k rows, so every row
 *    starts, and stays, with k distinct neighbours — no brute-force fill is ever needed;
 * 2. refinement rounds (joinListsKernel.ts, refineKernel.ts) let every row compare itself with
 *    the neighbours and reverse neighbours of its neighbours and reverse neighbours, skipping pairs
 *    already compared, until a round changes fewer than delta·n·k entries.
 *
 * Rows are sorted by (squared distance, index) and the distances are exactly Σ(a − b)², as those
 * of the exact search. Deterministic for a given rng state and identical for any thread count.
 */
export async function approximateNeighbors(pool: KernelPool, x: Float64Array, n: number, d: number, k: number, rng: Rng, options: ApproximateNeighborsOptions = {}): Promise<{ indices: Int32Array; distances: Float64Array }> {
  const trees = positiveInteger(options.trees, 8, 'trees');
  const leafSize = Math.max(2 * k + 1, positiveInteger(options.leafSize, 2 * k + 1, 'leafSize'));
  const forward = Math.min(k, positiveInteger(options.forward, 45, 'forward'));
  const reverse = positiveInteger(options.reverse, 45, 'reverse');
  const maxRounds = positiveInteger(options.maxRounds, 10, 'maxRounds');
  const delta = options.delta ?? 0.001;
  if (!(delta >= 0)) throw new InvalidInputError('invalid-option', `nearestNeighbors: approximate.delta must be ≥ 0, got ${delta}`);

  // When one leaf holds every row, one tree seeds the exact answer.
  const forest = buildRpForest(x, n, d, n <= leafSize ? 1 : trees, leafSize, rng);
  const { xs, order, rank } = inFirstTreeOrder(forest, x, n, d);
  const graph = await seedGraph(pool, forest, xs, n, d, k);
  if (n > leafSize) {
    const refined = await refineGraph(pool, graph, xs, n, d, k, { forward, reverse, maxRounds, delta });
    return inInputOrder(refined, order, rank, k);
  }
  return inInputOrder(graph, order, rank, k);
}

/**
 * Renumbers the rows in the first tree's order (row p is input row order[p]; rank is the
 * inverse): a reordered copy of x, and the forest's items rewritten in place. Rows that share
 * leaves, and mostly neighbours, are then near each other in memory, which makes the searches
 * measurably faster at 50,000 rows.
 */
function inFirstTreeOrder(forest: RpForest, x: Float64Array, n: number, d: number): { xs: Float64Array; order: Int32Array; rank: Int32Array } {
  const order = forest.items.slice(0, n);
  const rank = new Int32Array(n);
  for (let p = 0; p < n; p++) rank[order[p]!] = p;
  for (let s = 0; s < forest.items.length; s++) forest.items[s] = rank[forest.items[s]!]!;
  const xs = sharedFloat64(n * d);
  for (let p = 0; p < n; p++) xs.set(x.subarray(order[p]! * d, (order[p]! + 1) * d), p * d);
  return { xs, order, rank };
}

/** Every row's best k leaf-mates over all trees, rows sorted, all entries flagged new. */
async function seedGraph(pool: KernelPool, forest: RpForest, xs: Float64Array, n: number, d: number, k: number): Promise<Graph> {
  const graph: Graph = { idx: sharedInt32(n * k), dist: sharedFloat64(n * k), isNew: sharedUint8(n * k) };
  const size = sharedInt32(n);
  for (let t = 0; t + 1 < forest.treeLeaves.length; t++) {
    const firstLeaf = forest.treeLeaves[t]!;
    await pool.run({
      kernel: 'knnLeafJoin', counter: bufferOf(sharedInt32(1)), n, d, k, x: bufferOf(xs),
      items: bufferOf(forest.items), leafStart: bufferOf(forest.leafStart), firstLeaf, leaves: forest.treeLeaves[t + 1]! - firstLeaf,
      maxLeafSize: forest.maxLeafSize, heapD: bufferOf(graph.dist), heapI: bufferOf(graph.idx), size: bufferOf(size),
    });
  }
  await pool.run({
    kernel: 'knnSortRows', counter: bufferOf(sharedInt32(1)), n, k, chunk: 256,
    heapD: bufferOf(graph.dist), heapI: bufferOf(graph.idx), isNew: bufferOf(graph.isNew),
  });
  return graph;
}

interface RefineSettings {
  readonly forward: number;
  readonly reverse: number;
  readonly maxRounds: number;
  readonly delta: number;
}

/** Refinement rounds from `graph` (double-buffered); returns the last graph written. */
async function refineGraph(pool: KernelPool, graph: Graph, xs: Float64Array, n: number, d: number, k: number, settings: RefineSettings): Promise<Graph> {
  const { forward, reverse, maxRounds, delta } = settings;
  let current = graph;
  let next: Graph = { idx: sharedInt32(n * k), dist: sharedFloat64(n * k), isNew: sharedUint8(n * k) };
  const width = forward + reverse;
  const lists = {
    list: bufferOf(sharedInt32(n * width)), listNew: bufferOf(sharedUint8(n * width)), listLength: bufferOf(sharedInt32(n)),
    newList: bufferOf(sharedInt32(n * width)), newLength: bufferOf(sharedInt32(n)),
  };
  const revStart = sharedInt32(n + 1);
  const revSlot = sharedInt32(n * k);
  const changes = sharedInt32(n);
  for (let round = 0; round < maxRounds; round++) {
    reverseSlots(current.idx, n, k, revStart, revSlot);
    await pool.run({
      kernel: 'knnJoinLists', counter: bufferOf(sharedInt32(1)), n, k, chunk: 256, forward, reverse,
      idx: bufferOf(current.idx), isNew: bufferOf(current.isNew), revStart: bufferOf(revStart), revSlot: bufferOf(revSlot), ...lists,
    });
    await pool.run({
      kernel: 'knnRefine', counter: bufferOf(sharedInt32(1)), n, d, k, chunk: 32, width, x: bufferOf(xs),
      inIdx: bufferOf(current.idx), inDist: bufferOf(current.dist), ...lists,
      outIdx: bufferOf(next.idx), outDist: bufferOf(next.dist), outNew: bufferOf(next.isNew), changes: bufferOf(changes),
    });
    [current, next] = [next, current];
    let changed = 0;
    for (let i = 0; i < n; i++) changed += changes[i]!;
    if (changed <= delta * n * k) break;
  }
  return current;
}

function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 1) throw new InvalidInputError('invalid-option', `nearestNeighbors: approximate.${name} must be a positive integer, got ${v}`);
  return v;
}

/**
 * Reverse adjacency of the graph as a counting sort of its slots by target: the slots i·k + rank
 * of the rows listing v are revSlot[revStart[v] … revStart[v + 1] − 1], by increasing i.
 */
function reverseSlots(idx: Int32Array, n: number, k: number, revStart: Int32Array, revSlot: Int32Array): void {
  revStart.fill(0);
  for (let s = 0; s < n * k; s++) revStart[idx[s]! + 1]!++;
  for (let v = 0; v < n; v++) revStart[v + 1]! += revStart[v]!;
  const cursor = revStart.slice(0, n);
  for (let s = 0; s < n * k; s++) revSlot[cursor[idx[s]!]!++] = s;
}

/**
 * The graph of the renumbered rows (see {@link inFirstTreeOrder}) in input order, as ordinary arrays. Rows stay sorted by distance; runs of equal distances are re-sorted
 * by input index.
 */
function inInputOrder(graph: Graph, order: Int32Array, rank: Int32Array, k: number): { indices: Int32Array; distances: Float64Array } {
  const n = order.length;
  const indices = new Int32Array(n * k);
  const distances = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    const from = rank[i]! * k;
    const o = i * k;
    for (let t = 0; t < k; t++) {
      const j = order[graph.idx[from + t]!]!;
      const dist = graph.dist[from + t]!;
      let q = o + t;
      while (q > o && distances[q - 1] === dist && indices[q - 1]! > j) {
        indices[q] = indices[q - 1]!;
        distances[q] = dist;
        q--;
      }
      indices[q] = j;
      distances[q] = dist;
    }
  }
  return { indices, distances };
}
