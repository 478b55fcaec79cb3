import { allocateProportionally, createRng, sampleWithoutReplacement, sweepK, type DenseMatrix, type Rng } from '@scanselect/plugin';

/** What {@link stratifiedSample} draws from. */
export interface StratifiedSampleInput {
  /** The 2-D map: x, y of point i at 2i, 2i + 1. */
  readonly xy: Float32Array | Float64Array;
  /** Whether point i may be drawn (e.g. it is on no worklist yet). */
  readonly eligible: (index: number) => boolean;
  /** How many points to draw (at most the number of eligible points). */
  readonly count: number;
  readonly seed: number;
}

/** One drawn point, in the order of the sample (strata taken round-robin, largest first). */
export interface StratifiedPick {
  readonly index: number;
  /** Its stratum, 0 = the largest cluster. */
  readonly stratum: number;
}

/** The sample and the strata it was drawn from. */
export interface StratifiedSample {
  /** Number of strata (k̂ of the silhouette sweep; 1 when the map has no cluster structure to find). */
  readonly strata: number;
  /** Points of the map per stratum, eligible or not: the pool's composition. */
  readonly sizes: readonly number[];
  /** How many were drawn from each stratum. */
  readonly allocated: readonly number[];
  readonly picks: readonly StratifiedPick[];
}

/**
 * A stratified random sample of the points of a 2-D map. The strata are the k-means clusters of
 * the map with k chosen by the mean silhouette (the cold start's eq. 1, 2 ≤ k ≤ min(15, count, N − 1)); the
 * count is split over them in proportion to their whole size by the largest remainder (no stratum
 * beyond its eligible points, the excess going to the others); inside each stratum the points are
 * drawn uniformly at random among the eligible ones.
 *
 * Random within a stratum, not its medoid or farthest points: a validation set of typical cases
 * would be easier than the pool and flatter the learning curve; proportional strata make it
 * mirror the pool's composition. Deterministic for a seed: clustering and drawing each take a
 * fork of `createRng(seed)`.
 */
export function stratifiedSample(input: StratifiedSampleInput): StratifiedSample {
  const n = input.xy.length / 2;
  const points: DenseMatrix = { rows: n, cols: 2, data: Float64Array.from(input.xy) };
  const root = createRng(input.seed);
  const clusterRng = root.fork();
  const drawRng = root.fork();
  const members = strataOf(points, input.count, clusterRng);
  const eligible = members.map((m) => Array.from(m).filter((i) => input.eligible(i)));
  const sizes = members.map((m) => m.length);
  const allocated = Array.from(allocateProportionally(input.count, sizes, eligible.map((e) => e.length)));
  const drawn = eligible.map((pool, s) => Array.from(sampleWithoutReplacement(pool.length, allocated[s]!, drawRng), (k) => pool[k]!));
  const picks: StratifiedPick[] = [];
  // Round-robin over the strata, so that any prefix of the sample is spread over them too.
  for (let pass = 0; picks.length < input.count; pass++) {
    drawn.forEach((indices, stratum) => {
      if (pass < indices.length) picks.push({ index: indices[pass]!, stratum });
    });
  }
  return { strata: members.length, sizes, allocated, picks };
}

/** The map's k-means clusters, largest first (one stratum when 𝒦 is empty or no k separates the points). */
function strataOf(points: DenseMatrix, count: number, rng: Rng): Int32Array[] {
  const all = (): Int32Array[] => [Int32Array.from({ length: points.rows }, (_v, i) => i)];
  if (count < 2 || points.rows < 3) return all();
  return sweepK(points, { budget: count }, rng).chosen?.members ?? all();
}
