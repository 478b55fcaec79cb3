/**
 * A slice of a CT/MR volume in the viewer, in headless Chromium against the server and Orthanc
 * (issue 16): a brain volume (IBSR18 slices as a DICOM MR series; a synthetic head where
 * ../shared is absent), a project that selects slices; the worklist shows each slice's place; the
 * case chosen from the middle of the volume opens at that slice (not the series' first image);
 * a stroke painted there and submitted becomes a SEG whose frames reference that slice, in the
 * server and in the PACS; the next round's slice opens with that slice's entropy over it. An
 * Enhanced MR multi-frame instance (one case per frame, a second project): a frame the selection
 * chose opens at that frame, and the SEG painted there references the instance and that frame.
 * Skipped, with the reason, without Orthanc, Chromium or the OHIF app.
 */
import { writeGrayPng } from '@scanselect/plugin';
import { readSegmentation, writeEnhancedMr, writeMrSeries } from '../server/src/dicom';
import { DicomWebClient, type DicomJson } from '../server/src/pacs/dicomWebClient';
import { BrowserSession, browserUnavailableReason, buildViewerExtension, ViewerPage } from './harness/browser';
import { OrthancProcess, orthancAvailable } from './harness/orthanc';
import { startTestServer, type TestServer } from './harness/serverHarness';
import { brainVolume } from './harness/volumeFixtures';

const reason = !orthancAvailable() ? 'needs Orthanc (apt-get install -y orthanc orthanc-dicomweb)' : browserUnavailableReason();
if (reason) process.stderr.write(`viewerVolume.test.ts skipped: ${reason}\n`);
const withBrowser = reason ? describe.skip : describe;
jest.setTimeout(300_000);

const SLICES = 9;
const FRAMES = 6;
interface Item { sopUid: string; instanceUid: string; frame: number | null; studyUid: string; seriesUid: string; rank: number; slice: { index: number; count: number; offsetMm: number } | null }

withBrowser('a slice of a volume in the viewer', () => {
  let orthanc: OrthancProcess;
  let t: TestServer;
  let browser: BrowserSession;
  let viewer: ViewerPage;
  const volume = brainVolume('viewer-volume', 'IBSR_06', SLICES);
  const multiFrame = brainVolume('viewer-enhanced', 'IBSR_08', FRAMES);
  const enhancedUid = multiFrame.sopUids[0]!;
  const qido = async (route: string): Promise<DicomJson[]> => {
    const response = await fetch(`${orthanc.dicomWebUrl}${route}`, { headers: { Accept: 'application/dicom+json' } });
    return response.status === 204 ? [] : ((await response.json()) as DicomJson[]);
  };

  const stackPosition = () => browser.page.evaluate(() => (globalThis as unknown as { __scanselect: { stackPosition(): unknown } }).__scanselect.stackPosition());

  /** Paints a short stroke across the middle of the open case, submits it, and answers the frames of the SEG the PACS then holds in the case's study. */
  const paintSubmitAndReadSeg = async (project: number, item: Item, columns: number, rows: number): Promise<ReturnType<typeof readSegmentation>['frames']> => {
    await viewer.setBrushSize(4);
    await viewer.stroke(Array.from({ length: 6 }, (_, k) => [Math.round(columns / 2) + k - 3, Math.round(rows / 2)] as [number, number]));
    expect((await viewer.labelCounts())[1]).toBeGreaterThan(10);
    await viewer.submit();
    await viewer.waitForState('the mask accepted', `s.mask.phase === 'accepted' || (s.openCase && s.openCase.sopUid !== ${JSON.stringify(item.sopUid)})`);
    expect((await t.call('GET', `/api/projects/${project}/cases/${item.sopUid}`, { role: 'annotator' })).json).toMatchObject({ status: 'labelled' });
    await t.server.outboxWorker!.flush();
    const [series] = await qido(`/studies/${item.studyUid}/series?Modality=SEG`);
    const segSeriesUid = String(series!['0020000E']!.Value![0]);
    const [instance] = await qido(`/studies/${item.studyUid}/series/${segSeriesUid}/instances`);
    const bytes = await new DicomWebClient({ baseUrl: orthanc.dicomWebUrl }).retrieveInstance({ studyUid: item.studyUid, seriesUid: segSeriesUid, sopUid: String(instance!['00080018']!.Value![0]) });
    return readSegmentation(bytes).frames;
  };

  beforeAll(async () => {
    buildViewerExtension();
    orthanc = await OrthancProcess.start();
    const objects = [...writeMrSeries(volume.spec, volume.sopUids), writeEnhancedMr({ ...multiFrame.spec, studyDescription: 'Enhanced brain MR' }, enhancedUid)];
    expect(await new DicomWebClient({ baseUrl: orthanc.dicomWebUrl }).store(objects)).toEqual({ stored: SLICES + 1, failed: [] });
    t = await startTestServer({
      sources: { pacs: { kind: 'dicomweb', url: orthanc.dicomWebUrl, orthancUrl: orthanc.url, timeoutMs: 10_000 } },
      projects: [{
        name: 'brain', source: 'pacs', filters: { modality: 'MR', studyDescription: 'Brain*' }, classes: ['CSF', 'grey matter', 'white matter'], projection: 'pca',
        budget: { coldStart: 3, perRound: 1, total: 4 }, selection: { unit: 'slice' },
        encoder: { id: 'intensity-texture', inputSize: 64 }, model: { inputSize: 32, epochs: 2, depth: 2, baseChannels: 4 },
      }, {
        name: 'enhanced', source: 'pacs', filters: { modality: 'MR', studyDescription: 'Enhanced*' }, classes: ['CSF', 'grey matter', 'white matter'], projection: 'pca',
        budget: { coldStart: 2, perRound: 1, total: 3 }, selection: { unit: 'slice' },
        encoder: { id: 'intensity-texture', inputSize: 64 }, model: { inputSize: 32, epochs: 2, depth: 2, baseChannels: 4 },
      }],
    });
    for (const project of [1, 2]) {
      await t.call('POST', `/api/projects/${project}/sync`, { role: 'service' });
      await t.server.ctx.queue.idle();
      await t.call('POST', `/api/projects/${project}/rounds`, { role: 'service' });
      await t.server.ctx.queue.idle();
    }
    browser = await BrowserSession.launch('viewer-volume');
    viewer = new ViewerPage(browser.page);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await t?.dispose();
    await orthanc?.dispose();
  });

  it('opens the middle slice the selection chose, paints it, and its SEG references that slice', async () => {
    const items = ((await t.call('GET', '/api/projects/1/worklist', { role: 'annotator' })).json as Item[]).sort((a, b) => a.rank - b.rank);
    expect(items).toHaveLength(3);
    const middle = [...items].sort((x, y) => Math.abs(x.slice!.index - (SLICES - 1) / 2) - Math.abs(y.slice!.index - (SLICES - 1) / 2))[0]!;
    expect(middle.slice!.index).toBeGreaterThan(0); // not the series' first image: opening it proves the viewer went to the slice
    await viewer.open(`${t.url}/viewer/scanselect?StudyInstanceUIDs=${middle.studyUid}`);
    await viewer.signIn(t.token.annotator);
    expect((await viewer.rows()).map((r) => r.sopUid)).toEqual(items.map((i) => i.sopUid));
    const shown = await browser.page.getByTestId('scanselect-slice').allTextContents();
    expect(shown).toEqual(items.map((i) => `slice ${SLICES - i.slice!.index}/${SLICES}`));

    await viewer.claimAndOpen(middle.sopUid); // waits until the viewport shows the case's own instance
    // The worklist numbers the slice as the viewer's stack does.
    expect(await stackPosition()).toEqual({ position: SLICES - middle.slice!.index, count: SLICES });
    await browser.screenshot('middle-slice');
    const frames = await paintSubmitAndReadSeg(1, middle, volume.spec.columns, volume.spec.rows);
    const painted = frames.filter((f) => f.pixels.some((v) => v !== 0));
    expect(painted.length).toBeGreaterThan(0);
    expect(new Set(painted.map((f) => f.referencedSopUid))).toEqual(new Set([middle.sopUid]));
  });

  it('opens the next round\'s slice at that slice with the entropy of that slice over it', async () => {
    const open = ((await t.call('GET', '/api/projects/1/worklist', { role: 'annotator' })).json as Array<Item & { status: string }>).filter((i) => i.status !== 'labelled');
    for (const item of open) {
      await t.call('POST', `/api/projects/1/cases/${item.sopUid}/claim`, { role: 'annotator' });
      const k = volume.sopUids.indexOf(item.sopUid);
      const png = writeGrayPng(volume.labels[k]!, volume.spec.columns, volume.spec.rows);
      expect((await t.call('POST', `/api/projects/1/cases/${item.sopUid}/mask`, { role: 'annotator', body: png, type: 'image/png' })).status).toBe(201);
    }
    await viewer.waitForState('round 1 in the panel', `s.project && s.project.latestRound && s.project.latestRound.number === 1 && s.worklist.some((w) => w.round === 1)`, 240_000);
    const next = ((await t.call('GET', '/api/projects/1/worklist', { role: 'annotator' })).json as Array<Item & { round: number }>).find((i) => i.round === 1)!;
    expect(next.slice).not.toBeNull();
    await viewer.claimAndOpen(next.sopUid); // the viewport shows that slice's own instance
    expect(await stackPosition()).toEqual({ position: SLICES - next.slice!.index, count: SLICES });
    await viewer.waitForState('the overlay', `s.overlay.phase === 'shown'`);
    const overlay = await viewer.canvasStats('canvas.scanselect-uncertainty-overlay');
    expect(overlay!.opaque).toBeGreaterThan(1000);
    await browser.screenshot('round-1-slice-overlay');
  });

  it('opens a frame of an enhanced multi-frame instance at that frame; the SEG painted there references the instance and that frame', async () => {
    const items = (await t.call('GET', '/api/projects/2/worklist', { role: 'annotator' })).json as Item[];
    expect(items.map((i) => i.instanceUid)).toEqual([enhancedUid, enhancedUid]);
    // A frame past the first: OHIF opens the instance at frame 1, so showing this one proves the viewer went to the frame.
    const target = [...items].sort((x, y) => y.frame! - x.frame!)[0]!;
    expect(target.frame).toBeGreaterThan(1);
    await viewer.open(`${t.url}/viewer/scanselect?StudyInstanceUIDs=${target.studyUid}&project=2`);
    await viewer.waitForState('project 2 and its worklist', 's.project && s.project.id === 2 && s.worklist.length === 2');
    // A frame is numbered by its frame: the stack of one multi-frame instance is in frame order (checked below).
    const byRank = [...items].sort((x, y) => x.rank - y.rank);
    expect(await browser.page.getByTestId('scanselect-slice').allTextContents()).toEqual(byRank.map((i) => `slice ${i.frame}/${FRAMES}`));
    await viewer.claimAndOpen(target.sopUid); // waits until the viewport shows the case's frame
    expect(await stackPosition()).toEqual({ position: target.frame, count: FRAMES });
    await browser.screenshot('enhanced-frame');
    const painted = (await paintSubmitAndReadSeg(2, target, multiFrame.spec.columns, multiFrame.spec.rows)).filter((f) => f.pixels.some((v) => v !== 0));
    expect(painted.length).toBeGreaterThan(0);
    expect(new Set(painted.map((f) => `${f.referencedSopUid} frame ${f.referencedFrame}`))).toEqual(new Set([`${enhancedUid} frame ${target.frame}`]));
  });
});
