import { InvalidInputError } from '../core/errors';
import { createRng, shuffleInPlace } from '../random/rng';

/**
 * The experimental protocol of the paper (sections 4.1.2 and 4.4), as data: which runs, which
 * split, which settings. The harness executes these; nothing here trains or reads files.
 */

/** Seed of run r (1-based): s_r = 42 + r, reused for every stochastic part of the run. */
export function runSeed(run: number): number {
  if (!Number.isInteger(run) || run < 1) throw new InvalidInputError('invalid-option', `run must be a positive integer, got ${run}`);
  return 42 + run;
}

/** A run's split: a seeded 20 % hold-out test set, never selected from, and the pool. */
export interface Split {
  readonly test: readonly number[];
  readonly pool: readonly number[];
}

/** The 20 % test split of n items fixed by `seed` (rounded to the nearest item; both sorted). */
export function testSplit(n: number, seed: number, testFraction = 0.2): Split {
  if (!Number.isInteger(n) || n < 2) throw new InvalidInputError('invalid-option', `need at least 2 images to split, got ${n}`);
  if (!(testFraction > 0 && testFraction < 1)) throw new InvalidInputError('invalid-option', `test fraction must be in (0, 1), got ${testFraction}`);
  const order = Array.from({ length: n }, (_, i) => i);
  shuffleInPlace(order, createRng(seed));
  const nTest = Math.min(n - 1, Math.max(1, Math.round(testFraction * n)));
  return { test: order.slice(0, nTest).sort((a, b) => a - b), pool: order.slice(nTest).sort((a, b) => a - b) };
}

/** A cold-start setting: B images by one strategy. */
export interface ColdStartSetting {
  readonly kind: 'cold-start';
  /** `random`, `kmeans-budget` or `coldstart`. */
  readonly strategy: string;
  readonly budget: number;
  /** At most this many slices per volume (data sets of volumes only). */
  readonly maxPerVolume?: number;
  /** The volume penalty λ on the diversity distances (selection/groupPenalty.ts; data sets of volumes only). */
  readonly volumePenalty?: number;
}

/** α of eq. (10): a fixed number, or chosen per round by adaptiveAlpha (selection/adaptiveAlpha.ts). */
export type AlphaRule = number | 'adaptive';

/** An active-learning setting: a cold start of B₀, then `rounds` rounds (default 1) each acquiring A with α. */
export interface ActiveLearningSetting {
  readonly kind: 'active-learning';
  readonly alpha: AlphaRule;
  readonly coldStartBudget: number;
  readonly acquire: number;
  /** Rounds of A each (default 1): B = B₀ + rounds · A. */
  readonly rounds?: number;
  /** At most this many slices per volume in the cold start and in the round. */
  readonly maxPerVolume?: number;
  /** The volume penalty λ in the cold start and in the round. */
  readonly volumePenalty?: number;
}

export type Setting = ColdStartSetting | ActiveLearningSetting;

/** A stable, readable key of a setting, used for checkpoints and tables. */
export function settingKey(setting: Setting): string {
  const cap = (setting.maxPerVolume === undefined ? '' : `:perVolume=${setting.maxPerVolume}`) + (setting.volumePenalty === undefined ? '' : `:volumePenalty=${setting.volumePenalty}`);
  return setting.kind === 'cold-start'
    ? `cold-start:${setting.strategy}:B=${setting.budget}${cap}`
    : `active-learning:alpha=${setting.alpha}:B=${settingBudget(setting)}(${setting.coldStartBudget}+${setting.acquire}${roundsOf(setting) > 1 ? `x${roundsOf(setting)}` : ''})${cap}`;
}

/** The paper's table label of a setting's method. */
export function methodLabel(setting: Setting): string {
  const cap = (setting.maxPerVolume === undefined ? '' : `, ≤ ${setting.maxPerVolume} per volume`) + (setting.volumePenalty === undefined ? '' : `, volume penalty ${setting.volumePenalty}`);
  if (setting.kind === 'cold-start') {
    const name = { random: 'Random', 'kmeans-budget': 'K-means to budget', coldstart: 'Ours (cold start)' }[setting.strategy] ?? setting.strategy;
    if (cap === '') return name;
    // "Ours (cold start)" → "Ours (cold start, ≤ 3 per volume)"; "Random" → "Random (≤ 3 per volume)".
    return name.endsWith(')') ? `${name.slice(0, -1)}${cap})` : `${name} (${cap.slice(2)})`;
  }
  if (setting.alpha === 'adaptive') return `Entropy+Distance (adaptive α${cap})`;
  if (setting.alpha === 0) return `Entropy (α=0${cap})`;
  if (setting.alpha === 1) return `Distance (α=1.0${cap})`;
  return `Entropy+Distance (α=${setting.alpha}${cap})`;
}

/** Total budget B of a setting. */
export function settingBudget(setting: Setting): number {
  return setting.kind === 'cold-start' ? setting.budget : setting.coldStartBudget + roundsOf(setting) * setting.acquire;
}

/** Rounds of an active-learning setting (1 when not given). */
export function roundsOf(setting: ActiveLearningSetting): number {
  return setting.rounds ?? 1;
}

/**
 * The settings of section 4.4: at each cold-start budget B the three cold-start strategies; for
 * each active-learning split B₀ + A, one round with each α (paper: 0, 0.3, 1). With
 * `maxPerVolume` (data sets of volumes), also the cold start and the α = 0.3 round (cold start
 * and round both) with at most that many slices per volume, to measure what the cap does; with
 * `volumePenalty`, the same two with that volume penalty instead (selection/groupPenalty.ts).
 */
export function paperSettings(options: {
  readonly budgets: readonly number[];
  /** B₀ + A, or B₀ + A × rounds. */
  readonly activeLearning: ReadonlyArray<readonly [number, number] | readonly [number, number, number]>;
  readonly alphas?: readonly AlphaRule[];
  readonly maxPerVolume?: number;
  readonly volumePenalty?: number;
}): Setting[] {
  const cap = options.maxPerVolume;
  if (cap !== undefined && !(Number.isInteger(cap) && cap >= 1)) throw new InvalidInputError('invalid-option', `the per-volume cap must be a positive integer, got ${cap}`);
  const penalty = options.volumePenalty;
  if (penalty !== undefined && !(penalty > 0 && penalty <= 1)) throw new InvalidInputError('invalid-option', `the volume penalty must be in (0, 1], got ${penalty}`);
  // The per-volume variants of the cold start and the α = 0.3 round: the cap, the penalty.
  const perVolume = [...(cap === undefined ? [] : [{ maxPerVolume: cap }]), ...(penalty === undefined ? [] : [{ volumePenalty: penalty }])];
  const alphas = options.alphas ?? [0, 0.3, 1];
  const settings: Setting[] = [];
  for (const budget of options.budgets) {
    if (!Number.isInteger(budget) || budget < 1) throw new InvalidInputError('invalid-budget', `budget must be a positive integer, got ${budget}`);
    for (const strategy of ['random', 'kmeans-budget', 'coldstart']) settings.push({ kind: 'cold-start', strategy, budget });
    for (const variant of perVolume) settings.push({ kind: 'cold-start', strategy: 'coldstart', budget, ...variant });
  }
  for (const [b0, a, rounds = 1] of options.activeLearning) {
    if (!Number.isInteger(b0) || b0 < 1 || !Number.isInteger(a) || a < 1) throw new InvalidInputError('invalid-budget', `active learning needs B₀ ≥ 1 and A ≥ 1, got ${b0}+${a}`);
    if (!Number.isInteger(rounds) || rounds < 1) throw new InvalidInputError('invalid-budget', `active learning needs at least one round, got ${rounds}`);
    for (const alpha of alphas) {
      if (alpha !== 'adaptive' && !(alpha >= 0 && alpha <= 1)) throw new InvalidInputError('invalid-option', `alpha must be in [0, 1] or "adaptive", got ${alpha}`);
      settings.push({ kind: 'active-learning', alpha, coldStartBudget: b0, acquire: a, ...(rounds > 1 && { rounds }) });
    }
    if (alphas.includes(0.3)) for (const variant of perVolume) settings.push({ kind: 'active-learning', alpha: 0.3, coldStartBudget: b0, acquire: a, ...(rounds > 1 && { rounds }), ...variant });
  }
  return settings;
}

/** Parses "8+4" (B₀ + A) or "8+4x3" (three rounds of A). */
export function parseActiveLearningSplit(text: string): [number, number] | [number, number, number] {
  const m = /^\s*(\d+)\s*\+\s*(\d+)\s*(?:[x×]\s*(\d+)\s*)?$/.exec(text);
  if (!m) throw new InvalidInputError('invalid-option', `"${text}" is not of the form B0+A or B0+AxROUNDS (e.g. 8+4 or 8+4x3)`);
  return m[3] === undefined ? [Number(m[1]), Number(m[2])] : [Number(m[1]), Number(m[2]), Number(m[3])];
}

/** Parses "0,0.3,1,adaptive". */
export function parseAlphas(text: string): AlphaRule[] {
  return text.split(',').map((part) => {
    const t = part.trim();
    if (t === 'adaptive') return 'adaptive';
    const v = Number(t);
    if (t === '' || !(v >= 0 && v <= 1)) throw new InvalidInputError('invalid-option', `"${t}" is not an α in [0, 1] or "adaptive"`);
    return v;
  });
}
