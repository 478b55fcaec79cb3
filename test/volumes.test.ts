/**
 * CT/MR volumes end to end against the real Orthanc (issue 16): two brain volumes converted from
 * IBSR18 NIfTI to DICOM MR series (a synthetic head where ../shared is absent), a series with a
 * missing slice and one Enhanced MR multi-frame instance are stored by STOW-RS; the sync
 * assembles the two volumes (slices ordered by position along the normal, not by UID), refuses the
 * gapped series with its reason and keeps the multi-frame instance as one image; a project whose
 * selection unit is the slice, at most 2 per volume, runs its cold start on slices only; a PNG
 * mask on a slice from the middle of a volume reaches the PACS as a SEG that references that
 * slice; a SEG of the whole volume (as a 3-D tool writes one) is accepted for one of its slices,
 * only that slice read; the next round keeps to the cap. Skipped, with the reason printed, without Orthanc.
 */
import { readSegmentation, writeEnhancedMr, writeMrSeries, writeSegmentation, MR_IMAGE_SOP_CLASS } from '../server/src/dicom';
import { derivedUid } from '../server/src/demo/phantomDataset';
import { DicomWebClient, type DicomJson } from '../server/src/pacs/dicomWebClient';
import { readPng, writeGrayPng } from '@scanselect/plugin';
import { OrthancProcess, orthancAvailable } from './harness/orthanc';
import { startTestServer, type TestServer } from './harness/serverHarness';
import { brainVolume, type VolumeFixture } from './harness/volumeFixtures';

const available = orthancAvailable();
if (!available) process.stderr.write('volumes.test.ts skipped: needs Orthanc (apt-get install -y orthanc orthanc-dicomweb)\n');
const withOrthanc = available ? describe : describe.skip;
jest.setTimeout(300_000);

const CLASSES = ['CSF', 'grey matter', 'white matter'];
const SLICES = 10;

interface Item { sopUid: string; studyUid: string; seriesUid: string; round: number; rank: number; slice: { index: number; count: number; offsetMm: number } | null }

withOrthanc('CT/MR volumes against Orthanc', () => {
  let orthanc: OrthancProcess;
  let t: TestServer;
  const a = brainVolume('volumes-a', 'IBSR_01', SLICES);
  const b = brainVolume('volumes-b', 'IBSR_03', SLICES);
  const c = brainVolume('volumes-c', 'IBSR_07', SLICES);
  const gapped = brainVolume('volumes-gap', 'IBSR_04', 6);
  const enhanced = brainVolume('volumes-enhanced', 'IBSR_05', 4);
  const volumes = new Map<string, VolumeFixture>([[a.spec.seriesUid, a], [b.spec.seriesUid, b], [c.spec.seriesUid, c]]);
  const sliceOf = (sopUid: string): { volume: VolumeFixture; k: number } => {
    for (const volume of volumes.values()) {
      const k = volume.sopUids.indexOf(sopUid);
      if (k >= 0) return { volume, k };
    }
    throw new Error(`${sopUid} is not a slice of a test volume`);
  };
  const worklist = async (query = '', project = 1): Promise<Item[]> => (await t.call('GET', `/api/projects/${project}/worklist${query}`, { role: 'annotator' })).json as Item[];
  const perVolume = (items: readonly Item[]): number[] => [...volumes.keys()].map((series) => items.filter((i) => i.seriesUid === series).length);
  const segOf = (item: Item, moreSlices = false): Uint8Array => {
    const { volume, k } = sliceOf(item.sopUid);
    return writeSegmentation({
      source: { studyUid: item.studyUid, seriesUid: item.seriesUid, sopUid: item.sopUid, sopClassUid: MR_IMAGE_SOP_CLASS, rows: volume.spec.rows, columns: volume.spec.columns },
      segments: CLASSES.map((label, i) => ({ number: i + 1, label, value: i + 1 })), labelMap: volume.labels[k]!,
      moreSlices: moreSlices ? volume.sopUids.flatMap((sopUid, j) => (j === k ? [] : [{ sopUid, labelMap: volume.labels[j]! }])) : [],
    });
  };

  beforeAll(async () => {
    process.stderr.write(`volumes.test.ts: volumes from ${a.origin}, ${b.origin} and ${c.origin}\n`);
    orthanc = await OrthancProcess.start();
    const gap = writeMrSeries(gapped.spec, gapped.sopUids).filter((_, k) => k !== 3); // slice 3 missing
    const objects = [...[a, b, c].flatMap((v) => writeMrSeries(v.spec, v.sopUids)), ...gap, writeEnhancedMr(enhanced.spec, enhanced.sopUids[0]!)];
    expect(await new DicomWebClient({ baseUrl: orthanc.dicomWebUrl }).store(objects)).toEqual({ stored: objects.length, failed: [] });
    t = await startTestServer({
      sources: { pacs: { kind: 'dicomweb', url: orthanc.dicomWebUrl, orthancUrl: orthanc.url, timeoutMs: 10_000 } },
      projects: [{
        name: 'brain', source: 'pacs', filters: { modality: 'MR' }, classes: CLASSES, projection: 'pca', budget: { coldStart: 4, perRound: 2, total: 6 },
        selection: { unit: 'slice', maxPerVolume: 2 }, encoder: { id: 'intensity-texture', inputSize: 64 }, model: { inputSize: 32, epochs: 2, depth: 2, baseChannels: 4 },
      }, {
        name: 'brain-volumes', source: 'pacs', filters: { modality: 'MR' }, classes: CLASSES, projection: 'pca', budget: { coldStart: 2, perRound: 1, total: 3 },
        selection: { unit: 'volume' }, encoder: { id: 'intensity-texture', inputSize: 64 }, model: { inputSize: 32, epochs: 2, depth: 2, baseChannels: 4 },
      }],
    });
  }, 180_000);
  afterAll(async () => {
    await t?.dispose();
    await orthanc?.dispose();
  });

  it('assembles the volumes by position along the normal, refuses the gapped series, keeps the multi-frame instance as an image', async () => {
    await t.call('POST', '/api/projects/1/sync', { role: 'service' });
    await t.server.ctx.queue.idle();
    const job = (await t.server.ctx.jobs.list()).at(-1)!;
    expect(job).toMatchObject({ state: 'succeeded', result: { embedded: 3 * SLICES + 5 + 1, failed: 0, volumes: { assembled: 3, refused: 1 } } });
    expect((job.result as { volumes: { reasons: string[] } }).volumes.reasons[0]).toMatch(/gap of .* mm/);
    const rows = await t.server.ctx.sql.all<{ sop_uid: string; series_uid: string; slice_index: number | null; slice_offset_mm: number | null; frames: number }>(
      'SELECT sop_uid, series_uid, slice_index, slice_offset_mm, frames FROM instances');
    for (const volume of [a, b, c]) {
      for (let k = 0; k < SLICES; k++) {
        const row = rows.find((r) => r.sop_uid === volume.sopUids[k])!;
        expect(Number(row.slice_index)).toBe(k);
        expect(Number(row.slice_offset_mm)).toBeCloseTo(k * volume.spec.sliceSpacing, 3);
      }
    }
    expect(rows.filter((r) => r.series_uid === gapped.spec.seriesUid).every((r) => r.slice_index === null)).toBe(true);
    expect(rows.find((r) => r.sop_uid === enhanced.sopUids[0])).toMatchObject({ frames: 4, slice_index: null });
    const status = (await t.call('GET', '/api/projects/1/sync-status', { role: 'admin' })).json;
    expect(status.volumes).toEqual({ volumes: 3, slices: 3 * SLICES, refused: 1, reasons: [{ reason: expect.stringMatching(/gap/), count: 1 }] });
  });

  it('selects slices of volumes only, at most 2 per volume, and says where each lies', async () => {
    await t.call('POST', '/api/projects/1/rounds', { role: 'service' });
    await t.server.ctx.queue.idle();
    const items = await worklist();
    expect(items).toHaveLength(4);
    for (const item of items) {
      const { volume, k } = sliceOf(item.sopUid);
      expect(item.slice).toEqual({ index: k, count: SLICES, offsetMm: expect.closeTo(k * volume.spec.sliceSpacing, 3) });
    }
    expect(Math.max(...perVolume(items))).toBeLessThanOrEqual(2);
  });

  it('turns a PNG mask on a slice into a SEG that references that slice, in the PACS', async () => {
    const items = await worklist();
    // The item nearest the middle of its volume.
    const middle = [...items].sort((x, y) => Math.abs(x.slice!.index - SLICES / 2) - Math.abs(y.slice!.index - SLICES / 2))[0]!;
    const { volume, k } = sliceOf(middle.sopUid);
    await t.call('POST', `/api/projects/1/cases/${middle.sopUid}/claim`, { role: 'annotator' });
    const png = writeGrayPng(volume.labels[k]!, volume.spec.columns, volume.spec.rows);
    const receipt = await t.call('POST', `/api/projects/1/cases/${middle.sopUid}/mask`, { role: 'annotator', body: png, type: 'image/png' });
    expect([receipt.status, receipt.json.message]).toEqual([201, undefined]);
    await t.server.outboxWorker!.flush();
    const qido = async (route: string): Promise<DicomJson[]> => {
      const response = await fetch(`${orthanc.dicomWebUrl}${route}`, { headers: { Accept: 'application/dicom+json' } });
      return response.status === 204 ? [] : ((await response.json()) as DicomJson[]);
    };
    const [series] = await qido(`/studies/${middle.studyUid}/series?Modality=SEG`);
    const segSeriesUid = String(series!['0020000E']!.Value![0]);
    const [instance] = await qido(`/studies/${middle.studyUid}/series/${segSeriesUid}/instances`);
    const bytes = await new DicomWebClient({ baseUrl: orthanc.dicomWebUrl }).retrieveInstance({ studyUid: middle.studyUid, seriesUid: segSeriesUid, sopUid: String(instance!['00080018']!.Value![0]) });
    const seg = readSegmentation(bytes);
    expect(seg.frames.length).toBeGreaterThan(0);
    expect(new Set(seg.frames.map((f) => f.referencedSopUid))).toEqual(new Set([middle.sopUid]));
    expect([seg.rows, seg.columns]).toEqual([volume.spec.rows, volume.spec.columns]);
  });

  it('keeps to a cap changed between rounds (1 per volume) in the next round, after every case is labelled', async () => {
    const patched = await t.call('PATCH', '/api/projects/1', { role: 'admin', json: { selection: { maxPerVolume: 1 } } });
    expect(patched.json.settings.selection).toEqual({ unit: 'slice', sliceSpacingMm: null, maxPerVolume: 1 });
    const open = await worklist('?status=open');
    for (const [n, item] of open.entries()) {
      const { volume, k } = sliceOf(item.sopUid);
      await t.call('POST', `/api/projects/1/cases/${item.sopUid}/claim`, { role: 'annotator' });
      // The first as a SEG of the whole volume, as a 3-D tool makes one: only the case's slice is read.
      const receipt = await t.call('POST', `/api/projects/1/cases/${item.sopUid}/mask`, { role: 'annotator', body: segOf(item, n === 0), type: 'application/dicom' });
      expect([receipt.status, receipt.json.message]).toEqual([201, undefined]);
      if (n === 0) {
        const stored = await t.call('GET', `/api/projects/1/cases/${item.sopUid}/mask`, { role: 'annotator' });
        expect(Uint8Array.from(readPng(stored.bytes).data)).toEqual(volume.labels[k]);
      }
    }
    await t.server.ctx.queue.idle();
    const next = (await worklist()).filter((i) => i.round === 1);
    expect(next).toHaveLength(2);
    const first = new Set((await worklist()).filter((i) => i.round === 0).map((i) => i.sopUid));
    for (const item of next) expect(first.has(item.sopUid)).toBe(false);
    expect(Math.max(...perVolume(next))).toBe(1);
    const rounds = (await t.call('GET', '/api/projects/1/rounds', { role: 'admin' })).json as Array<{ number: number; report: { notes: string[]; poolSize: number } }>;
    for (const round of rounds) {
      expect(round.report.notes).toContain('selection unit slice: 6 image(s) that are not slices of a volume left out'); // 5 gapped slices, 1 multi-frame
      expect(round.report.poolSize).toBe(3 * SLICES);
    }
  });

  it('volume unit: the cold start picks volumes and their most typical slice, a round the remaining volume\'s most uncertain slice', async () => {
    await t.call('POST', '/api/projects/2/sync', { role: 'service' });
    await t.server.ctx.queue.idle();
    await t.call('POST', '/api/projects/2/rounds', { role: 'service' });
    await t.server.ctx.queue.idle();
    const cold = await worklist('', 2);
    expect(cold).toHaveLength(2);
    expect(perVolume(cold).sort()).toEqual([0, 1, 1]); // two different volumes, one slice each
    for (const item of cold) {
      await t.call('POST', `/api/projects/2/cases/${item.sopUid}/claim`, { role: 'annotator' });
      expect((await t.call('POST', `/api/projects/2/cases/${item.sopUid}/mask`, { role: 'annotator', body: segOf(item), type: 'application/dicom' })).status).toBe(201);
    }
    await t.server.ctx.queue.idle();
    const next = (await worklist('', 2)).filter((i) => i.round === 1);
    expect(next).toHaveLength(1);
    expect(perVolume([...cold, ...next])).toEqual([1, 1, 1]); // the volume not chosen yet
    const rounds = (await t.call('GET', '/api/projects/2/rounds', { role: 'admin' })).json as Array<{ report: { notes: string[]; poolSize: number } }>;
    expect(rounds.map((r) => r.report.poolSize)).toEqual([3, 3]);
    expect(rounds[1]!.report.notes).toContain('selection unit volume: 3 volume(s), 1 not chosen yet');
    // The map shows each volume once, by the slice chosen from it where one was.
    const map = (await t.call('GET', '/api/projects/2/rounds/1/map', { role: 'annotator' })).json as { points: Array<{ sopUid: string }> };
    for (const item of [...cold, ...next]) expect(map.points.map((p) => p.sopUid)).toContain(item.sopUid);
  });

  it('refuses a derived UID that is not one of the test volumes (the fixture means what it says)', () => {
    expect(() => sliceOf(derivedUid('elsewhere'))).toThrow(/not a slice/);
  });
});
