/**
 * manifests/compose (no Docker engine runs here): the Compose file valid for the Compose
 * Specification's JSON schema (as dclint ships it) and free of dclint's errors; its variables all
 * in the example env file, which holds no secret and without which Compose refuses to start; the
 * server configuration valid for the server's own schema; every ScanSelect service running a real
 * `scanselect` command, hardened, started in order by health; named volumes for all state.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { DCLinter } from 'dclint';
import { buildProgram } from '../server/src/cli/main';
import { parseServerConfig } from '../server/src/config/serverConfig';
import { JOB_KINDS } from '../server/src/jobs/pollingJobQueue';
import { commandLineProblems } from '../manifests/tools/commandLine';
import { composeSchemaProblems, composeSpecSchema, interpolateAll, interpolatedVariables, readCompose, readEnvFile, interpolate } from '../manifests/tools/compose';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- parsed YAML, checked field by field below

const DIR = path.join(__dirname, '..', 'manifests', 'compose');
const FILE = path.join(DIR, 'compose.yaml');
const EXAMPLE = readEnvFile(path.join(DIR, 'scanselect.env.example'));
const SECRETS = ['POSTGRES_PASSWORD', 'SCANSELECT_ADMIN_TOKEN'];
/** The example with its empty secrets filled in, as an operator's copy would be. */
const FILLED = { ...EXAMPLE, POSTGRES_PASSWORD: 'a1b2c3', SCANSELECT_ADMIN_TOKEN: 'x'.repeat(32) };
const compose = interpolateAll(readCompose(FILE), FILLED) as Json;
const services = compose.services as Record<string, Json>;
const SCANSELECT = ['migrate', 'serve', 'worker', 'worker-gpu'];

it(`is valid for the Compose Specification (${composeSpecSchema().source}) and has no dclint error`, () => {
  expect(composeSchemaProblems(readCompose(FILE))).toEqual([]);
  const [result] = new DCLinter({ rules: {}, quiet: true, debug: false, exclude: [] }).lintFiles([FILE], false);
  expect(result!.messages.filter((m) => m.type === 'error')).toEqual([]);
});

it('takes every variable from the env file, whose example holds no secret and is refused until filled in', () => {
  expect(interpolatedVariables(readFileSync(FILE, 'utf8')).filter((v) => !(v in EXAMPLE))).toEqual([]);
  for (const secret of SECRETS) expect([secret, EXAMPLE[secret]]).toEqual([secret, '']);
  expect(() => interpolateAll(readCompose(FILE), EXAMPLE)).toThrow(/POSTGRES_PASSWORD|SCANSELECT_ADMIN_TOKEN/);
  expect(services.serve!.environment.DATABASE_URL).toBe('postgresql://scanselect:a1b2c3@postgres:5432/scanselect');
});

it('interpolates as Compose does', () => {
  expect(interpolate('a${X:-d}b${Y-e}$$Z$X', { X: '', Y: '' })).toBe('adb$Z');
  expect(() => interpolate('${X:?set X}', { X: '' })).toThrow('X: set X');
  expect(interpolate('${X?no}', { X: '' })).toBe('');
});

it('points every ScanSelect service at a configuration the server accepts, with no secret in it', () => {
  const file = JSON.parse(readFileSync(path.join(DIR, 'scanselect.json'), 'utf8'));
  const config = parseServerConfig(file, '/etc/scanselect');
  expect(file.database?.url).toBeUndefined();
  expect(Object.values(config.sources).every((s) => s.kind !== 'dicomweb' || (s.headers === undefined && new URL(s.url).hostname in services))).toBe(true);
  for (const name of SCANSELECT) {
    const service = services[name]!;
    expect([name, service.volumes]).toEqual([name, expect.arrayContaining(['./scanselect.json:/etc/scanselect/config.json:ro'])]);
    if (name !== 'migrate') expect([name, service.volumes.some((v: string) => v.endsWith(`:${config.dataDir}`))]).toEqual([name, true]);
  }
  // Orthanc declares the metadata the server writes, and PostgreSQL is the database of the URL.
  const pacs = config.sources.pacs!;
  if (pacs.kind !== 'dicomweb') throw new Error('the Compose configuration reads the bundled Orthanc over DICOMweb');
  expect(JSON.parse(services.orthanc!.environment.ORTHANC__USER_METADATA)).toHaveProperty(pacs.orthancMetadataName);
  const url = new URL(services.serve!.environment.DATABASE_URL);
  expect([url.hostname, url.username, url.pathname]).toEqual(['postgres', services.postgres!.environment.POSTGRES_USER, `/${services.postgres!.environment.POSTGRES_DB}`]);
});

it('runs a real scanselect command in every ScanSelect service', () => {
  const program = buildProgram();
  for (const name of SCANSELECT) {
    const { command } = services[name]!;
    expect([name, commandLineProblems(program, command)]).toEqual([name, []]);
    const jobs = command.indexOf('--jobs');
    if (command[0] === 'worker' && jobs >= 0) expect(command[jobs + 1].split(',').every((k: string) => (JOB_KINDS as readonly string[]).includes(k))).toBe(true);
  }
  expect(services.serve!.command).toEqual(expect.arrayContaining(['--host', '0.0.0.0']));
  expect(services.serve!.environment.PORT).toBe('8080');
  expect(commandLineProblems(program, ['worker', '--config', 'f', '--jobs', interpolate('${CPU_WORKER_JOBS}', { CPU_WORKER_JOBS: 'sync' })])).toEqual([]);
});

it('runs the ScanSelect services as a non-root user on a read-only file system, without capabilities', () => {
  for (const name of SCANSELECT) {
    const service = services[name]!;
    expect([name, service.user, service.read_only, service.cap_drop, service.security_opt]).toEqual([name, '10001:10001', true, ['ALL'], ['no-new-privileges:true']]);
    expect([name, /:\d+\.\d+\.\d+$/.test(service.image)]).toEqual([name, true]);
  }
  for (const name of ['postgres', 'orthanc']) expect([name, /:\d+(\.\d+)+(-[\w.]+)?$/.test(services[name]!.image)]).toEqual([name, true]);
});

it('starts in order by health: PostgreSQL, then the migration, then the API and the workers', () => {
  expect(services.migrate!.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
  for (const name of ['serve', 'worker', 'worker-gpu']) {
    expect([name, services[name]!.depends_on]).toEqual([name, { migrate: { condition: 'service_completed_successfully' }, orthanc: { condition: 'service_healthy' } }]);
  }
  for (const name of ['postgres', 'orthanc']) expect([name, services[name]!.healthcheck.test.length > 0]).toEqual([name, true]);
  // The image's HEALTHCHECK (GET /api/health) is serve's; the workers answer no HTTP.
  for (const name of ['migrate', 'worker', 'worker-gpu']) expect([name, services[name]!.healthcheck]).toEqual([name, { disable: true }]);
  expect(services.serve!.healthcheck).toBeUndefined();
});

it('keeps all state in named volumes and publishes the API on loopback only', () => {
  const mounted = Object.values(services).flatMap((s) => (s.volumes ?? []).map((v: string) => v.split(':')[0])).filter((v: string) => !v.startsWith('.'));
  expect([...new Set(mounted)].sort()).toEqual(Object.keys(compose.volumes).sort());
  expect(services.serve!.ports).toEqual(['127.0.0.1:8080:8080']);
  expect(services.orthanc!.ports.filter((p: string) => p.endsWith(':8042'))).toEqual([]);
});

it('adds a GPU worker for the rounds with the gpu profile only', () => {
  const gpu = services['worker-gpu']!;
  expect(gpu.profiles).toEqual(['gpu']);
  expect(gpu.image).toMatch(/scanselect-gpu:/);
  expect(gpu.command).toEqual(expect.arrayContaining(['--jobs', 'round,train-encoder', '--no-outbox', '--no-schedule']));
  expect(gpu.deploy.resources.reservations.devices).toEqual([{ driver: 'nvidia', count: 1, capabilities: ['gpu'] }]);
  for (const name of Object.keys(services).filter((n) => n !== 'worker-gpu')) expect([name, services[name]!.profiles]).toEqual([name, undefined]);
});
