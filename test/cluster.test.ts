/**
 * Issue 12's proof, on loopback: PostgreSQL + Orthanc + two `scanselect serve` replicas (jobs
 * external) + two `scanselect worker` processes, all real processes of the built CLI on one
 * configuration. Sync and cold start run on the workers; two annotators claiming through different
 * replicas never hold one case; masks go to either replica; a replica killed (SIGKILL) right after
 * a 201 loses no mask; the auto-retrain round runs on a worker, which is killed mid-training — the
 * other worker finishes it (the job engine's time-out), exactly one round is stored and no job
 * stays running; job progress reaches an SSE client of a replica that runs no job; every SEG and
 * KO reaches the PACS by exactly one delivery; a nightly schedule (workers on a test clock set just
 * before it) fires once. Skipped, with the reason printed, without PostgreSQL, Orthanc or the build.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { chestPhantom } from '@scanselect/plugin';
import { derivedUid } from '../server/src/demo/phantomDataset';
import { SECONDARY_CAPTURE_SOP_CLASS, writeSegmentation } from '../server/src/dicom';
import { DicomWebClient } from '../server/src/pacs/dicomWebClient';
import { CliProcess } from './harness/cliProcess';
import { makeInstance, type InstanceSpec } from './harness/dicomFixtures';
import { OrthancProcess, orthancAvailable } from './harness/orthanc';
import { PostgresProcess, postgresUnavailable } from './harness/postgres';

const why = postgresUnavailable() ?? (orthancAvailable() ? null : 'Orthanc is not installed')
  ?? (existsSync(path.join(__dirname, '..', 'server', 'dist', 'cli', 'main.js')) ? null : 'the CLI is not built (npm run build)');
if (why) process.stderr.write(`cluster.test.ts skipped: ${why}\n`);
const withCluster = why ? describe.skip : describe;
jest.setTimeout(600_000);

const SIZE = 64;
const CLASSES = ['right lung', 'left lung'];
const ADMIN = 'cluster-test-admin-token-0123456789abcdef';
const N = 10;

const phantoms = Array.from({ length: N }, (_, i) => {
  const p = chestPhantom({ seed: 300 + i, size: SIZE });
  const uid = (what: string): string => derivedUid(`cluster/${i}/${what}`);
  const spec: InstanceSpec = {
    studyUid: uid(`study${i % 5}`), seriesUid: uid('series'), sopUid: uid('instance'), patientId: `PHANTOM-${i}`, modality: 'DX',
    rows: SIZE, columns: SIZE, pixel: (x, y) => p.pixels[y * SIZE + x]!, photometric: 'MONOCHROME2', frames: 1,
  };
  return { spec, mask: p.mask };
});
const bySop = new Map(phantoms.map((p) => [p.spec.sopUid, p]));

interface Replica { readonly process: CliProcess; readonly url: string }
interface JobJson { id: number; kind: string; state: string; progress: number; stage: string | null; attempts: number; projectId: number }

withCluster('a cluster: PostgreSQL, Orthanc, two API replicas, two workers', () => {
  let pg: PostgresProcess;
  let orthanc: OrthancProcess;
  let dir: string;
  let configFile: string;
  let db: Client;
  const replicas: Replica[] = [];
  const workers = new Map<string, CliProcess>();
  const tokens: Record<string, string> = { admin: ADMIN };

  const call = async (replica: Replica, method: string, route: string, o: { token?: string; json?: unknown; body?: Uint8Array; type?: string } = {}): Promise<{ status: number; json: any }> => { // eslint-disable-line @typescript-eslint/no-explicit-any -- response shapes
    const headers: Record<string, string> = { Authorization: `Bearer ${o.token ?? ADMIN}` };
    if (o.json !== undefined) headers['Content-Type'] = 'application/json';
    if (o.type) headers['Content-Type'] = o.type;
    const response = await fetch(`${replica.url}${route}`, { method, headers, ...(o.json !== undefined ? { body: JSON.stringify(o.json) } : o.body ? { body: o.body } : {}) });
    const text = await response.text();
    return { status: response.status, json: text && (response.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : null };
  };
  const startReplica = async (name: string): Promise<Replica> => {
    const process = await CliProcess.start(name, ['serve', '--config', configFile, '--jobs', 'external', '--port', '0'], /listening on (http:\/\/\S+)/, { SCANSELECT_ADMIN_TOKEN: ADMIN });
    return { process, url: (await process.waitFor(/listening on (http:\/\/\S+)/, 1000))[1]! };
  };
  const startWorker = async (name: string, env: NodeJS.ProcessEnv = {}): Promise<CliProcess> => {
    const worker = await CliProcess.start(name, ['worker', '--config', configFile, '--name', name], new RegExp(`worker ${name} started`), env);
    workers.set(name, worker);
    return worker;
  };
  const job = async (id: number): Promise<JobJson> => (await call(replicas[0]!, 'GET', `/api/jobs/${id}`)).json as JobJson;
  const until = async <T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 240_000): Promise<T> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = await probe();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${[...workers.values()].map((w) => `--- ${w.name}\n${w.log}`).join('\n')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  const finished = (id: number): Promise<JobJson> => until(`job ${id} to end`, async () => {
    const j = await job(id);
    return j.state === 'succeeded' || j.state === 'failed' ? j : null;
  });
  const seg = (sopUid: string): Uint8Array => {
    const { spec, mask } = bySop.get(sopUid)!;
    return writeSegmentation({
      source: { studyUid: spec.studyUid, seriesUid: spec.seriesUid, sopUid, sopClassUid: SECONDARY_CAPTURE_SOP_CLASS, patientId: spec.patientId, patientName: 'Test^Phantom', rows: SIZE, columns: SIZE },
      segments: CLASSES.map((label, i) => ({ number: i + 1, label, value: i + 1 })),
      labelMap: mask,
    });
  };
  const submit = async (replica: Replica, token: string, sopUid: string): Promise<{ status: number; json: any }> => { // eslint-disable-line @typescript-eslint/no-explicit-any -- response shape
    expect((await call(replica, 'POST', `/api/projects/1/cases/${sopUid}/claim`, { token })).status).toBe(200);
    return call(replica, 'POST', `/api/projects/1/cases/${sopUid}/mask`, { token, body: seg(sopUid), type: 'application/dicom' });
  };
  const workerOf = async (id: number): Promise<string | null> => (await db.query<{ worker: string | null }>('SELECT worker FROM jobs WHERE id = $1', [id])).rows[0]!.worker;

  beforeAll(async () => {
    [pg, orthanc] = await Promise.all([PostgresProcess.start(), OrthancProcess.start()]);
    expect(await new DicomWebClient({ baseUrl: orthanc.dicomWebUrl }).store(phantoms.map((p) => makeInstance(p.spec)))).toEqual({ stored: N, failed: [] });
    dir = mkdtempSync(path.join(os.tmpdir(), 'scanselect-cluster-'));
    configFile = path.join(dir, 'scanselect.json');
    writeFileSync(configFile, JSON.stringify({
      dataDir: path.join(dir, 'data'),
      database: { url: pg.url, poolSize: 5 },
      // Short time-outs so that a killed worker's round is taken up within the test (production: hours).
      jobs: { retryLimit: 2, retryDelaySeconds: 1, timeoutSeconds: { sync: 120, round: 30 }, maintenanceIntervalSeconds: 2, pollSeconds: 0.5 },
      sources: { pacs: { kind: 'dicomweb', url: orthanc.dicomWebUrl, orthancUrl: orthanc.url, timeoutMs: 10_000 } },
      projects: [{
        name: 'cluster', source: 'pacs', filters: { modality: 'DX' }, classes: CLASSES, projection: 'pca', budget: { coldStart: 4, perRound: 2, total: 8 },
        encoder: { id: 'intensity-texture', inputSize: 64 }, model: { inputSize: 32, epochs: 60, depth: 2, baseChannels: 4 },
      }],
    }));
    // Both replicas start at once, as a Deployment's pods do: one migrates, neither creates the project twice.
    replicas.push(...(await Promise.all([startReplica('serve-a'), startReplica('serve-b')])));
    await Promise.all([startWorker('w1'), startWorker('w2')]);
    db = new Client({ connectionString: pg.url });
    await db.connect();
    for (const name of ['ann1', 'ann2']) tokens[name] = (await call(replicas[0]!, 'POST', '/api/tokens', { json: { name, role: 'annotator' } })).json.token as string;
  }, 300_000);

  afterAll(async () => {
    await db?.end();
    await Promise.all([...replicas.map((r) => r.process.stop()), ...[...workers.values()].map((w) => w.stop())]);
    await orthanc?.dispose();
    await pg?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('syncs and runs the cold start on the workers; one project however many replicas started', async () => {
    expect((await call(replicas[1]!, 'GET', '/api/projects')).json).toHaveLength(1);
    const sync = (await call(replicas[0]!, 'POST', '/api/projects/1/sync')).json as JobJson;
    expect((await finished(sync.id)).state).toBe('succeeded');
    expect(['w1', 'w2']).toContain(await workerOf(sync.id));
    const round = (await call(replicas[1]!, 'POST', '/api/projects/1/rounds')).json as JobJson;
    expect((await finished(round.id)).state).toBe('succeeded');
    expect(['w1', 'w2']).toContain(await workerOf(round.id));
    expect((await call(replicas[0]!, 'GET', '/api/projects/1/worklist', { token: tokens.ann1 })).json).toHaveLength(4);
  });

  it('never lets two annotators hold one case, whichever replica they claim through', async () => {
    const [first] = (await call(replicas[0]!, 'GET', '/api/projects/1/worklist', { token: tokens.ann1 })).json as Array<{ sopUid: string }>;
    const claims = await Promise.all([
      call(replicas[0]!, 'POST', `/api/projects/1/cases/${first!.sopUid}/claim`, { token: tokens.ann1 }),
      call(replicas[1]!, 'POST', `/api/projects/1/cases/${first!.sopUid}/claim`, { token: tokens.ann2 }),
    ]);
    expect(claims.map((c) => c.status).sort()).toEqual([200, 409]);
    const holder = claims[0]!.status === 200 ? 'ann1' : 'ann2';
    await call(replicas[0]!, 'DELETE', `/api/projects/1/cases/${first!.sopUid}/claim`, { token: tokens[holder] });
  });

  it('keeps a mask whose replica was killed right after the 201; the auto-retrain round is queued', async () => {
    const worklist = (await call(replicas[0]!, 'GET', '/api/projects/1/worklist', { token: tokens.ann1 })).json as Array<{ sopUid: string }>;
    for (const [i, item] of worklist.slice(0, 3).entries()) expect((await submit(replicas[i % 2]!, i % 2 ? tokens.ann2! : tokens.ann1!, item.sopUid)).status).toBe(201);
    const last = worklist[3]!.sopUid;
    const accepted = await submit(replicas[1]!, tokens.ann2!, last);
    expect(accepted.status).toBe(201);
    await replicas[1]!.process.kill();
    replicas[1] = await startReplica('serve-b2');
    expect((await call(replicas[0]!, 'GET', `/api/projects/1/cases/${last}`, { token: tokens.ann1 })).json).toMatchObject({ status: 'labelled' });
    expect((await call(replicas[0]!, 'GET', `/api/projects/1/cases/${last}/mask`, { token: tokens.ann1 })).status).toBe(200);
    expect(accepted.json.queuedRoundJob).toEqual(expect.any(Number));
  });

  it('takes up the round of a worker killed mid-training on the other worker; stores it once; progress reaches SSE on a replica', async () => {
    const roundJob = (await db.query<{ id: number }>("SELECT id FROM jobs WHERE kind = 'round' ORDER BY id DESC LIMIT 1")).rows[0]!.id;
    const events = new AbortController();
    const seen: JobJson[] = [];
    const stream = fetch(`${replicas[1]!.url}/api/events?project=1`, { headers: { Authorization: `Bearer ${ADMIN}` }, signal: events.signal }).then(async (response) => {
      const decoder = new TextDecoder();
      for await (const chunk of response.body!) {
        for (const line of decoder.decode(chunk as Uint8Array, { stream: true }).split('\n')) if (line.startsWith('data: ')) seen.push(JSON.parse(line.slice(6)) as JobJson);
      }
    }).catch(() => undefined);
    const running = await until('the round to train', async () => {
      const j = await job(roundJob);
      return j.state === 'running' && j.progress > 0 && /train/i.test(j.stage ?? '') ? j : null;
    });
    const first = (await workerOf(roundJob))!;
    await workers.get(first)!.kill();
    const done = await finished(roundJob);
    expect(done.state).toBe('succeeded');
    const second = await workerOf(roundJob);
    expect(second).not.toBe(first);
    expect(['w1', 'w2']).toContain(second);
    expect(done.attempts).toBeGreaterThan(running.attempts);
    events.abort();
    await stream;
    expect(seen.some((e) => e.id === roundJob && e.state === 'running' && e.progress > 0)).toBe(true);
    expect(seen.some((e) => e.id === roundJob && e.state === 'succeeded')).toBe(true);
    const rounds = (await db.query<{ number: number; n: number }>('SELECT number, COUNT(*)::int AS n FROM rounds WHERE project_id = 1 GROUP BY number ORDER BY number')).rows;
    expect(rounds).toEqual([{ number: 0, n: 1 }, { number: 1, n: 1 }]);
    expect((await db.query("SELECT id FROM jobs WHERE state IN ('queued', 'running')")).rows).toEqual([]);
    await startWorker(first);
  });

  it('delivers every SEG and KO to the PACS exactly once', async () => {
    const outbox = await until('the outbox to drain', async () => {
      const entries = (await call(replicas[0]!, 'GET', '/api/outbox')).json as Array<{ kind: string; state: string; attempts: number; payload: unknown }>;
      return entries.length > 0 && entries.every((e) => e.state === 'done') ? entries : null;
    });
    expect(outbox.map((e) => e.attempts)).toEqual(outbox.map(() => 1));
    const qido = async (route: string): Promise<unknown[]> => {
      const response = await fetch(`${orthanc.dicomWebUrl}${route}`, { headers: { Accept: 'application/dicom+json' } });
      return response.status === 204 ? [] : ((await response.json()) as unknown[]);
    };
    // One instance in the PACS per accepted mask (SEG) and per round and study (KO), each delivered by one attempt.
    expect(outbox.filter((e) => e.kind === 'stow-file' || e.kind === 'stow-seg')).toHaveLength(4);
    expect(await qido('/instances?Modality=SEG')).toHaveLength(4);
    const kos = outbox.filter((e) => e.kind === 'stow-ko').length;
    expect(kos).toBeGreaterThanOrEqual(2);
    expect(await qido('/instances?Modality=KO')).toHaveLength(kos);
  });

  it('fires a nightly schedule once across both workers', async () => {
    const created = (await call(replicas[1]!, 'POST', '/api/projects', { json: {
      name: 'nightly', source: 'pacs', filters: { modality: 'DX' }, classes: CLASSES, projection: 'pca', budget: { coldStart: 3, perRound: 2, total: 5 },
      encoder: { id: 'intensity-texture', inputSize: 64 }, model: { inputSize: 32, epochs: 2, depth: 2, baseChannels: 4 }, schedule: '0 2 * * *', timeZone: 'UTC',
    } })).json as { id: number };
    // Both workers again, on a clock 20 s before the project's first 02:00 UTC: the first after its
    // creation, so that no earlier 02:00 lies between creation and the clock (a missed run, caught up).
    const night = new Date();
    night.setUTCHours(2, 0, 0, 0);
    if (night.getTime() <= Date.now()) night.setUTCDate(night.getUTCDate() + 1);
    const clock = new Date(night.getTime() - 20_000).toISOString();
    await Promise.all([...workers.values()].map((w) => w.stop()));
    await Promise.all(['w1', 'w2'].map((name) => startWorker(name, { SCANSELECT_TEST_CLOCK: clock })));
    const jobsOf = async (): Promise<Array<{ kind: string; state: string }>> => (await db.query<{ kind: string; state: string }>('SELECT kind, state FROM jobs WHERE project_id = $1 ORDER BY id', [created.id])).rows;
    await until('the nightly sync and cold start', async () => {
      const rows = await jobsOf();
      return rows.length === 2 && rows.every((r) => r.state === 'succeeded') ? rows : null;
    });
    // Two more looks at the schedule by each worker (every 30 s, and the engine's cron every minute): nothing more.
    await new Promise((r) => setTimeout(r, 65_000));
    expect(await jobsOf()).toEqual([{ kind: 'sync', state: 'succeeded' }, { kind: 'round', state: 'succeeded' }]);
    expect((await db.query('SELECT number FROM rounds WHERE project_id = $1', [created.id])).rows).toEqual([{ number: 0 }]);
  });
});
