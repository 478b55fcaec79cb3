import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CheckpointStore } from './checkpointStore';
import { methodLabel, paperSettings, parseActiveLearningSplit, runSeed, settingBudget, settingKey, testSplit } from './protocol';
import { resultsCsv, resultsMarkdown, resultsRows, summary } from './resultsTable';

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
