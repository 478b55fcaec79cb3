/**
 * Issue 11: the malformed-input corpus through the command line — missing, empty, truncated,
 * wrong-type, non-UTF-8, binary, oversized, nested and bomb inputs to every command that reads
 * files. Each is exit 2 with one clear line on stderr (no stack trace), and writes no output file.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { greyPngWith } from './harness/maskBombs';
import { greyPng, requireBuiltCli, runCli } from './helpers';

jest.setTimeout(300_000);

let dir: string;

function write(name: string, content: string | Uint8Array): string {
  const file = path.join(dir, name);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, content);
  return name;
}


const GOOD = ['id,a,b', ...Array.from({ length: 30 }, (_v, i) => `c${i},${i % 5},${(i * 7) % 11}`)].join('\n') + '\n';
let configs = 0;
const config = (body: string): string => write(`config-${++configs}.json`, body);

interface CliProbe {
  readonly name: string;
  readonly args: () => string[];
  /** What stderr must say (besides being one line without a stack). */
  readonly says: RegExp;
}

const coldstart = (file: string, ...more: string[]): string[] => ['coldstart', '--embeddings', file, '--budget', '4', '--projection', 'none', '--out', 'out.json', ...more];
const acquire = (more: Record<string, string>): string[] => ['acquire', '--embeddings', 'good.csv', '--entropy', 'entropy.csv', '--labeled', 'labeled.txt', '--count', '2', '--projection', 'none', '--out', 'out.json',
  ...Object.entries(more).flat()];

const PROBES: CliProbe[] = [
  { name: 'missing embeddings file', args: () => coldstart('nope.csv'), says: /nope\.csv/ },
  { name: 'a directory as the embeddings file', args: () => coldstart('images'), says: /images/ },
  { name: 'empty embeddings file', args: () => coldstart(write('empty.csv', '')), says: /empty|no rows|header/i },
  { name: 'header only', args: () => coldstart(write('header.csv', 'id,a,b\n')), says: /no (data )?rows|empty|at least/i },
  { name: 'truncated row', args: () => coldstart(write('ragged.csv', `${GOOD}c99,1\n`)), says: /c99|line|values|column/i },
  { name: 'non-numeric value', args: () => coldstart(write('text.csv', `${GOOD}c99,1,abc\n`)), says: /abc|number|c99/i },
  { name: 'infinite value', args: () => coldstart(write('inf.csv', `${GOOD}c99,1,Infinity\n`)), says: /finite|Infinity|number/i },
  { name: 'duplicate ids', args: () => coldstart(write('dup.csv', `${GOOD}c1,1,2\n`)), says: /duplicate|c1/i },
  { name: 'non-UTF-8 bytes', args: () => coldstart(write('latin1.csv', Buffer.concat([Buffer.from('id,a,b\n'), Buffer.from([0xe9, 0xff, 0x2c, 0x31, 0x2c, 0x32, 0x0a])]))), says: /latin1\.csv" is not UTF-8 text/ },
  { name: 'non-UTF-8 labelled ids', args: () => acquire({ '--labeled': write('latin1-ids.txt', Buffer.from([0x63, 0x31, 0x0a, 0xe9, 0x0a])) }), says: /--labeled: .*latin1-ids\.txt" is not UTF-8 text/ },
  { name: 'a lone UTF-8 lead byte at the read-buffer boundary', args: () => coldstart(write('split.csv', Buffer.concat([Buffer.from(`id,a,b\n${'x'.repeat((1 << 20) - 8)}`), Buffer.from([0xc3]), Buffer.from('\n')]))), says: /split\.csv" is not UTF-8 text/ },
  { name: 'binary file as CSV', args: () => coldstart(write('binary.csv', greyPng(8, 8, () => 7))), says: /csv|number|column|header|UTF-8/i },
  { name: 'negative budget', args: () => ['coldstart', '--embeddings', 'good.csv', '--budget', '-3'], says: /budget/ },
  { name: 'budget that is not a number', args: () => ['coldstart', '--embeddings', 'good.csv', '--budget', 'ten'], says: /budget|ten/ },
  { name: 'unknown strategy', args: () => coldstart('good.csv', '--strategy', '../../etc/passwd'), says: /strategy|valid/i },
  { name: 'unknown projection', args: () => ['coldstart', '--embeddings', 'good.csv', '--budget', '4', '--projection', 'umap'], says: /projection|umap/ },
  { name: 'α beyond [0, 1]', args: () => acquire({ '--alpha': '1.5' }), says: /alpha|α/i },
  { name: 'labelled ids not in the pool', args: () => acquire({ '--labeled': write('ghost.txt', 'c1\nghost-7\n') }), says: /ghost-7/ },
  { name: 'entropy missing for a case', args: () => acquire({ '--entropy': write('short-entropy.csv', 'id,entropy\nc2,0.5\n') }), says: /entropy|missing|c3/i },
  { name: 'entropy that is not a number', args: () => acquire({ '--entropy': write('bad-entropy.csv', `id,entropy\n${Array.from({ length: 30 }, (_v, i) => `c${i},x`).join('\n')}\n`) }), says: /number|entropy|x/i },
  { name: 'embed of a missing folder', args: () => ['embed', '--images', 'no-such-dir', '--out', 'emb.csv'], says: /no-such-dir/ },
  { name: 'embed of a corrupt DICOM', args: () => ['embed', '--images', write('corrupt/a.dcm', Buffer.concat([Buffer.alloc(128), Buffer.from('DICM'), Buffer.from([2, 0, 0x10, 0, 0x55, 0x49, 0xff, 0xff])])), '--out', 'emb.csv'], says: /a\.dcm|DICOM|corrupt|parse/i },
  { name: 'embed of a PNG declaring 12000 × 12000', args: () => ['embed', '--images', write('bomb/b.png', greyPngWith(12_000, 12_000, deflateSync(Buffer.alloc(2_000_000)))), '--out', 'emb.csv'], says: /b\.png|pixels|too large|exceeds/i },
  { name: 'train with masks of the wrong size', args: () => ['train', '--images', 'train/images', '--masks', 'train/masks', '--epochs', '1', '--size', '16', '--out', 'model'], says: /size|×|mask/i },
  { name: 'predict with a missing model', args: () => ['predict', '--model', 'no-model', '--images', 'train/images', '--out', 'e.csv'], says: /no-model|model/ },
  { name: 'predict with a model.json that is not JSON', args: () => ['predict', '--model', path.dirname(write('junk-model/model.json', 'root:x:0:0')), '--images', 'train/images', '--out', 'e.csv'], says: /model/i },
  { name: 'reproduce on a missing folder', args: () => ['reproduce', '--dataset', 'folder:/no/such/folder', '--out', 'res'], says: /no\/such\/folder|folder/ },
  { name: 'serve with a missing configuration', args: () => ['serve', '--config', 'absent.json'], says: /absent\.json/ },
  { name: 'serve with a configuration that is not JSON', args: () => ['serve', '--config', config('{"sources": ')], says: /configuration|JSON/i },
  { name: 'serve with 200,000 nested arrays as configuration', args: () => ['serve', '--config', config(`{"sources":{"a":${'['.repeat(200_000)}${']'.repeat(200_000)}}}`)], says: /config|sources/i },
  { name: 'serve with an unknown key', args: () => ['serve', '--config', config('{"sources":{"f":{"kind":"folder","path":"x"}},"admin":true}')], says: /admin/ },
  { name: 'serve with an encoder model as a path', args: () => ['serve', '--config', config('{"sources":{"f":{"kind":"folder","path":"x"}},"projects":[{"name":"p","source":"f","classes":["a"],"budget":{"coldStart":1,"perRound":1,"total":2},"encoder":{"id":"tfjs-model","model":"/etc/passwd"}}]}')], says: /encoder/ },
  { name: 'an unknown command', args: () => ['../../bin/sh', '--help'], says: /unknown command/ },
];

beforeAll(() => {
  requireBuiltCli();
  dir = mkdtempSync(path.join(os.tmpdir(), 'scanselect-malformed-cli-'));
  write('good.csv', GOOD);
  write('entropy.csv', ['id,entropy', ...Array.from({ length: 30 }, (_v, i) => `c${i},${(i % 7) / 10}`)].join('\n') + '\n');
  write('labeled.txt', 'c1\nc2\n');
  mkdirSync(path.join(dir, 'images'));
  for (let k = 0; k < 4; k++) {
    write(`train/images/i${k}.png`, greyPng(32, 32, (x, y) => (x + y + k) % 200));
    write(`train/masks/i${k}.png`, greyPng(24, 24, (x) => (x > 12 ? 1 : 0)));
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('malformed input through the CLI', () => {
  it('has at least 30 cases', () => {
    expect(PROBES.length).toBeGreaterThanOrEqual(30);
  });

  it.each(PROBES.map((p) => [p.name, p] as const))('%s: exit 2, one clear line, no output', (_name, probe) => {
    for (const out of ['out.json', 'emb.csv', 'e.csv']) rmSync(path.join(dir, out), { force: true });
    const r = runCli(dir, probe.args(), 120_000);
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 2, stderr: expect.stringMatching(probe.says) });
    expect(r.stderr).not.toMatch(/\n\s+at .*\(|node:internal|RangeError: Maximum call stack/);
    expect(r.stderr.trim().split('\n').filter((l) => !/^\(run with --help/.test(l)).length).toBeLessThanOrEqual(2);
    for (const out of ['out.json', 'emb.csv', 'e.csv']) expect([out, existsSync(path.join(dir, out))]).toEqual([out, false]);
  });

  it('reads a UTF-8 character that straddles two read buffers', () => {
    // The stream reads 1 MiB at a time: "é" (0xc3 0xa9) starts on its last byte, ends on the next read's first.
    const head = `id,a,b\n${'x'.repeat((1 << 20) - 8)}`; // 2^20 - 1 bytes
    const rows = Array.from({ length: 6 }, (_v, i) => `r${i},${i},${i % 3}`).join('\n');
    write('straddle.csv', Buffer.concat([Buffer.from(head), Buffer.from('é,1,2\n'), Buffer.from(`${rows}\n`)]));
    const r = runCli(dir, ['coldstart', '--embeddings', 'straddle.csv', '--budget', '3', '--projection', 'none'], 120_000);
    expect([r.code, r.stderr]).toEqual([0, '']);
    expect(JSON.parse(r.stdout).clusters.length).toBeGreaterThan(0);
  });
});
