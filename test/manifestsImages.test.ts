/**
 * The container images of manifests/docker, read without building them (no Docker engine here):
 * pinned base images, a non-root user, the entry point and default command a real `scanselect`
 * command line, the OHIF app fetched and checked at build time, production dependencies only, and
 * a GPU image whose CUDA and tfjs-node-gpu versions are the ones docs/compute.md states. The build
 * context (.dockerignore) keeps out what the host built or installed, and every secret.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { buildProgram } from '../server/src/cli/main';
import { commandLineProblems } from '../manifests/tools/commandLine';
import { parseDockerfile, type Dockerfile, type DockerInstruction } from '../manifests/tools/dockerfile';

const ROOT = path.join(__dirname, '..');
const read = (file: string): string => readFileSync(path.join(ROOT, file), 'utf8');
const cpu = parseDockerfile(read('manifests/docker/Dockerfile'));
const gpu = parseDockerfile(read('manifests/docker/Dockerfile.gpu'));
const lock = JSON.parse(read('package-lock.json')) as { packages: Record<string, { version?: string }> };
const program = buildProgram();

const final = (dockerfile: Dockerfile): DockerInstruction[] => {
  const last = dockerfile.stages[dockerfile.stages.length - 1]!.name;
  return dockerfile.instructions.filter((i) => i.stage === last);
};
const one = (instructions: DockerInstruction[], keyword: string): DockerInstruction => {
  const found = instructions.filter((i) => i.keyword === keyword);
  if (found.length !== 1) throw new Error(`${found.length} ${keyword} instructions in the final stage`);
  return found[0]!;
};

describe.each([['Dockerfile', cpu], ['Dockerfile.gpu', gpu]] as const)('manifests/docker/%s', (_name, dockerfile) => {
  it('pins every external base image by an exact version tag', () => {
    const stageNames = new Set(dockerfile.stages.map((s) => s.name));
    for (const { image } of dockerfile.stages) {
      if (stageNames.has(image) || image === 'scanselect:0.1.0') continue; // a stage, or the CPU image built first
      expect([image, /:\d+(\.\d+)+[\w.-]*$/.test(image) && !/latest/.test(image)]).toEqual([image, true]);
    }
  });

  it('runs as a non-root user, with the scanselect CLI as its entry point and a real command line as its default', () => {
    const instructions = final(dockerfile);
    expect(one(instructions, 'USER').text).toBe('10001:10001');
    expect(one(instructions, 'ENTRYPOINT').exec).toEqual(['node', '/app/bin/scanselect.js']);
    expect(existsSync(path.join(ROOT, 'bin', 'scanselect.js'))).toBe(true);
    expect(commandLineProblems(program, one(instructions, 'CMD').exec!)).toEqual([]);
    // The data directory exists in the image, owned by that user (the root file system is read-only).
    expect(instructions.some((i) => i.keyword === 'RUN' && /mkdir -p \/var\/lib\/scanselect/.test(i.text) && /chown 10001:10001 \/var\/lib\/scanselect/.test(i.text))).toBe(true);
  });

  it('installs production dependencies only, for every workspace of package.json', () => {
    const runs = dockerfile.instructions.filter((i) => i.keyword === 'RUN').map((i) => i.text);
    expect(runs.some((r) => /npm ci --omit=dev\b/.test(r))).toBe(true);
    const { workspaces } = JSON.parse(read('package.json')) as { workspaces: string[] };
    const copied = dockerfile.instructions.filter((i) => i.keyword === 'COPY' && /package\.json/.test(i.text)).map((i) => i.text.split(/\s+/)[0]);
    for (const workspace of workspaces) expect(copied).toContain(`${workspace}/package.json`);
  });

  it('copies from the build context only what exists and what .dockerignore lets in', () => {
    const ignored = read('.dockerignore').split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#'))
      .map((p) => new RegExp(`^${p.replace(/[.+^$()|[\]\\]/g, '\\$&').replace(/\*\*\//g, '(.*/)?').replace(/\*/g, '[^/]*')}(/.*)?$`));
    for (const copy of dockerfile.instructions.filter((i) => i.keyword === 'COPY' && !i.text.startsWith('--from'))) {
      const sources = copy.text.split(/\s+/).slice(0, -1);
      for (const source of sources) {
        expect([source, existsSync(path.join(ROOT, source))]).toEqual([source, true]);
        expect([source, ignored.filter((re) => re.test(source)).map(String)]).toEqual([source, []]);
      }
    }
  });
});

describe('the service image (Dockerfile)', () => {
  it('compiles, bundles the viewer and fetches the OHIF app with its pinned integrity at build time', () => {
    const build = cpu.instructions.filter((i) => i.stage === 'build' && i.keyword === 'RUN').map((i) => i.text);
    expect(build).toEqual(expect.arrayContaining(['npm run build', 'node scripts/fetchOhif.js']));
    expect(read('scripts/fetchOhif.js')).toMatch(/const INTEGRITY = 'sha512-/);
    const copies = final(cpu).filter((i) => i.keyword === 'COPY').map((i) => i.text);
    for (const built of ['plugin/dist', 'server/dist', 'viewer-extension/dist', 'viewer-extension/vendor/ohif']) expect(copies.some((c) => c.includes(`/src/${built} /app/${built}`))).toBe(true);
  });

  it('has a HEALTHCHECK on /api/health at the port serve listens on', () => {
    const check = one(final(cpu), 'HEALTHCHECK');
    expect(check.exec![0]).toBe('node');
    expect(check.exec!.join(' ')).toMatch(/\/api\/health/);
    expect(check.exec!.join(' ')).toMatch(/process\.env\.PORT \|\| 8080/);
    expect(one(final(cpu), 'ENV').text).toMatch(/PORT=8080/);
  });

  it('leaves out the native tfjs-node packages (it computes on wasm, as every measurement here did)', () => {
    expect(cpu.instructions.some((i) => i.keyword === 'RUN' && /rm -rf node_modules\/@tensorflow\/tfjs-node node_modules\/@tensorflow\/tfjs-node-gpu/.test(i.text))).toBe(true);
  });
});

describe('the GPU worker image (Dockerfile.gpu)', () => {
  it('runs on the CUDA 11.2 / cuDNN 8 runtime that tfjs-node-gpu 4.22 (libtensorflow 2.9.1) needs', () => {
    expect(gpu.globalArgs.CUDA_IMAGE).toMatch(/^nvidia\/cuda:11\.2\.\d+-cudnn8-runtime-ubuntu\d+\.\d+$/);
    expect(gpu.stages.filter((s) => s.image === gpu.globalArgs.CUDA_IMAGE).map((s) => s.name)).toEqual(['deps', 'runtime']);
  });

  it('builds the tfjs-node-gpu of the lock, the version of the engine\'s tfjs-core, and takes the rounds only', () => {
    const version = gpu.globalArgs.TFJS_NODE_GPU_VERSION;
    expect(version).toBe(lock.packages['node_modules/@tensorflow/tfjs-node-gpu']!.version);
    expect(version).toBe(lock.packages['node_modules/@tensorflow/tfjs-core']!.version);
    expect(gpu.instructions.some((i) => i.keyword === 'RUN' && /npm rebuild better-sqlite3 @tensorflow\/tfjs-node-gpu/.test(i.text))).toBe(true);
    expect(one(final(gpu), 'CMD').exec).toEqual(expect.arrayContaining(['worker', '--jobs', 'round,train-encoder', '--no-outbox', '--no-schedule']));
    expect(one(final(gpu), 'ENV').text).toMatch(/SCANSELECT_BACKEND=tensorflow/);
  });
});

it('keeps the host\'s builds, installs, git history and env files out of the build context', () => {
  const patterns = read('.dockerignore').split('\n');
  for (const pattern of ['.git', '**/node_modules', '**/dist', '**/*.env', 'viewer-extension/vendor']) expect(patterns).toContain(pattern);
});

describe('the checks themselves', () => {
  it('commandLineProblems names an unknown command or option, a missing value or required option, a bad value', () => {
    expect(commandLineProblems(program, ['serve', '--config', 'f', '--port', '8080', '--host', '0.0.0.0', '--log-requests'])).toEqual([]);
    expect(commandLineProblems(program, ['worker', '--config', 'f', '--no-outbox', '--name', '$(POD_NAME)'])).toEqual([]);
    expect(commandLineProblems(program, ['server'])[0]).toMatch(/"server" is not a scanselect command/);
    expect(commandLineProblems(program, ['serve', '--config', 'f', '--jobz', 'x'])).toEqual(['serve: unknown option --jobz', 'serve: unexpected argument "x"']);
    expect(commandLineProblems(program, ['serve', '--port'])).toEqual(['serve: --port needs a value', 'serve: --config is required']);
    expect(commandLineProblems(program, ['serve', '--config', 'f', '--port', 'eighty'])[0]).toMatch(/^serve: --port eighty: /);
    expect(commandLineProblems(program, ['doctor', '--backend', 'cuda'])[0]).toMatch(/not one of auto, tensorflow, wasm, cpu/);
    expect(commandLineProblems(program, ['doctor', '--json=yes'])).toEqual(['doctor: --json takes no value']);
  });

  it('parseDockerfile joins continuation lines, drops comments inside them and resolves global ARGs in FROM', () => {
    const parsed = parseDockerfile('ARG BASE=node:1.2\nFROM ${BASE} AS one\nRUN a \\\n  # note\n  && b\nFROM one\nCMD ["x", "y"]\n');
    expect(parsed.stages).toEqual([{ image: 'node:1.2', name: 'one', line: 2 }, { image: 'one', name: '1', line: 6 }]);
    expect(parsed.instructions.find((i) => i.keyword === 'RUN')).toMatchObject({ text: 'a    && b', stage: 'one', line: 3 });
    expect(parsed.instructions.find((i) => i.keyword === 'CMD')).toMatchObject({ exec: ['x', 'y'], stage: '1' });
  });
});
