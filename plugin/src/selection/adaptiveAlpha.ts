import { InvalidInputError } from '../core/errors';
import { DEFAULT_ALPHA } from './acquisition';
import { validateAlpha } from './validation';

/**
 * Adaptive α (eq. 10's trade-off chosen per round, a limitation the paper names): trust the model's
 * uncertainty as far as it has predicted its own errors in this project so far.
 *
 * Every case an earlier round acquired was scored by that round's model (its mean entropy, eq. 6)
 * before anyone labelled it; once labelled, the same model's error on it is known (1 − Dice of the
 * model's prediction against the label). ρ = Spearman's rank correlation of the two over all such
 * cases. ρ = 1: the model was most uncertain exactly where it was most wrong — weigh entropy fully
 * (α → 0); ρ ≤ 0: its uncertainty did not point at its errors — weigh diversity (α → 1). With few
 * cases ρ is noisy, so the rule shrinks towards the fixed prior α₀ (the paper's 0.3):
 *
 *   α = w · (1 − max(0, ρ)) + (1 − w) · α₀,   w = n / (n + k),
 *
 * n the number of cases, k = 8 by default (half weight at 8 cases), then clamped to
 * [αmin, αmax] = [0.05, 0.95] so neither term is ever switched off. Without history (n < 3, or
 * the errors or entropies all equal) α = α₀.
 */

/** One acquired case: what the model that chose it predicted, and how wrong it turned out. */
export interface UncertaintyOutcome {
  /** Mean pixel entropy under the model of the round that acquired it (eq. 6). */
  readonly entropy: number;
  /** That model's error on it once labelled: 1 − Dice (0 = perfect). */
  readonly error: number;
}

/** Options of {@link adaptiveAlpha}. */
export interface AdaptiveAlphaOptions {
  /** α₀, the prior (default 0.3, the paper's). */
  readonly prior?: number;
  /** k of the shrinkage weight n / (n + k) (default 8). */
  readonly shrinkage?: number;
  readonly min?: number;
  readonly max?: number;
}

/** The α chosen, and why. */
export interface AdaptiveAlphaChoice {
  readonly alpha: number;
  /** Spearman's ρ between entropy and error, or null without enough history. */
  readonly rho: number | null;
  readonly cases: number;
  readonly reason: string;
}

export function adaptiveAlpha(history: readonly UncertaintyOutcome[], options: AdaptiveAlphaOptions = {}): AdaptiveAlphaChoice {
  const prior = validateAlpha(options.prior ?? DEFAULT_ALPHA);
  const k = options.shrinkage ?? 8;
  const lo = options.min ?? 0.05;
  const hi = options.max ?? 0.95;
  if (!(k > 0) || !(lo >= 0 && lo <= prior && prior <= hi && hi <= 1)) {
    throw new InvalidInputError('invalid-option', `adaptive α needs shrinkage > 0 and 0 ≤ min ≤ prior ≤ max ≤ 1, got ${k}, ${lo}, ${prior}, ${hi}`);
  }
  for (const [i, h] of history.entries()) {
    if (!Number.isFinite(h.entropy) || !Number.isFinite(h.error)) throw new InvalidInputError('not-finite', `case ${i} of the history has entropy ${h.entropy} and error ${h.error}`);
  }
  const n = history.length;
  const rho = n < 3 ? null : spearman(history.map((h) => h.entropy), history.map((h) => h.error));
  if (rho === null) {
    const why = n < 3 ? `${n} labelled case(s) with an earlier round's prediction: too few` : 'the entropies or the errors are all equal';
    return { alpha: prior, rho: null, cases: n, reason: `${why}; α = the prior ${prior}` };
  }
  const w = n / (n + k);
  const alpha = Math.min(hi, Math.max(lo, w * (1 - Math.max(0, rho)) + (1 - w) * prior));
  return { alpha, rho, cases: n, reason: `entropy ranked the errors of ${n} case(s) with Spearman ρ = ${rho.toFixed(3)}; α = ${alpha.toFixed(3)} (weight ${w.toFixed(2)} on 1 − ρ, the rest on ${prior})` };
}

/** Spearman's rank correlation (average ranks for ties); null when either side is constant. */
export function spearman(x: readonly number[], y: readonly number[]): number | null {
  if (x.length !== y.length) throw new InvalidInputError('ragged-rows', `${x.length} values against ${y.length}`);
  const rx = ranks(x);
  const ry = ranks(y);
  const mean = (x.length + 1) / 2;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < x.length; i++) {
    sxy += (rx[i]! - mean) * (ry[i]! - mean);
    sxx += (rx[i]! - mean) ** 2;
    syy += (ry[i]! - mean) ** 2;
  }
  return sxx === 0 || syy === 0 ? null : sxy / Math.sqrt(sxx * syy);
}

/** 1-based ranks, ties sharing their average rank. */
function ranks(values: readonly number[]): number[] {
  const order = values.map((v, i) => ({ v, i })).sort((a, b) => a.v - b.v);
  const out = new Array<number>(values.length);
  for (let start = 0; start < order.length;) {
    let end = start;
    while (end + 1 < order.length && order[end + 1]!.v === order[start]!.v) end++;
    const rank = (start + end) / 2 + 1;
    for (let j = start; j <= end; j++) out[order[j]!.i] = rank;
    start = end + 1;
  }
  return out;
}
