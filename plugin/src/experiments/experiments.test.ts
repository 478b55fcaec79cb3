import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { capEffect, capEffectMarkdown } from './capEffect';
import { CheckpointStore } from './checkpointStore';
import { methodLabel, paperSettings, parseActiveLearningSplit, parseAlphas, runSeed, settingBudget, settingKey, testSplit } from './protocol';
import { pairedComparison, pairedMarkdown, resultsCsv, resultsMarkdown, resultsRows, summary } from './resultsTable';
import { budgetChartsSvg, budgetSeries } from './resultsPlots';

describe('protocol', () => {
  it('seeds run r with 42 + r and splits 20 % for testing, reproducibly', () => {
    expect(runSeed(1)).toBe(43);
    expect(() => runSeed(0)).toThrow(/positive integer/);
    const a = testSplit(138, 43);
    expect(a.test).toHaveLength(28); // the paper's Montgomery test size
    expect(a.pool).toHaveLength(110);
    expect(new Set([...a.test, ...a.pool]).size).toBe(138);
    expect(testSplit(138, 43)).toEqual(a);
    expect(testSplit(138, 44).test).not.toEqual(a.test);
    expect(testSplit(247, 43).test).toHaveLength(49);
    expect(() => testSplit(1, 43)).toThrow(/at least 2/);
  });

  it('enumerates the settings of section 4.4', () => {
    const settings = paperSettings({ budgets: [8, 10], activeLearning: [[8, 4]] });
    expect(settings.map(settingKey)).toEqual([
      'cold-start:random:B=8', 'cold-start:kmeans-budget:B=8', 'cold-start:coldstart:B=8',
      'cold-start:random:B=10', 'cold-start:kmeans-budget:B=10', 'cold-start:coldstart:B=10',
      'active-learning:alpha=0:B=12(8+4)', 'active-learning:alpha=0.3:B=12(8+4)', 'active-learning:alpha=1:B=12(8+4)',
    ]);
    expect(settings.map(methodLabel).slice(6)).toEqual(['Entropy (α=0)', 'Entropy+Distance (α=0.3)', 'Distance (α=1.0)']);
    expect(settingBudget(settings[8]!)).toBe(12);
    expect(parseActiveLearningSplit(' 8 + 4 ')).toEqual([8, 4]);
    expect(() => parseActiveLearningSplit('8,4')).toThrow(/B0\+A/);
    expect(() => paperSettings({ budgets: [0], activeLearning: [] })).toThrow(/budget/);
    expect(() => paperSettings({ budgets: [], activeLearning: [[8, 4]], alphas: [2] })).toThrow(/alpha/);
  });

  it('enumerates several rounds and adaptive α, keyed and labelled apart', () => {
    expect(parseActiveLearningSplit('8+4x3')).toEqual([8, 4, 3]);
    expect(parseActiveLearningSplit(' 8 + 4 × 2 ')).toEqual([8, 4, 2]);
    expect(() => parseActiveLearningSplit('8+4x')).toThrow(/B0\+AxROUNDS/);
    expect(parseAlphas('0, 0.3,adaptive')).toEqual([0, 0.3, 'adaptive']);
    expect(() => parseAlphas('0.3,1.5')).toThrow(/"1.5" is not an α/);
    const settings = paperSettings({ budgets: [], activeLearning: [[8, 4, 3]], alphas: [0.3, 'adaptive'] });
    expect(settings.map(settingKey)).toEqual(['active-learning:alpha=0.3:B=20(8+4x3)', 'active-learning:alpha=adaptive:B=20(8+4x3)']);
    expect(settings.map(methodLabel)).toEqual(['Entropy+Distance (α=0.3)', 'Entropy+Distance (adaptive α)']);
    expect(settings.map(settingBudget)).toEqual([20, 20]);
    expect(() => paperSettings({ budgets: [], activeLearning: [[8, 4, 0]] })).toThrow(/at least one round/);
    expect(() => paperSettings({ budgets: [], activeLearning: [[8, 4]], alphas: [-1] })).toThrow(/\[0, 1\] or "adaptive"/);
  });

  it('adds capped settings, labelled and keyed apart, for data sets of volumes', () => {
    const settings = paperSettings({ budgets: [13], activeLearning: [[13, 13]], maxPerVolume: 3 });
    expect(settings.map(settingKey)).toEqual([
      'cold-start:random:B=13', 'cold-start:kmeans-budget:B=13', 'cold-start:coldstart:B=13', 'cold-start:coldstart:B=13:perVolume=3',
      'active-learning:alpha=0:B=26(13+13)', 'active-learning:alpha=0.3:B=26(13+13)', 'active-learning:alpha=1:B=26(13+13)',
      'active-learning:alpha=0.3:B=26(13+13):perVolume=3',
    ]);
    expect(methodLabel(settings[3]!)).toBe('Ours (cold start, ≤ 3 per volume)');
    expect(methodLabel(settings[7]!)).toBe('Entropy+Distance (α=0.3, ≤ 3 per volume)');
    expect(methodLabel({ kind: 'cold-start', strategy: 'random', budget: 4, maxPerVolume: 1 })).toBe('Random (≤ 1 per volume)');
    expect(() => paperSettings({ budgets: [4], activeLearning: [], maxPerVolume: 0 })).toThrow(/per-volume cap must be a positive integer/);
  });

  it('adds volume-penalty settings beside the capped ones, labelled and keyed apart', () => {
    const settings = paperSettings({ budgets: [13], activeLearning: [[13, 13]], maxPerVolume: 3, volumePenalty: 0.5 });
    expect(settings.map(settingKey).filter((key) => key.includes('perVolume') || key.includes('volumePenalty'))).toEqual([
      'cold-start:coldstart:B=13:perVolume=3', 'cold-start:coldstart:B=13:volumePenalty=0.5',
      'active-learning:alpha=0.3:B=26(13+13):perVolume=3', 'active-learning:alpha=0.3:B=26(13+13):volumePenalty=0.5',
    ]);
    expect(settings.filter((x) => x.volumePenalty !== undefined).map(methodLabel)).toEqual(['Ours (cold start, volume penalty 0.5)', 'Entropy+Distance (α=0.3, volume penalty 0.5)']);
    expect(() => paperSettings({ budgets: [4], activeLearning: [], volumePenalty: 0 })).toThrow(/volume penalty must be in \(0, 1\], got 0/);
    expect(() => paperSettings({ budgets: [4], activeLearning: [], volumePenalty: 2 })).toThrow(/got 2/);
  });
});

describe('results table', () => {
  const cold = { kind: 'cold-start' as const, strategy: 'coldstart', budget: 8 };
  const random = { kind: 'cold-start' as const, strategy: 'random', budget: 8 };
  const results = [
    { run: 1, setting: random, dice: 0.9, hd95: 10 },
    { run: 2, setting: random, dice: 0.8, hd95: 20 },
    { run: 3, setting: random, dice: 0.7, hd95: NaN },
    { run: 1, setting: cold, dice: 0.92, hd95: 5 },
  ];

  it('summarises by setting (mean, population std, median; NaN HD95 left out)', () => {
    expect(summary([1, 2, 3, 4])).toEqual({ mean: 2.5, std: Math.sqrt(1.25), median: 2.5, count: 4 });
    const rows = resultsRows(results);
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ budget: 8, setting: 'cold-start', method: 'Random', runs: 3, diceMedian: 0.8, hd95Mean: 15, hd95Median: 15 });
    expect(rows[0]!.diceMean).toBeCloseTo(0.8, 12);
    expect(rows[0]!.diceStd).toBeCloseTo(Math.sqrt(0.02 / 3), 12);
    expect(rows[1]).toMatchObject({ method: 'Ours (cold start)', runs: 1, diceStd: 0 });
    expect(() => resultsRows([{ run: 1, setting: cold, dice: NaN, hd95: 1 }])).toThrow(/Dice NaN/);
  });

  it('prints Markdown and CSV', () => {
    const rows = resultsRows(results);
    const md = resultsMarkdown(rows, 'px');
    expect(md).toContain('| 8 | cold-start | Random | 3 | 0.8000 ± 0.0816 | 0.8000 | 15.00 ± 5.00 | 15.00 |');
    expect(md).toContain('HD95 (px)');
    const csv = resultsCsv(rows).trim().split('\n');
    expect(csv[0]).toBe('budget,setting,method,runs,dice_mean,dice_std,dice_median,hd95_mean,hd95_std,hd95_median');
    expect(csv[2]!.startsWith('8,cold-start,Ours (cold start),1,0.92,0,0.92,5,0,5')).toBe(true);
  });
});

describe('paired comparison', () => {
  const random = { kind: 'cold-start' as const, strategy: 'random', budget: 8 };
  const cold = { kind: 'cold-start' as const, strategy: 'coldstart', budget: 8 };
  const al = { kind: 'active-learning' as const, alpha: 0.3, coldStartBudget: 6, acquire: 2 };
  const random12 = { kind: 'cold-start' as const, strategy: 'random', budget: 12 };
  const results = [
    { run: 1, setting: random, dice: 0.80, hd95: 10 },
    { run: 2, setting: random, dice: 0.90, hd95: 6 },
    { run: 3, setting: random, dice: 0.85, hd95: NaN },
    { run: 1, setting: cold, dice: 0.86, hd95: 7 },
    { run: 2, setting: cold, dice: 0.88, hd95: 4 },
    { run: 3, setting: cold, dice: 0.89, hd95: 3 },
    { run: 1, setting: al, dice: 0.90, hd95: 5 },
    { run: 4, setting: al, dice: 0.95, hd95: 2 }, // no Random of run 4: not paired
    { run: 1, setting: random12, dice: 0.99, hd95: 1 }, // other budget: not a baseline for B = 8
  ];

  it('pairs by run at the same budget: mean and std of the differences, wins', () => {
    const rows = pairedComparison(results, 'Random');
    expect(rows.map((r) => r.method)).toEqual(['Ours (cold start)', 'Entropy+Distance (α=0.3)']);
    const [c, a] = rows;
    // ΔDice = +0.06, −0.02, +0.04 → mean 0.02667, population std 0.03399; higher in 2 of 3.
    expect(c).toMatchObject({ budget: 8, baseline: 'Random', runs: 3, diceWins: 2, hd95Wins: 2, hd95Runs: 2 });
    expect(c!.diceDeltaMean).toBeCloseTo(0.08 / 3, 12);
    expect(c!.diceDeltaStd).toBeCloseTo(Math.sqrt(((0.06 - 0.08 / 3) ** 2 + (-0.02 - 0.08 / 3) ** 2 + (0.04 - 0.08 / 3) ** 2) / 3), 12);
    // ΔHD95 only where both are finite (runs 1 and 2): −3, −2.
    expect(c!.hd95DeltaMean).toBeCloseTo(-2.5, 12);
    expect(c!.diceDeltaMedian).toBeCloseTo(0.04, 12);
    // Dice std of the cold start (0.86, 0.88, 0.89) over that of random (0.80, 0.90, 0.85) in the same runs.
    const std = (v: number[]) => Math.sqrt(v.reduce((q, x) => q + (x - v.reduce((a, b) => a + b) / v.length) ** 2, 0) / v.length);
    expect(c!.diceStdRatio).toBeCloseTo(std([0.86, 0.88, 0.89]) / std([0.80, 0.90, 0.85]), 12);
    expect(a!.diceStdRatio).toBeNaN(); // one run: the baseline's std is 0
    expect(a).toMatchObject({ budget: 8, runs: 1, diceWins: 1 });
    expect(a!.diceDeltaMean).toBeCloseTo(0.1, 12);
    const onlyAl = pairedComparison(results, 'Ours (cold start)', (s) => s.kind === 'active-learning');
    expect(onlyAl).toHaveLength(1);
    expect(onlyAl[0]!.diceDeltaMean).toBeCloseTo(0.04, 12);
  });

  it('prints signed differences', () => {
    const md = pairedMarkdown(pairedComparison(results, 'Random'), 'px');
    expect(md).toContain('| 8 | Ours (cold start) | Random | 3 | +0.0267 ± 0.0340 | +0.0400 | 2/3 | 0.31 | −2.50 ± 0.50 | 2/2 |');
  });
});

describe('results plots', () => {
  const rows = resultsRows([
    { run: 1, setting: { kind: 'cold-start', strategy: 'random', budget: 8 }, dice: 0.8, hd95: 10 },
    { run: 1, setting: { kind: 'cold-start', strategy: 'random', budget: 12 }, dice: 0.85, hd95: 8 },
    { run: 1, setting: { kind: 'cold-start', strategy: 'coldstart', budget: 8 }, dice: 0.9, hd95: 5 },
    { run: 1, setting: { kind: 'active-learning', alpha: 0.3, coldStartBudget: 8, acquire: 4 }, dice: 0.93, hd95: NaN },
  ]);

  it('gives one series per method, active learning at its total budget', () => {
    const dice = budgetSeries(rows, 'dice');
    expect(dice.map((s) => s.label)).toEqual(['Random', 'Ours (cold start)', 'Entropy+Distance (α=0.3)']);
    expect(dice[0]!.points).toEqual([{ x: 8, y: 0.8, error: 0 }, { x: 12, y: 0.85, error: 0 }]);
    expect(dice[2]!.points).toEqual([{ x: 12, y: 0.93, error: 0 }]);
    expect(new Set(dice.map((s) => s.colour)).size).toBe(3);
  });

  it('draws Dice and HD95 charts (a method without a finite HD95 has no HD95 mark)', () => {
    const charts = budgetChartsSvg(rows, { title: 'demo', hdUnit: 'px' });
    expect(charts.dice).toContain('demo: Dice');
    expect(charts.hd95).toContain('HD95 (px');
    expect(charts.dice.match(/<g stroke="[^"]+" fill="[^"]+"><title>/g)).toHaveLength(3);
    expect(charts.hd95.match(/<g stroke="[^"]+" fill="[^"]+"><title>/g)).toHaveLength(2);
  });
});

describe('CheckpointStore', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'scanselect-ckpt-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('stores, finds and lists results; a damaged file counts as not done', async () => {
    const store = new CheckpointStore<{ dice: number }>(dir);
    const key = { dataset: 'montgomery', run: 1, setting: 'cold-start:coldstart:B=8' };
    expect(await store.get(key)).toBeNull();
    await store.set(key, { dice: 0.9 });
    expect(await store.get(key)).toEqual({ dice: 0.9 });
    await store.set({ ...key, run: 2 }, { dice: 0.8 });
    expect((await store.list('montgomery')).map((e) => [e.key.run, e.result.dice])).toEqual([[1, 0.9], [2, 0.8]]);
    writeFileSync(store.fileOf({ ...key, run: 2 }), '{ truncated');
    expect(await store.get({ ...key, run: 2 })).toBeNull();
    expect(await store.list('montgomery')).toHaveLength(1);
    expect(await store.list('jsrt')).toEqual([]);
    expect(() => store.fileOf({ ...key, run: 0 })).toThrow(/positive integer/);
  });

  it('keeps path separators in ids out of the file layout', () => {
    const store = new CheckpointStore(dir);
    const file = store.fileOf({ dataset: 'folder:/data/x', run: 3, setting: 'a/b' });
    expect(path.relative(dir, file).split(path.sep)).toEqual(['folder__data_x', 'run-3', 'a_b.json']);
  });
});

describe('profiles', () => {
  it('holds the paper\'s budgets and a reduced cpu profile', async () => {
    const { experimentProfile, datasetBudgets } = await import('./profiles');
    const paper = experimentProfile('paper');
    expect(paper).toMatchObject({ runs: 11, size: 256 });
    expect(datasetBudgets(paper, 'montgomery')).toMatchObject({ budgets: [8, 10, 12, 16], activeLearning: [[8, 4], [12, 4]], epochs: 120, dropout: 0.15 });
    expect(datasetBudgets(paper, 'ibsr18')).toMatchObject({ epochs: 150, dropout: 0.1 });
    expect(datasetBudgets(experimentProfile('cpu'), 'folder:/x').budgets).toEqual([8, 12]);
    expect(() => experimentProfile('gpu')).toThrow(/valid: paper, cpu/);
    expect(() => datasetBudgets(paper, 'mnist')).toThrow(/no budgets/);
  });
});

const methodLabelOf = (key: string): string => methodLabel(paperSettings({ budgets: [3], activeLearning: [], volumePenalty: 1 }).find((x) => settingKey(x) === key)!);

describe('capEffect', () => {
  it('counts the runs a cap changed and the most slices one volume gave, without and with it', () => {
    const free = { kind: 'cold-start' as const, strategy: 'coldstart', budget: 3 };
    const capped = { ...free, maxPerVolume: 1 };
    const picks: Record<string, string[]> = {
      [`1|${settingKey(free)}`]: ['a1', 'a2', 'b1'], [`1|${settingKey(capped)}`]: ['a1', 'b1', 'c1'],
      [`2|${settingKey(free)}`]: ['a1', 'b1', 'c1'], [`2|${settingKey(capped)}`]: ['c1', 'b1', 'a1'],
    };
    const rows = capEffect([free, capped], [1, 2, 3], (run, s) => picks[`${run}|${settingKey(s)}`] ?? null, (id) => id[0]!);
    expect(rows).toEqual([{ budget: 3, setting: settingKey(capped), cap: 1, penalty: null, runs: 2, changed: 1, uncappedMostPerVolume: [2, 1], cappedMostPerVolume: [1, 1] }]);
    expect(capEffectMarkdown(rows, () => 'Ours (cold start, ≤ 1 per volume)')).toContain('| 3 | Ours (cold start, ≤ 1 per volume) | ≤ 1 | 1/2 | 1–2 | 1–1 |');
  });

  it('reads a volume-penalty setting against the same setting without it', () => {
    const free = { kind: 'cold-start' as const, strategy: 'coldstart', budget: 3 };
    const penalised = { ...free, volumePenalty: 1 };
    const picks: Record<string, string[]> = { [`1|${settingKey(free)}`]: ['a1', 'a2', 'a3'], [`1|${settingKey(penalised)}`]: ['a1', 'b1', 'a3'] };
    const rows = capEffect([free, penalised], [1], (run, s) => picks[`${run}|${settingKey(s)}`] ?? null, (id) => id[0]!);
    expect(rows).toEqual([{ budget: 3, setting: settingKey(penalised), cap: null, penalty: 1, runs: 1, changed: 1, uncappedMostPerVolume: [3], cappedMostPerVolume: [2] }]);
    expect(capEffectMarkdown(rows, methodLabelOf)).toContain('| 3 | Ours (cold start, volume penalty 1) | penalty 1 | 1/1 | 3–3 | 2–2 |');
  });
});
