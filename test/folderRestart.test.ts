/**
 * A folder source's rounds right after a restart, with no sync in between: the sync stores where
 * each instance was found, and a fresh server reads the files from there — for a round queued
 * after the restart and for a round a crash (kill -9) left running, which the restart requeues.
 * The pixel cache is off, so every model input is read from the folder. Tiny model, real training.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { readPng } from '@scanselect/plugin';
import { writePhantomDataset, type PhantomCase } from '../server/src/demo/phantomDataset';
import { SECONDARY_CAPTURE_SOP_CLASS, writeSegmentation } from '../server/src/dicom';
import { JobStore } from '../server/src/jobs/jobStore';
import { startTestServer, type TestServer } from './harness/serverHarness';
import { openTestServerSql, testingPostgres } from './harness/testDatabase';

jest.setTimeout(300_000);

const CLASSES = ['right lung', 'left lung'];
let t: TestServer;
let cases: Map<string, PhantomCase>;
const config = (dir: string) => ({
  cacheMaxMb: 0,
  sources: { phantoms: { kind: 'folder', path: path.join(dir, 'phantoms', 'dicom') } },
  projects: [{
    name: 'restart', source: 'phantoms', classes: CLASSES, projection: 'pca', budget: { coldStart: 4, perRound: 2, total: 10 },
    encoder: { id: 'intensity-texture', inputSize: 32 }, model: { inputSize: 32, epochs: 1, depth: 2, baseChannels: 4 },
  }],
});
const restart = async (): Promise<void> => {
  await t.stop();
  t = await startTestServer(config(t.dir), { dir: t.dir });
};

async function labelOpenCases(): Promise<void> {
  const open = (await t.call('GET', '/api/projects/1/worklist?status=open', { role: 'annotator' })).json as Array<{ sopUid: string }>;
  for (const { sopUid } of open) {
    const phantom = cases.get(sopUid)!;
    const truth = readPng(await fs.readFile(phantom.truthFile));
    const seg = writeSegmentation({
      source: { studyUid: phantom.studyUid, seriesUid: phantom.seriesUid, sopUid, sopClassUid: SECONDARY_CAPTURE_SOP_CLASS, patientId: phantom.patientId, patientName: 'Phantom^Chest', rows: truth.height, columns: truth.width },
      segments: CLASSES.map((label, i) => ({ number: i + 1, label, value: i + 1 })),
      labelMap: Uint8Array.from(truth.data),
    });
    expect((await t.call('POST', `/api/projects/1/cases/${sopUid}/claim`, { role: 'annotator' })).status).toBe(200);
    expect((await t.call('POST', `/api/projects/1/cases/${sopUid}/mask`, { role: 'annotator', body: seg, type: 'application/dicom' })).status).toBe(201);
  }
}

/** The project's round jobs: [state, error] in order. */
const roundJobs = async () => (await t.server.ctx.jobs.list({ projectId: 1 })).filter((j) => j.kind === 'round').sort((a, b) => a.id - b.id).map((j) => [j.state, j.error]);

beforeAll(async () => {
  t = await startTestServer({ sources: { phantoms: { kind: 'folder', path: 'unused' } } });
  await t.stop();
  cases = new Map((await writePhantomDataset(path.join(t.dir, 'phantoms'), 12, 11, 32)).map((c) => [c.sopUid, c]));
  t = await startTestServer(config(t.dir), { dir: t.dir });
  await t.call('POST', '/api/projects/1/sync', { role: 'service' });
  await t.server.ctx.queue.idle();
  await t.call('POST', '/api/projects/1/rounds', { role: 'service' });
  await t.server.ctx.queue.idle();
});
afterAll(async () => {
  await t.dispose();
});

describe('a folder source after a restart, without a sync', () => {
  it('stores where the sync found each instance', async () => {
    const rows = await t.server.ctx.sql.all<{ sop_uid: string; location: string | null }>('SELECT sop_uid, location FROM instances WHERE project_id = 1');
    expect(rows).toHaveLength(12);
    for (const row of rows) expect(path.join(t.dir, 'phantoms', 'dicom', row.location!)).toBe(cases.get(row.sop_uid)!.file);
  });

  it('fills in locations a database from before schema v5 lacks, at the next sync', async () => {
    const missing = async (): Promise<number> => (await t.server.ctx.sql.get<{ n: number }>('SELECT count(*) AS n FROM instances WHERE location IS NULL'))!.n;
    await t.server.ctx.sql.run('UPDATE instances SET location = NULL');
    expect(await missing()).toBe(12);
    await t.call('POST', '/api/projects/1/sync', { role: 'service' });
    await t.server.ctx.queue.idle();
    expect(await missing()).toBe(0);
  });

  it('runs an active-learning round right after a restart', async () => {
    await restart();
    await labelOpenCases(); // the last mask queues round 1
    await t.server.ctx.queue.idle();
    expect((await roundJobs())).toEqual([['succeeded', null], ['succeeded', null]]);
    expect((await t.call('GET', '/api/projects/1/worklist?round=1', { role: 'annotator' })).json).toHaveLength(2);
  });

  // On PostgreSQL the job engine holds what a crash left running, and takes it up after its
  // time-out: test/jobEngine.test.ts and test/cluster.test.ts (SIGKILL mid-training) test that.
  (testingPostgres() ? it.skip : it)('runs a round a crash left running, once the restart has requeued it', async () => {
    await t.stop();
    const sql = await openTestServerSql(t.dir);
    const jobs = new JobStore(sql);
    const crashed = await jobs.enqueue('round', 1);
    expect((await jobs.claimNext(['round']))!.id).toBe(crashed.id); // running, as kill -9 leaves it
    await sql.close();
    t = await startTestServer(config(t.dir), { dir: t.dir });
    await t.server.ctx.queue.idle();
    expect(t.logs.join('\n')).toMatch(new RegExp(`requeued jobs interrupted by the last stop: ${crashed.id}\\b`));
    expect((await roundJobs()).at(-1)).toEqual(['succeeded', null]);
    expect((await t.call('GET', '/api/projects/1/rounds', { role: 'annotator' })).json.map((r: { number: number }) => r.number)).toEqual([0, 1, 2]);
  });
});
