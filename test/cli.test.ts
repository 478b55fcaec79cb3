/**
 * End-to-end tests of the built `scanselect` command (run `npm run build` first; `npm test`
 * does). Each test spawns the real program on files it writes to a temporary folder.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { requireBuiltCli, runCli, type CliResult } from './helpers';

let dir: string;
const run = (args: string[]): CliResult => runCli(dir, args, 120_000);

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, text);
  return file;
}

/** 60 points in 3 well-separated 2-D groups (deterministic). */
function groups(): string {
  const lines = ['id,x,y'];
  for (let i = 0; i < 60; i++) {
    const g = i % 3;
    lines.push(`case-${i},${g * 20 + ((i * 7) % 5) * 0.3},${(g % 2) * 15 + ((i * 3) % 4) * 0.4}`);
  }
  return lines.join('\n') + '\n';
}

beforeAll(() => {
  requireBuiltCli();
  dir = mkdtempSync(path.join(os.tmpdir(), 'scanselect-cli-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('scanselect CLI', () => {
  it('has --help on every subcommand', () => {
    const top = run(['--help']);
    expect(top.code).toBe(0);
    for (const sub of ['coldstart', 'acquire', 'demo', 'engine-demo', 'doctor', 'embed', 'train', 'predict', 'evaluate', 'reproduce']) {
      expect(top.stdout).toContain(sub);
      const help = run([sub, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain(`Usage: scanselect ${sub}`);
    }
    expect(run(['coldstart', '--help']).stdout).toMatch(/kmeans-budget\s+Baseline/);
  });

  it('refuses an unknown command with exit 2, also with --help', () => {
    for (const args of [['nope'], ['nope', '--help'], ['colstart', '--budget', '3'], ['../../etc/passwd', '-h']]) {
      const r = run(args);
      expect([args, r.code, r.stdout]).toEqual([args, 2, '']);
      expect(r.stderr).toMatch(new RegExp(`^scanselect: unknown command '${args[0]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}' \\(commands: coldstart, `));
    }
  });

  it('runs a cold start and writes the report and the map', () => {
    const emb = write('groups.csv', groups());
    const r = run(['coldstart', '--embeddings', emb, '--budget', '6', '--projection', 'none', '--plot', 'map.svg']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report).toMatchObject({ strategy: 'coldstart', seed: 42, k: 3 });
    expect(report.clusters).toHaveLength(3);
    expect(report.selected.map((s: { rank: number }) => s.rank)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Object.keys(report.selected[0]).sort()).toEqual(['cluster', 'id', 'rank', 'reason', 'x', 'y']);
    expect(readFileSync(path.join(dir, 'map.svg'), 'utf8')).toContain('rank 6');
  });

  it('gives the same output for the same seed with t-SNE, and --out writes a file', () => {
    const emb = write('groups.csv', groups());
    const a = run(['coldstart', '--embeddings', emb, '--budget', '5', '--seed', '7', '--out', 'a.json']);
    const b = run(['coldstart', '--embeddings', emb, '--budget', '5', '--seed', '7', '--out', 'b.json']);
    expect([a.code, b.code]).toEqual([0, 0]);
    expect(readFileSync(path.join(dir, 'a.json'), 'utf8')).toBe(readFileSync(path.join(dir, 'b.json'), 'utf8'));
  });

  it('runs an acquisition round', () => {
    const emb = write('groups.csv', groups());
    const ent = write('entropy.csv', 'id,entropy\n' + Array.from({ length: 58 }, (_, i) => `case-${i + 2},${((i * 13) % 17) / 17}`).join('\n') + '\n');
    const lab = write('labeled.txt', 'case-0\ncase-1\n');
    const r = run(['acquire', '--embeddings', emb, '--entropy', ent, '--labeled', lab, '--count', '4', '--alpha', '0.5', '--projection', 'none']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.alpha).toBe(0.5);
    expect(report.selected).toHaveLength(4);
    for (const key of ['entropy', 'diversity', 'score', 'x', 'y']) expect(report.selected[1]).toHaveProperty(key);
  });

  it('exits 2 with a one-line message on bad input', () => {
    const emb = write('groups.csv', groups());
    const cases: Array<[string[], RegExp]> = [
      [['coldstart', '--embeddings', 'missing.csv', '--budget', '3'], /cannot read "missing.csv"/],
      [['coldstart', '--embeddings', write('nan.csv', 'id,a,b\nx,1,NaN\n'), '--budget', '3'], /"NaN" is not a finite number/],
      [['coldstart', '--embeddings', write('ragged.csv', 'id,a,b\nx,1\n'), '--budget', '3'], /line 2 has 1 values/],
      [['coldstart', '--embeddings', write('dup.csv', 'id,a,b\nx,1,2\nx,3,4\n'), '--budget', '3'], /id "x" appears twice/],
      [['coldstart', '--embeddings', emb, '--budget', '0'], /budget must be a positive integer/],
      [['coldstart', '--embeddings', emb, '--budget', 'three'], /"three" is not an integer/],
      [['coldstart', '--embeddings', emb, '--budget', '3', '--strategy', 'magic'], /Allowed choices are coldstart, random, kmeans-budget/],
      [['coldstart', '--embeddings', emb], /required option '--budget <B>'/],
      [['acquire', '--embeddings', emb, '--entropy', write('e.csv', 'id,entropy\ncase-1,0.5\n'), '--labeled', write('l.txt', 'nobody\n'), '--count', '2'], /labelled id "nobody" is not in the pool/],
      [['acquire', '--embeddings', emb, '--entropy', write('e2.csv', 'id,entropy\nghost,0.5\n'), '--labeled', write('l2.txt', ''), '--count', '2'], /entropy given for id "ghost"/],
      [['acquire', '--embeddings', emb, '--entropy', write('e3.csv', 'id,entropy\ncase-1,0.5\n'), '--labeled', write('l3.txt', ''), '--count', '2', '--alpha', '1.5'], /alpha must be a number in \[0, 1\]/],
    ];
    for (const [args, message] of cases) {
      const r = run(args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toMatch(message);
      expect(r.stdout).toBe('');
    }
    // Engine and file errors are exactly one line.
    expect(run(cases[1]![0]).stderr.trim().split('\n')).toHaveLength(1);
  });

  it('runs the engine demo on its embedded synthetic pool', () => {
    const r = run(['engine-demo', '--out', 'demo', '--size', '300']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Cold-start worklist');
    expect(r.stdout).toContain('Active-learning round 1 worklist');
    for (const f of ['embeddings.csv', 'coldstart.json', 'coldstart.svg', 'round1.json', 'round1.svg', 'entropy.csv', 'labeled.txt']) {
      expect(existsSync(path.join(dir, 'demo', f))).toBe(true);
    }
    const cold = JSON.parse(readFileSync(path.join(dir, 'demo', 'coldstart.json'), 'utf8'));
    expect(cold.selected).toHaveLength(12);
  });

  it('runs the newcomer\'s demo: phantom DICOM folder → server → cold start → simulated masks → AL rounds until the budget is spent', () => {
    const r = runCli(dir, ['demo', '--dir', 'server-demo', '--count', '16', '--image-size', '64', '--model-size', '32', '--epochs', '2', '--simulate-annotator', '--exit', '--port', '0'], 300_000);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Wrote 16 phantom chest radiographs/);
    expect(r.stdout).toMatch(/Server: http:\/\/127\.0\.0\.1:\d+/);
    expect(r.stdout).toMatch(/Worklist of round 0 \(8 cases\)/);
    expect(r.stdout).toMatch(/Worklist of round 2 \(4 cases\)/);
    expect(r.stdout).toMatch(/mean lung Dice [01]\.\d{3}/);
    expect(r.stdout).toContain('Budget spent: 16 of 16 cases selected and labelled over 3 rounds.');
    expect(existsSync(path.join(dir, 'server-demo', 'data', 'scanselect.db'))).toBe(true);
  });
});
