/** Shared helpers of the end-to-end tests: run the built CLI, write small grey PNGs. */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';

const root = path.join(__dirname, '..');
const bin = path.join(root, 'bin', 'scanselect.js');

/** What one CLI run printed and returned. */
export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Throws unless the CLI has been built (`npm test` builds first). */
export function requireBuiltCli(): void {
  if (!existsSync(path.join(root, 'server', 'dist', 'cli', 'main.js'))) throw new Error('build first: npm run build');
}

/** Runs `scanselect …args` in `cwd` and waits for it. */
export function runCli(cwd: string, args: readonly string[], timeoutMs = 300_000): CliResult {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', timeout: timeoutMs });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** An 8-bit grey PNG whose pixel (x, y) is value(x, y), clamped to 0…255. */
export function greyPng(width: number, height: number, value: (x: number, y: number) => number): Buffer {
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, inputHasAlpha: false });
  const data = Buffer.alloc(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = Math.max(0, Math.min(255, Math.round(value(x, y))));
  png.data = data;
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false });
}
