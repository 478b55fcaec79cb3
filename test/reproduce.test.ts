/**
 * `scanselect reproduce` end to end on a tiny labelled folder the test writes (disks on noise):
 * every setting of the protocol runs, the table is written, a rerun with --resume reuses every
 * checkpoint, and an existing output folder is not overwritten without --resume.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { greyPng, requireBuiltCli, runCli, type CliResult } from './helpers';

let dir: string;
const run = (args: string[]): CliResult => runCli(dir, args);

const grey = (size: number, value: (x: number, y: number) => number): Buffer => greyPng(size, size, value);

beforeAll(() => {
  requireBuiltCli();
  dir = mkdtempSync(path.join(os.tmpdir(), 'scanselect-reproduce-'));
  const data = path.join(dir, 'data');
  mkdirSync(path.join(data, 'images'), { recursive: true });
  mkdirSync(path.join(data, 'masks'));
  writeFileSync(path.join(data, 'classes.txt'), 'background\ndisk\n');
  for (let k = 0; k < 15; k++) {
    const cx = 10 + (k % 5) * 3;
    const cy = 11 + (k % 3) * 4;
    const r = 4 + (k % 4);
    const inside = (x: number, y: number): boolean => (x - cx) ** 2 + (y - cy) ** 2 < r * r;
    writeFileSync(path.join(data, 'images', `d${String(k).padStart(2, '0')}.png`), grey(32, (x, y) => (inside(x, y) ? 200 : 50) + ((x * 7 + y * 13 + k) % 17)));
    writeFileSync(path.join(data, 'masks', `d${String(k).padStart(2, '0')}.png`), grey(32, (x, y) => (inside(x, y) ? 1 : 0)));
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('scanselect reproduce', () => {
  const args = ['reproduce', '--dataset', 'folder:data', '--runs', '1', '--budgets', '3', '--al', '2+1', '--size', '16',
    '--epochs', '1', '--depth', '2', '--base-channels', '2', '--out', 'res', '--no-progress'];

  it('runs every setting, writes the table, and resumes from checkpoints', () => {
    const first = run(args);
    expect(first.stderr).toMatch(/profile cpu/);
    expect(first.code).toBe(0);
    const table = readFileSync(path.join(dir, 'res', 'results.md'), 'utf8');
    for (const method of ['Random', 'K-means to budget', 'Ours (cold start)', 'Entropy (α=0)', 'Entropy+Distance (α=0.3)', 'Distance (α=1.0)']) {
      expect(table).toContain(`| ${method} | 1 |`);
    }
    expect(readFileSync(path.join(dir, 'res', 'results.csv'), 'utf8').trim().split('\n')).toHaveLength(2 + 6);
    const unit = JSON.parse(readFileSync(path.join(dir, 'res', 'runs', 'folder_data', 'run-1', 'active-learning_alpha=0.3_B=3(2+1).json'), 'utf8'));
    expect(unit.result.coldStart).toHaveLength(2);
    expect(unit.result.acquired).toHaveLength(1);
    expect(unit.result.selected).toEqual([...unit.result.coldStart, ...unit.result.acquired]);

    expect(table).toContain('## Paired by run');
    expect(table).toContain('| 3 | Ours (cold start) | Random | 1 |');
    expect(table).toContain('| 3 | Distance (α=1.0) | Ours (cold start) | 1 |');
    for (const name of ['dice-vs-budget', 'hd95-vs-budget', 'selection-map']) {
      expect(readFileSync(path.join(dir, 'res', `${name}.png`)).subarray(1, 4).toString()).toBe('PNG');
      expect(readFileSync(path.join(dir, 'res', `${name}.svg`), 'utf8')).toMatch(/^<svg /);
    }
    expect(readFileSync(path.join(dir, 'res', 'dice-vs-budget.svg'), 'utf8')).toContain('>Entropy+Distance (α=0.3)</text>');
    const map = readFileSync(path.join(dir, 'res', 'selection-map.svg'), 'utf8');
    expect(map.match(/\(test\)<\/title>/g)).toHaveLength(2 * 3); // 3 of 15 images held out, both panels
    expect(map.match(/\(active learning\)<\/title>/g)).toHaveLength(1);

    const again = run([...args, '--resume']);
    expect(again.code).toBe(0);
    expect(again.stderr.match(/, checkpoint$/gm)).toHaveLength(6);
    expect(readFileSync(path.join(dir, 'res', 'results.md'), 'utf8')).toBe(table);

    const changed = run([...args.filter((_, i, all) => all[i - 1] !== '--epochs' && all[i] !== '--epochs'), '--epochs', '2', '--resume']);
    expect(changed.code).toBe(2);
    expect(changed.stderr).toMatch(/holds units made with epochs 1; this run asks epochs 2/);

    const refused = run(args);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/already holds results; pass --resume/);
  });

  it('reuses the cold-start model as the B0 model without changing any active-learning result', () => {
    const base = ['reproduce', '--dataset', 'folder:data', '--runs', '1', '--al', '2+1', '--size', '16',
      '--epochs', '1', '--depth', '2', '--base-channels', '2', '--no-progress'];
    expect(run([...base, '--budgets', '2', '--out', 'shared']).code).toBe(0);
    expect(run([...base, '--budgets', '3', '--out', 'separate']).code).toBe(0);
    const unit = (out: string, setting: string): { selected: string[]; coldStart?: string[]; dice: number; trainSeconds: number } =>
      JSON.parse(readFileSync(path.join(dir, out, 'runs', 'folder_data', 'run-1', `${setting}.json`), 'utf8')).result;
    for (const alpha of ['0', '0.3', '1']) {
      const setting = `active-learning_alpha=${alpha}_B=3(2+1)`;
      expect(unit('shared', setting)).toEqual({ ...unit('separate', setting), trainSeconds: unit('shared', setting).trainSeconds });
    }
    expect(unit('shared', 'active-learning_alpha=0.3_B=3(2+1)').coldStart).toEqual(unit('shared', 'cold-start_coldstart_B=2').selected);
  });

  it('shares the runs among --workers processes with the same results as one process', () => {
    const base = ['reproduce', '--dataset', 'folder:data', '--runs', '2', '--budgets', '3', '--al', '2+1', '--size', '16',
      '--epochs', '1', '--depth', '2', '--base-channels', '2', '--no-progress', '--no-plots'];
    expect(run([...base, '--out', 'one']).code).toBe(0);
    const par = run([...base, '--out', 'two', '--workers', '2']);
    expect(par.code).toBe(0);
    expect(par.stderr).toMatch(/\[w0\] run 1 cold-start:random:B=3: Dice/);
    expect(par.stderr).toMatch(/\[w1\] run 2 cold-start:random:B=3: Dice/);
    expect(par.stderr).not.toMatch(/\[w0\] run 2|\[w1\] run 1/);
    // What must be equal: every number of the results (the CSV), and the Markdown table but for its line
    // of wall-clock training times, which differ from run to run on a loaded machine.
    const results = (out: string, file: string): string => readFileSync(path.join(dir, out, file), 'utf8');
    const withoutTimes = (markdown: string): string => markdown.replace(/^Training time of the .*$/m, '<training time>');
    expect(results('two', 'results.csv')).toBe(results('one', 'results.csv'));
    expect(withoutTimes(results('one', 'results.md'))).toMatch(/<training time>/);
    expect(withoutTimes(results('two', 'results.md'))).toBe(withoutTimes(results('one', 'results.md')));
    expect(run([...base, '--out', 'three', '--workers', '0']).stderr).toMatch(/--workers must be at least 1/);
  });

  it('runs several rounds with fixed and adaptive α, each retrained on what is labelled so far', () => {
    const args = ['reproduce', '--dataset', 'folder:data', '--runs', '1', '--budgets', '2', '--al', '2+1x3', '--alphas', '0.3,adaptive', '--size', '16',
      '--epochs', '1', '--depth', '2', '--base-channels', '2', '--out', 'rounds', '--no-progress', '--no-plots'];
    const result = run(args);
    expect([result.code, result.stderr.match(/Error.*$/m)?.[0] ?? null]).toEqual([0, null]);
    const table = readFileSync(path.join(dir, 'rounds', 'results.md'), 'utf8');
    for (const method of ['Entropy+Distance (α=0.3)', 'Entropy+Distance (adaptive α)']) expect(table).toContain(`| ${method} | 1 |`);
    for (const alpha of ['0.3', 'adaptive']) {
      const unit = JSON.parse(readFileSync(path.join(dir, 'rounds', 'runs', 'folder_data', 'run-1', `active-learning_alpha=${alpha}_B=5(2+1x3).json`), 'utf8')).result;
      expect(unit.coldStart).toHaveLength(2);
      expect(unit.acquired).toHaveLength(3);
      expect(new Set(unit.selected).size).toBe(5);
      expect(unit.alphas).toHaveLength(3);
      if (alpha === '0.3') expect(unit.alphas).toEqual([0.3, 0.3, 0.3]);
      else expect(unit.alphas.slice(0, 2)).toEqual([0.3, 0.3]); // fewer than 3 cases of history: the prior
    }
  });

  it('rejects an unknown data set or profile', () => {
    expect(run(['reproduce', '--dataset', 'mnist']).stderr).toMatch(/unknown data set "mnist"/);
    expect(run(['reproduce', '--dataset', 'montgomery', '--profile', 'fast']).stderr).toMatch(/unknown profile "fast"; valid: paper, cpu/);
  });

  it('refuses a volume penalty outside (0, 1], or on a data set that is not of volumes', () => {
    expect(run([...args, '--out', 'penalty-a', '--volume-penalty', 'much']).stderr).toMatch(/"much" is not a number/);
    expect(run([...args, '--out', 'penalty-b', '--volume-penalty', '2']).stderr).toMatch(/volume penalty must be in \(0, 1\], got 2/);
    expect(run([...args, '--out', 'penalty-c', '--volume-penalty', '1']).stderr).toMatch(/per-volume cap or penalty needs data of volumes/);
  });
});
