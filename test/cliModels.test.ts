/**
 * End-to-end tests of the built CLI's model commands on a small synthetic PNG data set that the
 * test writes itself (bright disks on a noisy background, with their masks): doctor, embed,
 * train → predict → evaluate, and their bad-input errors.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { greyPng, requireBuiltCli, runCli, type CliResult } from './helpers';

let dir: string;
const run = (args: string[]): CliResult => runCli(dir, args);

const grey = greyPng;

/** 10 disk images 48×48 with masks (0/255), deterministic. */
function writeDataSet(): void {
  mkdirSync(path.join(dir, 'images'));
  mkdirSync(path.join(dir, 'masks'));
  for (let k = 0; k < 10; k++) {
    const cx = 16 + (k % 4) * 5;
    const cy = 18 + (k % 3) * 6;
    const r = 8 + (k % 2) * 3;
    const inside = (x: number, y: number): boolean => (x - cx) ** 2 + (y - cy) ** 2 < r * r;
    const noise = (x: number, y: number): number => ((x * 37 + y * 91 + k * 13) % 29) - 14;
    writeFileSync(path.join(dir, 'images', `case${k}.png`), grey(48, 48, (x, y) => (inside(x, y) ? 190 : 60) + noise(x, y)));
    writeFileSync(path.join(dir, 'masks', `case${k}.png`), grey(48, 48, (x, y) => (inside(x, y) ? 255 : 0)));
  }
  // Per-class binary masks: class 1 = left half of the disk, class 2 = right half.
  mkdirSync(path.join(dir, 'left'));
  mkdirSync(path.join(dir, 'right'));
  for (let k = 0; k < 10; k++) {
    const cx = 16 + (k % 4) * 5;
    const cy = 18 + (k % 3) * 6;
    const r = 8 + (k % 2) * 3;
    const inside = (x: number, y: number): boolean => (x - cx) ** 2 + (y - cy) ** 2 < r * r;
    writeFileSync(path.join(dir, 'left', `case${k}.png`), grey(48, 48, (x, y) => (inside(x, y) && x < cx ? 255 : 0)));
    writeFileSync(path.join(dir, 'right', `case${k}.png`), grey(48, 48, (x, y) => (inside(x, y) && x >= cx ? 255 : 0)));
  }
  writeFileSync(path.join(dir, 'train.txt'), 'case0\ncase1\ncase2\ncase3\ncase4\ncase5\n');
  writeFileSync(path.join(dir, 'test.txt'), 'case6\ncase7\ncase8\ncase9\n');
}

beforeAll(() => {
  requireBuiltCli();
  dir = mkdtempSync(path.join(os.tmpdir(), 'scanselect-models-'));
  writeDataSet();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('scanselect model commands', () => {
  it('doctor names the backend and why not the others', () => {
    const r = run(['doctor']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^compute backend: (tensorflow|wasm|cpu)/);
    expect(r.stdout).toMatch(/not used/);
    const json = JSON.parse(run(['doctor', '--json', '--backend', 'cpu']).stdout);
    expect(json.backend).toBe('cpu');
  });

  it('embeds a folder into the CSV coldstart reads, using the cache the second time', () => {
    const a = run(['embed', '--images', 'images', '--size', '32', '--out', 'emb.csv', '--cache-dir', 'cache']);
    expect(a.code).toBe(0);
    expect(a.stderr).toMatch(/embedded 10 images with intensity-texture \(\d+ dimensions; 0 from the cache\)/);
    const csv = readFileSync(path.join(dir, 'emb.csv'), 'utf8').trim().split('\n');
    expect(csv).toHaveLength(11);
    expect(csv[1]!.startsWith('case0,')).toBe(true);
    const b = run(['embed', '--images', 'images', '--size', '32', '--out', 'emb2.csv', '--cache-dir', 'cache']);
    expect(b.stderr).toMatch(/10 from the cache/);
    expect(readFileSync(path.join(dir, 'emb2.csv'), 'utf8')).toBe(readFileSync(path.join(dir, 'emb.csv'), 'utf8'));
    const cold = run(['coldstart', '--embeddings', 'emb.csv', '--budget', '3']);
    expect(cold.code).toBe(0);
    expect(JSON.parse(cold.stdout).selected).toHaveLength(3);
  });

  it('trains the site encoder on the unlabelled images and embeds with it, alone and combined', () => {
    const train = run(['train-encoder', '--images', 'images', '--epochs', '2', '--batch-size', '4', '--input-size', '16', '--seed', '3', '--out', 'site-encoder']);
    expect(train.code).toBe(0);
    expect(train.stderr).toMatch(/trained on 10 images \(\w+, 2 epochs, .* version self-supervised@[0-9a-f]{12} → site-encoder/);
    const meta = JSON.parse(readFileSync(path.join(dir, 'site-encoder', 'metadata.json'), 'utf8'));
    expect(meta).toMatchObject({ kind: 'scanselect-self-supervised-encoder', inputSize: 16, training: { images: 10, epochs: 2, seed: 3 } });
    const alone = run(['embed', '--images', 'images', '--size', '32', '--encoder', 'self-supervised', '--encoder-model', 'site-encoder', '--out', 'ssl.csv', '--no-cache']);
    expect(alone.stderr).toMatch(new RegExp(`embedded 10 images with self-supervised \\(${meta.dimensions} dimensions`));
    const both = run(['embed', '--images', 'images', '--size', '32', '--encoder', 'intensity-texture+self-supervised', '--encoder-model', 'site-encoder', '--out', 'both.csv', '--no-cache']);
    expect(both.stderr).toMatch(new RegExp(`embedded 10 images with intensity-texture\\+self-supervised \\(${732 + meta.dimensions} dimensions`));
    const rows = readFileSync(path.join(dir, 'both.csv'), 'utf8').trim().split('\n').slice(1).map((r) => r.split(',').slice(1).map(Number));
    // Each block has unit length in every row.
    for (const row of rows) {
      expect(Math.hypot(...row.slice(0, 732))).toBeCloseTo(1, 4);
      expect(Math.hypot(...row.slice(732))).toBeCloseTo(1, 4);
    }
    const cold = run(['coldstart', '--embeddings', 'both.csv', '--budget', '3']);
    expect(JSON.parse(cold.stdout).selected).toHaveLength(3);
  });

  it('trains, predicts entropy (with maps) and evaluates', () => {
    const train = run(['train', '--images', 'images', '--masks', 'masks', '--ids', 'train.txt', '--epochs', '6', '--size', '32',
      '--depth', '2', '--base-channels', '4', '--learning-rate', '0.01', '--dropout', '0', '--out', 'model']);
    expect(train.stderr).toMatch(/trained on 6 images/);
    expect(train.code).toBe(0);
    const meta = JSON.parse(readFileSync(path.join(dir, 'model', 'metadata.json'), 'utf8'));
    expect(meta).toMatchObject({ classes: 2, inputSize: 32, seed: 42, trainingIds: ['case0', 'case1', 'case2', 'case3', 'case4', 'case5'] });

    const predict = run(['predict', '--model', 'model', '--images', 'images', '--ids', 'test.txt', '--out', 'entropy.csv', '--maps', 'maps']);
    expect(predict.code).toBe(0);
    const rows = readFileSync(path.join(dir, 'entropy.csv'), 'utf8').trim().split('\n');
    expect(rows[0]).toBe('id,entropy');
    expect(rows.slice(1).map((r) => r.split(',')[0])).toEqual(['case6', 'case7', 'case8', 'case9']);
    for (const r of rows.slice(1)) expect(Number(r.split(',')[1])).toBeGreaterThan(0);
    const raw = readFileSync(path.join(dir, 'maps', 'case6.entropy.f32'));
    expect(raw.length).toBe(32 * 32 * 4);
    expect(PNG.sync.read(readFileSync(path.join(dir, 'maps', 'case6.entropy.png'))).width).toBe(32);
    expect(JSON.parse(readFileSync(path.join(dir, 'maps', 'maps.json'), 'utf8')).maps).toHaveLength(4);

    const evaluate = run(['evaluate', '--model', 'model', '--images', 'images', '--masks', 'masks', '--ids', 'test.txt', '--out', 'metrics.json']);
    expect(evaluate.code).toBe(0);
    const metrics = JSON.parse(readFileSync(path.join(dir, 'metrics.json'), 'utf8'));
    expect(metrics.count).toBe(4);
    expect(metrics.summary.diceMeanForeground.mean).toBeGreaterThan(0.5);
    expect(metrics.images[0]).toHaveProperty('hd95.meanForeground');
  });

  it('trains and evaluates from per-class binary mask folders', () => {
    const train = run(['train', '--images', 'images', '--class-masks', 'left,right', '--ids', 'train.txt', '--epochs', '1', '--size', '32',
      '--depth', '2', '--base-channels', '4', '--out', 'model3']);
    expect(train.code).toBe(0);
    expect(JSON.parse(readFileSync(path.join(dir, 'model3', 'metadata.json'), 'utf8')).classes).toBe(3);
    const evaluate = run(['evaluate', '--model', 'model3', '--images', 'images', '--class-masks', 'left,right', '--ids', 'test.txt']);
    expect(evaluate.code).toBe(0);
    expect(JSON.parse(evaluate.stdout).summary.diceByClass).toHaveLength(3);
  });

  it('exits 2 with a clear message on bad input', () => {
    writeFileSync(path.join(dir, 'ghost.txt'), 'case0\nghost\n');
    mkdirSync(path.join(dir, 'badmasks'));
    writeFileSync(path.join(dir, 'badmasks', 'case0.png'), grey(20, 20, () => 0));
    const cases: Array<[string[], RegExp]> = [
      [['train', '--images', 'images', '--masks', 'masks', '--ids', 'ghost.txt', '--epochs', '1', '--size', '32', '--out', 'm2'], /no image for 1 id\(s\): "ghost"/],
      [['train', '--images', 'images', '--masks', 'badmasks', '--epochs', '1', '--size', '32', '--out', 'm3'], /mask of "case0" is 20×20, its image 48×48/],
      [['predict', '--model', 'no-such-model', '--images', 'images'], /no-such-model/],
      [['embed', '--images', 'nowhere', '--out', 'x.csv'], /cannot read "nowhere"/],
      [['train', '--images', 'images', '--masks', 'masks', '--class-masks', 'left,right', '--out', 'm4'], /exactly one of --masks DIR or --class-masks/],
      [['train', '--images', 'images', '--class-masks', 'left,right', '--classes', '2', '--out', 'm5'], /2 per-class mask folders make 3 classes, not 2/],
      [['embed', '--images', 'images', '--encoder', 'magic', '--out', 'x.csv'], /unknown encoder "magic"/],
      [['embed', '--images', 'images', '--encoder', 'intensity-texture+magic', '--out', 'x.csv'], /unknown encoder "magic"/],
      [['embed', '--images', 'images', '--encoder', 'self-supervised', '--out', 'x.csv'], /needs weights trained on your pool/],
      [['train-encoder', '--images', 'nowhere', '--out', 'e2'], /cannot read "nowhere"/],
      [['train-encoder', '--images', path.join('images', 'case0.png'), '--out', 'e3'], /at least 2 images, found 1/],
    ];
    for (const [args, message] of cases) {
      const r = run(args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toMatch(message);
    }
    expect(existsSync(path.join(dir, 'm2'))).toBe(false);
    expect(existsSync(path.join(dir, 'e3'))).toBe(false);
  });
});
