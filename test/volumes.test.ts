/**
 * CT/MR volumes end to end against the real Orthanc (issue 16): two brain volumes converted from
 * IBSR18 NIfTI to DICOM MR series (a synthetic head where ../shared is absent), a series with a
 * missing slice and one Enhanced MR multi-frame instance are stored by STOW-RS; the sync
 * assembles the volumes (slices ordered by position along the normal, not by UID; the enhanced
 * instance's frames are a volume of one case per frame), refuses the gapped series with its reason;
 * a project whose selection unit is the slice, at most 2 per volume, runs its cold start on slices
 * only; a PNG mask on a slice from the middle of a volume reaches the PACS as a SEG that references
 * that slice; a SEG of the whole volume (as a 3-D tool writes one) is accepted for one of its
 * slices, only that slice read; the next round keeps to the cap. On the enhanced instance alone: a
 * cold start and a round on its frames, a PNG mask on a frame reaches the PACS as a SEG whose
 * Referenced Frame Number is that frame, a SEG of all its frames is read on the case's frame only,
 * and the worklist's KO names the frames. Skipped, with the reason printed, without Orthanc.
 */
import { readKeyObjectSelection, readSegmentation, writeEnhancedMr, writeMrSeries, writeSegmentation, ENHANCED_MR_IMAGE_SOP_CLASS, MR_IMAGE_SOP_CLASS } from '../server/src/dicom';
import { derivedUid } from '../server/src/demo/phantomDataset';
import { DicomWebClient, type DicomJson } from '../server/src/pacs/dicomWebClient';
import { unzipSync } from 'fflate';
import { readDicom, readPng, toGrayscale, writeGrayPng } from '@scanselect/plugin';
import { linear16 } from '../server/src/export/encodeCase';
import { OrthancProcess, orthancAvailable } from './harness/orthanc';
import { startTestServer, type TestServer } from './harness/serverHarness';
import { brainVolume, type VolumeFixture } from './harness/volumeFixtures';

const available = orthancAvailable();
if (!available) process.stderr.write('volumes.test.ts skipped: needs Orthanc (apt-get install -y orthanc orthanc-dicomweb)\n');
const withOrthanc = available ? describe : describe.skip;
jest.setTimeout(300_000);

const CLASSES = ['CSF', 'grey matter', 'white matter'];
const SLICES = 10;

interface Item { sopUid: string; instanceUid: string; frame: number | null; studyUid: string; seriesUid: string; round: number; rank: number; slice: { index: number; count: number; offsetMm: number } | null }

withOrthanc('CT/MR volumes against Orthanc', () => {
  let orthanc: OrthancProcess;
  let t: TestServer;
  const a = brainVolume('volumes-a', 'IBSR_01', SLICES);
  const b = brainVolume('volumes-b', 'IBSR_03', SLICES);
  const c = brainVolume('volumes-c', 'IBSR_07', SLICES);
  const gapped = brainVolume('volumes-gap', 'IBSR_04', 6);
  const enhancedSource = brainVolume('volumes-enhanced', 'IBSR_05', 4);
  const enhancedUid = enhancedSource.sopUids[0]!;
  // One instance; its frames are the cases '<uid>:1' … '<uid>:4' (server/src/domain/caseKey.ts).
  const enhanced: VolumeFixture = { ...enhancedSource, spec: { ...enhancedSource.spec, studyDescription: 'Enhanced brain MR' }, sopUids: enhancedSource.labels.map((_, k) => `${enhancedUid}:${k + 1}`) };
  const volumes = new Map<string, VolumeFixture>([[a.spec.seriesUid, a], [b.spec.seriesUid, b], [c.spec.seriesUid, c], [enhanced.spec.seriesUid, enhanced]]);
  const sliceOf = (sopUid: string): { volume: VolumeFixture; k: number } => {
    for (const volume of volumes.values()) {
      const k = volume.sopUids.indexOf(sopUid);
      if (k >= 0) return { volume, k };
    }
    throw new Error(`${sopUid} is not a slice of a test volume`);
  };
  const worklist = async (query = '', project = 1): Promise<Item[]> => (await t.call('GET', `/api/projects/${project}/worklist${query}`, { role: 'annotator' })).json as Item[];
  const perVolume = (items: readonly Item[]): number[] => [...volumes.keys()].map((series) => items.filter((i) => i.seriesUid === series).length);
  // A SEG of the item's slice, or (moreSlices) of its whole volume as a 3-D tool writes one: every frame of the enhanced instance, or every slice of a series.
  const segOf = (item: Item, moreSlices = false): Uint8Array => {
    const { volume, k } = sliceOf(item.sopUid);
    const sourceSop = (j: number): { sopUid: string; frame?: number } => (volume === enhanced ? { sopUid: enhancedUid, frame: j + 1 } : { sopUid: volume.sopUids[j]! });
    return writeSegmentation({
      source: { studyUid: item.studyUid, seriesUid: item.seriesUid, ...sourceSop(k), sopClassUid: volume === enhanced ? ENHANCED_MR_IMAGE_SOP_CLASS : MR_IMAGE_SOP_CLASS, rows: volume.spec.rows, columns: volume.spec.columns },
      segments: CLASSES.map((label, i) => ({ number: i + 1, label, value: i + 1 })), labelMap: volume.labels[k]!,
      moreSlices: moreSlices ? volume.sopUids.flatMap((_, j) => (j === k ? [] : [{ ...sourceSop(j), labelMap: volume.labels[j]! }])) : [],
    });
  };
  const qido = async (route: string): Promise<DicomJson[]> => {
    const response = await fetch(`${orthanc.dicomWebUrl}${route}`, { headers: { Accept: 'application/dicom+json' } });
    return response.status === 204 ? [] : ((await response.json()) as DicomJson[]);
  };
  /** The instances of `modality` the PACS holds in `studyUid`, as stored. */
  const stored = async (studyUid: string, modality: string): Promise<Uint8Array[]> => {
    const client = new DicomWebClient({ baseUrl: orthanc.dicomWebUrl });
    const found = await qido(`/studies/${studyUid}/instances?Modality=${modality}`);
    return Promise.all(found.map((i) => client.retrieveInstance({ studyUid, seriesUid: String(i['0020000E']!.Value![0]), sopUid: String(i['00080018']!.Value![0]) })));
  };

  beforeAll(async () => {
    process.stderr.write(`volumes.test.ts: volumes from ${a.origin}, ${b.origin} and ${c.origin}\n`);
    orthanc = await OrthancProcess.start();
    const gap = writeMrSeries(gapped.spec, gapped.sopUids).filter((_, k) => k !== 3); // slice 3 missing
    const objects = [...[a, b, c].flatMap((v) => writeMrSeries(v.spec, v.sopUids)), ...gap, writeEnhancedMr(enhanced.spec, enhancedUid)];
    expect(await new DicomWebClient({ baseUrl: orthanc.dicomWebUrl }).store(objects)).toEqual({ stored: objects.length, failed: [] });
    t = await startTestServer({
      sources: { pacs: { kind: 'dicomweb', url: orthanc.dicomWebUrl, orthancUrl: orthanc.url, timeoutMs: 10_000 } },
      projects: [{
        name: 'brain', source: 'pacs', filters: { modality: 'MR' }, classes: CLASSES, projection: 'pca', budget: { coldStart: 4, perRound: 2, total: 6 },
        selection: { unit: 'slice', maxPerVolume: 2 }, encoder: { id: 'intensity-texture', inputSize: 64 }, model: { inputSize: 32, epochs: 2, depth: 2, baseChannels: 4 },
      }, {
        name: 'brain-volumes', source: 'pacs', filters: { modality: 'MR' }, classes: CLASSES, projection: 'pca', budget: { coldStart: 2, perRound: 1, total: 3 },
        selection: { unit: 'volume' }, encoder: { id: 'intensity-texture', inputSize: 64 }, model: { inputSize: 32, epochs: 2, depth: 2, baseChannels: 4 },
      }, {
        name: 'enhanced', source: 'pacs', filters: { modality: 'MR', studyDescription: 'Enhanced*' }, classes: CLASSES, projection: 'pca', budget: { coldStart: 2, perRound: 1, total: 3 },
        selection: { unit: 'slice' }, encoder: { id: 'intensity-texture', inputSize: 64 }, model: { inputSize: 32, epochs: 2, depth: 2, baseChannels: 4 },
      }],
    });
  }, 180_000);
  afterAll(async () => {
    await t?.dispose();
    await orthanc?.dispose();
  });

  it('assembles the volumes by position along the normal, the enhanced instance\'s frames as one, and refuses the gapped series', async () => {
    await t.call('POST', '/api/projects/1/sync', { role: 'service' });
    await t.server.ctx.queue.idle();
    const job = (await t.server.ctx.jobs.list()).at(-1)!;
    expect(job).toMatchObject({ state: 'succeeded', result: { embedded: 3 * SLICES + 5 + 1, failed: 0, volumes: { assembled: 4, refused: 1 } } });
    expect((job.result as { volumes: { reasons: string[] } }).volumes.reasons[0]).toMatch(/gap of .* mm/);
    const rows = await t.server.ctx.sql.all<{ sop_uid: string; instance_uid: string; frame: number | null; series_uid: string; slice_index: number | null; slice_offset_mm: number | null; frames: number }>(
      'SELECT sop_uid, instance_uid, frame, series_uid, slice_index, slice_offset_mm, frames FROM instances WHERE project_id = 1');
    for (const volume of [a, b, c, enhanced]) {
      for (let k = 0; k < volume.sopUids.length; k++) {
        const row = rows.find((r) => r.sop_uid === volume.sopUids[k])!;
        expect(Number(row.slice_index)).toBe(k);
        expect(Number(row.slice_offset_mm)).toBeCloseTo(k * volume.spec.sliceSpacing, 3);
      }
    }
    expect(rows.filter((r) => r.series_uid === gapped.spec.seriesUid).every((r) => r.slice_index === null)).toBe(true);
    // The enhanced instance: a row per frame, each naming the instance and its frame.
    expect(rows.filter((r) => r.instance_uid === enhancedUid).map((r) => [r.sop_uid, Number(r.frame), Number(r.frames)]).sort())
      .toEqual(enhanced.sopUids.map((id, k) => [id, k + 1, 4]));
    // A second sync finds every instance stored, the enhanced one by its UID behind its frames' case ids.
    await t.call('POST', '/api/projects/1/sync', { role: 'service' });
    await t.server.ctx.queue.idle();
    expect((await t.server.ctx.jobs.list()).at(-1)).toMatchObject({ state: 'succeeded', result: { listed: 3 * SLICES + 5 + 1, fresh: 0, embedded: 0 } });
    const status = (await t.call('GET', '/api/projects/1/sync-status', { role: 'admin' })).json;
    expect(status.volumes).toEqual({ volumes: 4, slices: 3 * SLICES + 4, refused: 1, reasons: [{ reason: expect.stringMatching(/gap/), count: 1 }] });
  });

  it('selects slices of volumes only, at most 2 per volume, and says where each lies', async () => {
    await t.call('POST', '/api/projects/1/rounds', { role: 'service' });
    await t.server.ctx.queue.idle();
    const items = await worklist();
    expect(items).toHaveLength(4);
    for (const item of items) {
      const { volume, k } = sliceOf(item.sopUid);
      expect(item.slice).toEqual({ index: k, count: volume.sopUids.length, offsetMm: expect.closeTo(k * volume.spec.sliceSpacing, 3) });
      expect([item.instanceUid, item.frame]).toEqual(volume === enhanced ? [enhancedUid, k + 1] : [item.sopUid, null]);
    }
    expect(Math.max(...perVolume(items))).toBeLessThanOrEqual(2);
  });

  it('turns a PNG mask on a slice into a SEG that references that slice, in the PACS', async () => {
    const items = await worklist();
    // The item nearest the middle of its volume.
    const middle = [...items].filter((i) => i.frame === null).sort((x, y) => Math.abs(x.slice!.index - SLICES / 2) - Math.abs(y.slice!.index - SLICES / 2))[0]!;
    const { volume, k } = sliceOf(middle.sopUid);
    await t.call('POST', `/api/projects/1/cases/${middle.sopUid}/claim`, { role: 'annotator' });
    const png = writeGrayPng(volume.labels[k]!, volume.spec.columns, volume.spec.rows);
    const receipt = await t.call('POST', `/api/projects/1/cases/${middle.sopUid}/mask`, { role: 'annotator', body: png, type: 'image/png' });
    expect([receipt.status, receipt.json.message]).toEqual([201, undefined]);
    await t.server.outboxWorker!.flush();
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
      expect(round.report.notes).toContain('selection unit slice: 5 image(s) that are not slices of a volume left out'); // the gapped series' slices
      expect(round.report.poolSize).toBe(3 * SLICES + 4);
    }
  });

  it('volume unit: the cold start picks volumes and their most typical slice, a round the remaining volume\'s most uncertain slice', async () => {
    await t.call('POST', '/api/projects/2/sync', { role: 'service' });
    await t.server.ctx.queue.idle();
    await t.call('POST', '/api/projects/2/rounds', { role: 'service' });
    await t.server.ctx.queue.idle();
    const cold = await worklist('', 2);
    expect(cold).toHaveLength(2);
    expect(perVolume(cold).sort()).toEqual([0, 0, 1, 1]); // two different volumes, one slice each
    for (const item of cold) {
      await t.call('POST', `/api/projects/2/cases/${item.sopUid}/claim`, { role: 'annotator' });
      expect((await t.call('POST', `/api/projects/2/cases/${item.sopUid}/mask`, { role: 'annotator', body: segOf(item), type: 'application/dicom' })).status).toBe(201);
    }
    await t.server.ctx.queue.idle();
    const next = (await worklist('', 2)).filter((i) => i.round === 1);
    expect(next).toHaveLength(1);
    expect(perVolume([...cold, ...next]).sort()).toEqual([0, 1, 1, 1]); // a volume not chosen yet
    const coldSeries = new Set(cold.map((i) => i.seriesUid));
    for (const item of next) expect(coldSeries.has(item.seriesUid)).toBe(false);
    const rounds = (await t.call('GET', '/api/projects/2/rounds', { role: 'admin' })).json as Array<{ report: { notes: string[]; poolSize: number } }>;
    expect(rounds.map((r) => r.report.poolSize)).toEqual([4, 4]);
    expect(rounds[1]!.report.notes).toContain('selection unit volume: 4 volume(s), 2 not chosen yet');
    // The map shows each volume once, by the slice chosen from it where one was.
    const map = (await t.call('GET', '/api/projects/2/rounds/1/map', { role: 'annotator' })).json as { points: Array<{ sopUid: string }> };
    for (const item of [...cold, ...next]) expect(map.points.map((p) => p.sopUid)).toContain(item.sopUid);
  });

  it('enhanced multi-frame instance: frames selected as slices; a PNG mask becomes a SEG on that frame, a SEG of every frame is read on the case\'s; a round; the KO names the frames', async () => {
    await t.call('POST', '/api/projects/3/sync', { role: 'service' });
    await t.server.ctx.queue.idle();
    await t.call('POST', '/api/projects/3/rounds', { role: 'service' });
    await t.server.ctx.queue.idle();
    const cold = await worklist('', 3);
    expect(cold).toHaveLength(2);
    for (const item of cold) {
      const { k } = sliceOf(item.sopUid);
      expect([item.instanceUid, item.frame, item.slice?.index]).toEqual([enhancedUid, k + 1, k]);
    }
    // The first as a PNG: the SEG sent to the PACS references the instance and that frame only.
    // (The other projects hold this study too: what their outboxes send is delivered first, and left out.)
    const [png, whole] = cold as [Item, Item];
    await t.server.outboxWorker!.flush();
    const uidOf = (bytes: Uint8Array): string => readSegmentation(bytes).sopUid;
    const before = new Set((await stored(png.studyUid, 'SEG')).map(uidOf));
    const pngSlice = sliceOf(png.sopUid);
    await t.call('POST', `/api/projects/3/cases/${png.sopUid}/claim`, { role: 'annotator' });
    const sent = await t.call('POST', `/api/projects/3/cases/${png.sopUid}/mask`, { role: 'annotator', body: writeGrayPng(enhanced.labels[pngSlice.k]!, enhanced.spec.columns, enhanced.spec.rows), type: 'image/png' });
    expect([sent.status, sent.json.message]).toEqual([201, undefined]);
    await t.server.outboxWorker!.flush();
    const segs = (await stored(png.studyUid, 'SEG')).filter((bytes) => !before.has(uidOf(bytes))).map((bytes) => readSegmentation(bytes));
    expect(segs).toHaveLength(1);
    expect(segs[0]!.frames.map((f) => [f.referencedSopUid, f.referencedFrame])).toEqual(CLASSES.map(() => [enhancedUid, png.frame]));
    // The second as a SEG of all four frames (as a 3-D tool writes one): only the case's frame is read.
    const wholeSlice = sliceOf(whole.sopUid);
    await t.call('POST', `/api/projects/3/cases/${whole.sopUid}/claim`, { role: 'annotator' });
    const upload = segOf(whole, true);
    expect(new Set(readSegmentation(upload).frames.map((f) => f.referencedFrame)).size).toBe(4);
    expect((await t.call('POST', `/api/projects/3/cases/${whole.sopUid}/mask`, { role: 'annotator', body: upload, type: 'application/dicom' })).status).toBe(201);
    const mask = await t.call('GET', `/api/projects/3/cases/${whole.sopUid}/mask`, { role: 'annotator' });
    expect(Uint8Array.from(readPng(mask.bytes).data)).toEqual(enhanced.labels[wholeSlice.k]);
    expect(Uint8Array.from(readPng(mask.bytes).data)).not.toEqual(enhanced.labels[(wholeSlice.k + 1) % 4]); // the frames differ: reading another would show
    // A round on the frames left, predicted from the frame's own pixels.
    await t.server.ctx.queue.idle();
    const next = (await worklist('', 3)).filter((i) => i.round === 1);
    expect(next).toHaveLength(1);
    expect(cold.map((i) => i.sopUid)).not.toContain(next[0]!.sopUid);
    expect(next[0]!.instanceUid).toBe(enhancedUid);
    expect((await t.call('GET', `/api/projects/3/cases/${next[0]!.sopUid}/uncertainty`, { role: 'annotator' })).status).toBe(200);
    // The KO of each round lists the instance with the frame of every case.
    await t.server.outboxWorker!.flush();
    const kos = (await stored(png.studyUid, 'KO')).map((bytes) => readKeyObjectSelection(bytes)).filter((ko) => ko.title.includes('enhanced round'));
    expect(kos).toHaveLength(2);
    const listed = kos.flatMap((ko) => ko.items.map((i) => [i.sopUid, i.frame])).sort();
    expect(listed).toEqual([...cold, ...next].map((i) => [enhancedUid, i.frame]).sort());
    // The export: the manifest names the instance and the frame, the image is that frame's.
    const download = await t.call('GET', '/api/projects/3/export', { role: 'admin' });
    expect(download.status).toBe(200);
    const files = unzipSync(new Uint8Array(download.bytes));
    const [header, ...lines] = Buffer.from(files['manifest.csv']!).toString('utf8').trim().split('\r\n').map((l) => l.split(','));
    const rows = lines.map((l) => Object.fromEntries(header!.map((h, i) => [h, l[i]!])));
    expect(rows.map((r) => [r.sop_uid, r.frame]).sort()).toEqual(cold.map((i) => [enhancedUid, String(i.frame)]).sort());
    const frames = await readDicom(writeEnhancedMr(enhanced.spec, enhancedUid));
    for (const row of rows) {
      const exported = readPng(files[row.image!]!);
      const own = linear16(toGrayscale(frames[Number(row.frame) - 1]!).data);
      expect(Array.from(exported.data)).toEqual(Array.from(own));
      const segFrames = new Set(readSegmentation(files[row.seg!]!).frames.map((f) => `${f.referencedSopUid} ${f.referencedFrame}`));
      // Written from the PNG: that frame only; the uploaded SEG of all four frames as it came.
      expect([...segFrames].sort()).toEqual(Number(row.frame) === png.frame ? [`${enhancedUid} ${png.frame}`] : enhanced.labels.map((_, k) => `${enhancedUid} ${k + 1}`).sort());
    }
  });

  it('refuses a derived UID that is not one of the test volumes (the fixture means what it says)', () => {
    expect(() => sliceOf(derivedUid('elsewhere'))).toThrow(/not a slice/);
  });
});
