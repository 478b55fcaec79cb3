/**
 * The server end to end against the real Orthanc: phantom radiographs stored by STOW-RS in the
 * encodings a PACS holds (16-bit MONOCHROME2, MONOCHROME1, RGB, multi-frame, JPEG lossless made
 * with dcmtk, one corrupt, one of another modality); a sync stopped by a server restart midway
 * and resumed without duplicates or losses; cold start; KO documents and study metadata in the
 * PACS; claims; DICOM SEG masks that reach the PACS, also across an Orthanc outage; auto-retrain
 * with a tiny model and the next worklist. Skipped, with the reason printed, without Orthanc.
 */
import { chestPhantom, writeGrayPng } from '@scanselect/plugin';
import { derivedUid } from '../server/src/demo/phantomDataset';
import { readKeyObjectSelection, SECONDARY_CAPTURE_SOP_CLASS, writeSegmentation } from '../server/src/dicom';
import { DicomWebClient, type DicomJson } from '../server/src/pacs/dicomWebClient';
import { dcmtkAvailable, jpegLossless, makeInstance, withDoubledRows, type InstanceSpec } from './harness/dicomFixtures';
import { OrthancProcess, orthancAvailable } from './harness/orthanc';
import { startTestServer, type TestServer } from './harness/serverHarness';

const available = orthancAvailable() && dcmtkAvailable();
if (!available) process.stderr.write('orthancLoop.test.ts skipped: needs Orthanc and dcmtk (apt-get install -y orthanc orthanc-dicomweb dcmtk)\n');
const withOrthanc = available ? describe : describe.skip;
jest.setTimeout(300_000);

const SIZE = 64;
const CLASSES = ['right lung', 'left lung'];
interface Case { spec: InstanceSpec; mask: Uint8Array; kind: string }

/** 14 plain phantoms and one of each special encoding; the same phantom and mask per index. */
function cases(): Case[] {
  const kinds = [...Array<string>(14).fill('MONOCHROME2'), 'MONOCHROME1', 'RGB', 'multi-frame', 'JPEG lossless', 'corrupt', 'CT'];
  return kinds.map((kind, i) => {
    const p = chestPhantom({ seed: 100 + i, size: SIZE });
    const uid = (what: string): string => derivedUid(`orthanc-loop/${i}/${what}`);
    const spec: InstanceSpec = {
      studyUid: uid('study'), seriesUid: uid('series'), sopUid: uid('instance'), patientId: `PHANTOM-${i}`, modality: kind === 'CT' ? 'CT' : 'DX',
      rows: SIZE, columns: SIZE, pixel: (x, y) => (kind === 'RGB' ? p.pixels[y * SIZE + x]! >> 4 : p.pixels[y * SIZE + x]!),
      photometric: kind === 'MONOCHROME1' ? 'MONOCHROME1' : kind === 'RGB' ? 'RGB' : 'MONOCHROME2', frames: kind === 'multi-frame' ? 2 : 1,
    };
    return { spec, mask: p.mask, kind };
  });
}

function encode(c: Case): Uint8Array {
  if (c.kind === 'JPEG lossless') return jpegLossless(makeInstance(c.spec));
  if (c.kind === 'corrupt') return withDoubledRows(makeInstance(c.spec)); // claims 128 rows, holds 64: undecodable
  return makeInstance(c.spec);
}

withOrthanc('the server against Orthanc', () => {
  let orthanc: OrthancProcess;
  let t: TestServer;
  let dir: string;
  const all = cases();
  const bySop = new Map(all.map((c) => [c.spec.sopUid, c]));
  const config = () => ({
    sources: { pacs: { kind: 'dicomweb', url: orthanc.dicomWebUrl, orthancUrl: orthanc.url, timeoutMs: 5000 } },
    projects: [{
      name: 'pacs-loop', source: 'pacs', filters: { modality: 'DX' }, classes: CLASSES, projection: 'pca', budget: { coldStart: 6, perRound: 3, total: 9 },
      encoder: { id: 'intensity-texture', inputSize: 64 }, model: { inputSize: 32, epochs: 2, depth: 2, baseChannels: 4 },
    }],
  });
  const qido = async (route: string): Promise<DicomJson[]> => {
    const response = await fetch(`${orthanc.dicomWebUrl}${route}`, { headers: { Accept: 'application/dicom+json' } });
    return response.status === 204 ? [] : ((await response.json()) as DicomJson[]);
  };
  const seg = (c: Case): Uint8Array => writeSegmentation({
    source: { studyUid: c.spec.studyUid, seriesUid: c.spec.seriesUid, sopUid: c.spec.sopUid, sopClassUid: SECONDARY_CAPTURE_SOP_CLASS, patientId: c.spec.patientId, patientName: 'Test^Phantom', rows: SIZE, columns: SIZE },
    segments: CLASSES.map((label, i) => ({ number: i + 1, label, value: i + 1 })),
    labelMap: c.mask,
  });
  const submit = async (sopUid: string): Promise<{ status: number; json: { outboxId: number; queuedRoundJob: number | null } }> => {
    await t.call('POST', `/api/projects/1/cases/${sopUid}/claim`, { role: 'annotator' });
    return t.call('POST', `/api/projects/1/cases/${sopUid}/mask`, { role: 'annotator', body: seg(bySop.get(sopUid)!), type: 'application/dicom' });
  };
  const segSeries = async (studyUid: string): Promise<DicomJson[]> => qido(`/studies/${studyUid}/series?Modality=SEG`);

  beforeAll(async () => {
    orthanc = await OrthancProcess.start();
    const stored = await new DicomWebClient({ baseUrl: orthanc.dicomWebUrl }).store(all.map(encode));
    expect(stored).toEqual({ stored: all.length, failed: [] });
    t = await startTestServer(config(), { logRequests: true });
    dir = t.dir;
  }, 120_000);
  afterAll(async () => {
    await t?.dispose();
    await orthanc?.dispose();
  });

  it('resumes a sync stopped by a restart midway: nothing duplicated, nothing lost, bad instances recorded once', async () => {
    // Hold WADO-RS retrievals after the eighth, so that the restart surely falls in the middle.
    const realFetch = globalThis.fetch;
    let retrieved = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    globalThis.fetch = (async (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
      const url = String(input instanceof Request ? input.url : input);
      if (url.includes('/dicom-web/studies/') && url.includes('/instances/') && ++retrieved > 8) await gate;
      return realFetch(input, init);
    }) as typeof fetch;
    try {
      await t.call('POST', '/api/projects/1/sync', { role: 'service' });
      const stored = async (): Promise<number> => (await t.server.ctx.sql.get<{ n: number }>('SELECT COUNT(*) AS n FROM instances'))!.n;
      while ((await stored()) < 3) await new Promise((r) => setTimeout(r, 20));
      const stopping = t.stop();
      release();
      await stopping;
    } finally {
      globalThis.fetch = realFetch;
    }
    t = await startTestServer(config(), { dir, logRequests: true });
    const before = (await t.server.ctx.sql.get<{ n: number }>('SELECT COUNT(*) AS n FROM instances'))!;
    expect(before.n).toBeGreaterThanOrEqual(3); // what was stored before the stop stays stored …
    expect(before.n).toBeLessThanOrEqual(8); // … and the sync was stopped before the held retrievals
    await t.server.ctx.queue.idle();
    // The same job, requeued at start and run a second time, finished what the first run began.
    const resumed = (await t.server.ctx.jobs.get(1))!;
    expect(resumed).toMatchObject({ state: 'succeeded', attempts: 2, result: { listed: 19, fresh: 19 - before.n } });
    const result = resumed.result as { fresh: number; embedded: number; failed: number };
    expect(result.embedded + result.failed).toBe(result.fresh);
    const rows = await t.server.ctx.sql.all<{ sop_uid: string; status: string; error: string | null; frames: number }>('SELECT sop_uid, status, error, frames FROM instances ORDER BY sop_uid');
    expect(rows).toHaveLength(19); // every DX instance once; the CT one filtered out
    const corrupt = rows.find((r) => bySop.get(r.sop_uid)!.kind === 'corrupt')!;
    expect(corrupt).toMatchObject({ status: 'failed', error: expect.stringMatching(/pixel/i) });
    expect(rows.filter((r) => r.status === 'embedded')).toHaveLength(18);
    expect(rows.find((r) => bySop.get(r.sop_uid)!.kind === 'multi-frame')!.frames).toBe(2);
    await t.call('POST', '/api/projects/1/sync', { role: 'service' });
    await t.server.ctx.queue.idle();
    expect((await t.server.ctx.jobs.list()).at(-1)).toMatchObject({ state: 'succeeded', result: { listed: 19, fresh: 0 } });
  });

  it('runs the cold start and puts the worklist in the PACS: KO documents in rank order and study metadata', async () => {
    await t.call('POST', '/api/projects/1/rounds', { role: 'service' });
    await t.server.ctx.queue.idle();
    const worklist = (await t.call('GET', '/api/projects/1/worklist', { role: 'annotator' })).json as Array<{ sopUid: string; studyUid: string; rank: number; priority: string }>;
    expect(worklist).toHaveLength(6);
    await t.server.outboxWorker!.flush();
    expect((await t.server.ctx.outbox.list({ state: 'pending' }))).toEqual([]);
    const client = new DicomWebClient({ baseUrl: orthanc.dicomWebUrl });
    for (const item of worklist) {
      const [series] = await qido(`/studies/${item.studyUid}/series?Modality=KO`);
      expect(series).toBeDefined();
      const seriesUid = String(series!['0020000E']!.Value![0]);
      const [instance] = await qido(`/studies/${item.studyUid}/series/${seriesUid}/instances`);
      const ko = readKeyObjectSelection(await client.retrieveInstance({ studyUid: item.studyUid, seriesUid, sopUid: String(instance!['00080018']!.Value![0]) }));
      expect(ko.title).toBe('ScanSelect worklist: pacs-loop round 0');
      const expected = worklist.filter((w) => w.studyUid === item.studyUid);
      expect(ko.items.map((i) => [i.sopUid, i.rank, i.priority])).toEqual(expected.map((w) => [w.sopUid, w.rank, w.priority]));
      const [found] = (await (await fetch(`${orthanc.url}/tools/lookup`, { method: 'POST', body: item.studyUid })).json()) as Array<{ ID: string; Type: string }>;
      const metadata = JSON.parse(await (await fetch(`${orthanc.url}/studies/${found!.ID}/metadata/ScanSelect`)).text());
      expect(metadata).toEqual({ project: 'pacs-loop', round: 0, cases: expected.map((w) => ({ sopUid: w.sopUid, rank: w.rank, priority: w.priority })) });
    }
  });

  it('keeps a SEG submitted while the PACS is down and stores it once the PACS is back', async () => {
    const [first] = (await t.call('GET', '/api/projects/1/worklist', { role: 'annotator' })).json as Array<{ sopUid: string; studyUid: string }>;
    const other = (await t.call('POST', '/api/tokens', { role: 'admin', json: { name: 'other radiologist', role: 'annotator' } })).json.token as string;
    expect((await t.call('POST', `/api/projects/1/cases/${first!.sopUid}/claim`, { token: other })).status).toBe(200);
    expect((await t.call('POST', `/api/projects/1/cases/${first!.sopUid}/claim`, { role: 'annotator' })).json.code).toBe('claimed-by-another');
    expect((await t.call('DELETE', `/api/projects/1/cases/${first!.sopUid}/claim`, { token: other })).status).toBe(200);
    await orthanc.stop();
    const receipt = await submit(first!.sopUid);
    expect(receipt.status).toBe(201); // stored durably here; the PACS is not needed to accept it
    await t.server.outboxWorker!.flush();
    const pending = (await t.server.ctx.outbox.get(receipt.json.outboxId))!;
    expect(pending).toMatchObject({ state: 'pending', attempts: 1, lastError: expect.stringMatching(/unreachable|fetch failed|ECONNREFUSED/i) });
    await orthanc.resume();
    expect(await segSeries(first!.studyUid)).toEqual([]);
    (await t.server.ctx.outbox.retryNow());
    await t.server.outboxWorker!.flush();
    expect((await t.server.ctx.outbox.get(receipt.json.outboxId))).toMatchObject({ state: 'done' });
    expect(await segSeries(first!.studyUid)).toHaveLength(1);
  });

  it('sends PNG masks to the PACS as SEG too, retrains when the worklist is done, and selects the next worklist', async () => {
    const open = (await t.call('GET', '/api/projects/1/worklist?status=open', { role: 'annotator' })).json as Array<{ sopUid: string; studyUid: string }>;
    const [png, ...rest] = open;
    await t.call('POST', `/api/projects/1/cases/${png!.sopUid}/claim`, { role: 'annotator' });
    const viaPng = await t.call('POST', `/api/projects/1/cases/${png!.sopUid}/mask`, { role: 'annotator', body: writeGrayPng(bySop.get(png!.sopUid)!.mask, SIZE, SIZE), type: 'image/png' });
    expect([viaPng.status, viaPng.json.message]).toEqual([201, undefined]);
    const receipts = [];
    for (const item of rest) receipts.push((await submit(item.sopUid)).json);
    expect(receipts.at(-1)!.queuedRoundJob).toEqual(expect.any(Number));
    await t.server.ctx.queue.idle();
    await t.server.outboxWorker!.flush();
    expect((await t.server.ctx.outbox.list({ state: 'pending' }))).toEqual([]);
    for (const item of open) expect(await segSeries(item.studyUid)).toHaveLength(1);
    const next = (await t.call('GET', '/api/projects/1/worklist', { role: 'annotator' })).json as Array<{ round: number; entropy: number; sopUid: string }>;
    expect(next).toHaveLength(3);
    expect(next.every((i) => i.round === 1 && i.entropy > 0)).toBe(true);
    const labelled = new Set(open.map((o) => o.sopUid));
    expect(next.some((i) => labelled.has(i.sopUid))).toBe(false);
    expect(next.some((i) => ['corrupt', 'CT'].includes(bySop.get(i.sopUid)!.kind))).toBe(false);
  });

  it('never writes patient identifiers to its log', () => {
    expect(t.logs.length).toBeGreaterThan(10); // requests, jobs and the outage's failed deliveries
    expect(t.logs.some((l) => l.includes('outbox'))).toBe(true);
    for (const line of t.logs) expect(line).not.toMatch(/PHANTOM-\d|Test\^Phantom/);
    const uids = all.flatMap((c) => [c.spec.studyUid, c.spec.seriesUid, c.spec.sopUid]);
    for (const line of t.logs) expect(uids.filter((uid) => line.includes(uid))).toEqual([]);
    expect(t.logs.some((l) => l.includes('<uid>'))).toBe(true); // request paths do carry them, redacted
  });
});
