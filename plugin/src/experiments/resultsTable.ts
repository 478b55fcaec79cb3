import { InvalidInputError } from '../core/errors';
import { methodLabel, settingBudget, settingKey, type Setting } from './protocol';

/** The outcome of one (run, setting): test-set means of the paper's two metrics. */
export interface RunResult {
  readonly run: number;
  readonly setting: Setting;
  readonly dice: number;
  /** HD95 (mm where the data set has a spacing, else pixels of the working grid); NaN if undefined. */
  readonly hd95: number;
}

/** One row of a results table in the paper's layout (Tables 2–4). */
export interface ResultsRow {
  readonly budget: number;
  readonly setting: 'cold-start' | 'active-learning';
  readonly method: string;
  readonly runs: number;
  readonly diceMean: number;
  readonly diceStd: number;
  readonly diceMedian: number;
  readonly hd95Mean: number;
  readonly hd95Std: number;
  readonly hd95Median: number;
}

/** Mean, population standard deviation and median of the finite values (NaN when none). */
export function summary(values: readonly number[]): { mean: number; std: number; median: number; count: number } {
  const v = values.filter(Number.isFinite).sort((a, b) => a - b);
  if (v.length === 0) return { mean: NaN, std: NaN, median: NaN, count: 0 };
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  const std = Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length);
  const mid = Math.floor(v.length / 2);
  return { mean, std, median: v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2, count: v.length };
}

/** Groups run results by setting, in the order the settings first appear, into table rows. */
export function resultsRows(results: readonly RunResult[]): ResultsRow[] {
  const groups = new Map<string, RunResult[]>();
  for (const r of results) {
    if (!Number.isFinite(r.dice)) throw new InvalidInputError('not-finite', `run ${r.run} of ${settingKey(r.setting)} has Dice ${r.dice}`);
    const key = settingKey(r.setting);
    const list = groups.get(key) ?? [];
    list.push(r);
    groups.set(key, list);
  }
  return [...groups.values()].map((list) => {
    const setting = list[0]!.setting;
    const dice = summary(list.map((r) => r.dice));
    const hd = summary(list.map((r) => r.hd95));
    return {
      budget: settingBudget(setting),
      setting: setting.kind,
      method: methodLabel(setting),
      runs: list.length,
      diceMean: dice.mean, diceStd: dice.std, diceMedian: dice.median,
      hd95Mean: hd.mean, hd95Std: hd.std, hd95Median: hd.median,
    };
  });
}

const fixed = (v: number, digits: number): string => (Number.isFinite(v) ? v.toFixed(digits) : '—');

/** The rows as a Markdown table: Dice to 4 decimals, HD95 to 2, as the paper prints them. */
export function resultsMarkdown(rows: readonly ResultsRow[], hdUnit: 'mm' | 'px'): string {
  const lines = [
    `| Budget | Setting | Method | Runs | Dice mean ± std | Dice median | HD95 (${hdUnit}) mean ± std | HD95 median |`,
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    lines.push(`| ${r.budget} | ${r.setting} | ${r.method} | ${r.runs} | ${fixed(r.diceMean, 4)} ± ${fixed(r.diceStd, 4)} | ${fixed(r.diceMedian, 4)} | ${fixed(r.hd95Mean, 2)} ± ${fixed(r.hd95Std, 2)} | ${fixed(r.hd95Median, 2)} |`);
  }
  return lines.join('\n') + '\n';
}

/** The rows as CSV with full precision. */
export function resultsCsv(rows: readonly ResultsRow[]): string {
  const header = 'budget,setting,method,runs,dice_mean,dice_std,dice_median,hd95_mean,hd95_std,hd95_median';
  const q = (s: string): string => (/[",]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  const num = (v: number): string => (Number.isFinite(v) ? String(v) : '');
  return [header, ...rows.map((r) => [r.budget, r.setting, q(r.method), r.runs, num(r.diceMean), num(r.diceStd), num(r.diceMedian), num(r.hd95Mean), num(r.hd95Std), num(r.hd95Median)].join(','))].join('\n') + '\n';
}

/** A method against a baseline at the same budget, paired by run (same seed, split and weights). */
export interface PairedRow {
  readonly budget: number;
  readonly method: string;
  readonly baseline: string;
  /** Runs present for both. */
  readonly runs: number;
  /** Mean and std over runs of (method − baseline). */
  readonly diceDeltaMean: number;
  readonly diceDeltaStd: number;
  readonly diceDeltaMedian: number;
  /** The method's Dice std over these runs divided by the baseline's (below 1: steadier); NaN when the baseline's is 0. */
  readonly diceStdRatio: number;
  /** Runs in which the method's Dice is higher than the baseline's. */
  readonly diceWins: number;
  readonly hd95DeltaMean: number;
  readonly hd95DeltaStd: number;
  /** Runs in which the method's HD95 is lower (both finite). */
  readonly hd95Wins: number;
  readonly hd95Runs: number;
}

/**
 * Every method against `baseline` (a method label, e.g. "Random") at the same budget, paired by
 * run: the runs share the test split and the initial weights, so the per-run difference removes
 * most of the split-to-split variation that the table's std contains. `only` restricts the
 * compared settings (e.g. to active learning).
 */
export function pairedComparison(results: readonly RunResult[], baseline: string, only?: (setting: Setting) => boolean): PairedRow[] {
  const base = new Map<string, RunResult>();
  for (const r of results) if (methodLabel(r.setting) === baseline) base.set(`${settingBudget(r.setting)}|${r.run}`, r);
  const groups = new Map<string, Array<[RunResult, RunResult]>>();
  for (const r of results) {
    if (methodLabel(r.setting) === baseline || (only && !only(r.setting))) continue;
    const b = base.get(`${settingBudget(r.setting)}|${r.run}`);
    if (!b) continue;
    const key = settingKey(r.setting);
    groups.set(key, [...(groups.get(key) ?? []), [r, b]]);
  }
  return [...groups.values()].map((pairs) => {
    const setting = pairs[0]![0].setting;
    const dice = summary(pairs.map(([r, b]) => r.dice - b.dice));
    const baseStd = summary(pairs.map(([, b]) => b.dice)).std;
    const hdPairs = pairs.filter(([r, b]) => Number.isFinite(r.hd95) && Number.isFinite(b.hd95));
    const hd = summary(hdPairs.map(([r, b]) => r.hd95 - b.hd95));
    return {
      budget: settingBudget(setting), method: methodLabel(setting), baseline, runs: pairs.length,
      diceDeltaMean: dice.mean, diceDeltaStd: dice.std, diceDeltaMedian: dice.median,
      diceStdRatio: baseStd > 0 ? summary(pairs.map(([r]) => r.dice)).std / baseStd : NaN, diceWins: pairs.filter(([r, b]) => r.dice > b.dice).length,
      hd95DeltaMean: hd.mean, hd95DeltaStd: hd.std, hd95Wins: hdPairs.filter(([r, b]) => r.hd95 < b.hd95).length, hd95Runs: hdPairs.length,
    };
  });
}

/** Paired rows as a Markdown table (signed differences: Dice up and HD95 down are better). */
export function pairedMarkdown(rows: readonly PairedRow[], hdUnit: 'mm' | 'px'): string {
  const sign = (v: number, digits: number): string => (Number.isFinite(v) ? `${v >= 0 ? '+' : '−'}${Math.abs(v).toFixed(digits)}` : '—');
  const lines = [
    `| Budget | Method | vs | Runs | ΔDice mean ± std | ΔDice median | Dice higher in | Dice std ratio | ΔHD95 (${hdUnit}) mean ± std | HD95 lower in |`,
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    lines.push(`| ${r.budget} | ${r.method} | ${r.baseline} | ${r.runs} | ${sign(r.diceDeltaMean, 4)} ± ${fixed(r.diceDeltaStd, 4)} | ${sign(r.diceDeltaMedian, 4)} | ${r.diceWins}/${r.runs} | ${fixed(r.diceStdRatio, 2)} | ${sign(r.hd95DeltaMean, 2)} ± ${fixed(r.hd95DeltaStd, 2)} | ${r.hd95Wins}/${r.hd95Runs} |`);
  }
  return lines.join('\n') + '\n';
}
