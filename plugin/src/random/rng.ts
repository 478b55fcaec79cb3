import { InvalidInputError } from '../core/errors';

/**
 * A seeded pseudo-random generator. Every stochastic step of the engine takes one of these as
 * an argument; nothing calls Math.random. The same seed gives the same sequence, bit for bit,
 * on every platform (the generator uses only 32-bit integer arithmetic).
 */
export interface Rng {
  /** The seed this generator (or the generator it was forked from) was created with. */
  readonly seed: number;
  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number;
  /** Uniform float in [0, 1) with 53 random bits. */
  nextFloat(): number;
  /** Uniform integer in [0, n), without modulo bias. */
  nextInt(n: number): number;
  /** Standard normal deviate (Box–Muller). */
  nextGaussian(): number;
  /**
   * An independent generator derived from this one's stream. Use it to give a sub-task
   * (one k-means restart, one worker) its own reproducible stream.
   */
  fork(): Rng;
}

/** splitmix32: turns any 32-bit seed into well-mixed state words. */
function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** xoshiro128** (Blackman & Vigna), a small fast generator with a 2^128 − 1 period. */
class Xoshiro128 implements Rng {
  readonly seed: number;
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;
  private spareGaussian: number | null = null;

  constructor(seed: number, words: readonly [number, number, number, number]) {
    this.seed = seed;
    [this.s0, this.s1, this.s2, this.s3] = words;
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1; // the all-zero state is a fixed point
  }

  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  nextFloat(): number {
    const hi = this.nextUint32() >>> 5; // 27 bits
    const lo = this.nextUint32() >>> 6; // 26 bits
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  nextInt(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 0x100000000) {
      throw new InvalidInputError('invalid-option', `nextInt: n must be an integer in [1, 2^32], got ${n}`);
    }
    // Rejection sampling on the top of the 32-bit range removes modulo bias.
    const limit = 0x100000000 - (0x100000000 % n);
    for (;;) {
      const x = this.nextUint32();
      if (x < limit) return x % n;
    }
  }

  nextGaussian(): number {
    if (this.spareGaussian !== null) {
      const g = this.spareGaussian;
      this.spareGaussian = null;
      return g;
    }
    let u = 0;
    while (u === 0) u = this.nextFloat();
    const v = this.nextFloat();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareGaussian = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  fork(): Rng {
    const st = { s: this.nextUint32() | 0 };
    const mix = this.nextUint32();
    return new Xoshiro128(this.seed, [splitmix32(st) ^ mix, splitmix32(st), splitmix32(st), splitmix32(st)]);
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Creates a generator from an integer seed (any safe integer; seeds above 2^32 are folded in). */
export function createRng(seed: number): Rng {
  if (!Number.isSafeInteger(seed)) {
    throw new InvalidInputError('invalid-option', `seed must be an integer, got ${seed}`);
  }
  const folded = (seed % 0x100000000) ^ Math.floor(seed / 0x100000000);
  const st = { s: folded | 0 };
  return new Xoshiro128(seed, [splitmix32(st), splitmix32(st), splitmix32(st), splitmix32(st)]);
}

/** In-place Fisher–Yates shuffle. */
export function shuffleInPlace<T>(items: T[] | Int32Array | Uint32Array, rng: Rng): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.nextInt(i + 1);
    const t = items[i]!;
    items[i] = items[j]!;
    items[j] = t;
  }
}

/** `k` distinct indices drawn uniformly from [0, n), in the order drawn (partial Fisher–Yates). */
export function sampleWithoutReplacement(n: number, k: number, rng: Rng): Int32Array {
  if (k > n) throw new InvalidInputError('invalid-option', `cannot sample ${k} of ${n} without replacement`);
  const pool = new Int32Array(n);
  for (let i = 0; i < n; i++) pool[i] = i;
  for (let i = 0; i < k; i++) {
    const j = i + rng.nextInt(n - i);
    const t = pool[i]!;
    pool[i] = pool[j]!;
    pool[j] = t;
  }
  return pool.slice(0, k);
}
