/**
 * The viewer end to end, in headless Chromium against the real server and a real Orthanc: sign
 * in, the worklist, claim and open the top case (the image rendered, read back from the canvas),
 * paint both lungs with the brush, submit the DICOM SEG (accepted by the server, the label map on
 * the lungs, the SEG in the PACS), the next case opened by itself; the rest labelled through the
 * API until the round's quota queues the next round, whose worklist appears live in the panel;
 * a round-1 case with its uncertainty overlay (read back) and highlighted on the embedding map,
 * its mask started from the model's prediction (the labelmap equals the predicted label map);
 * a submit refused because another annotator took the case, kept in the viewer and in
 * IndexedDB, restored after a page reload and accepted on Retry; a case opened by clicking its point on the map. Screenshots of every step in
 * out/test-artifacts/viewer/. Skipped, with the reason, without
 * Orthanc, Chromium or the fetched OHIF app.
 */
import { chestPhantom, readPng, writeGrayPng } from '@scanselect/plugin';
import { derivedUid } from '../server/src/demo/phantomDataset';
import { DicomWebClient, type DicomJson } from '../server/src/pacs/dicomWebClient';
import { BrowserSession, browserUnavailableReason, buildViewerExtension, ViewerPage } from './harness/browser';
import { makeInstance, type InstanceSpec } from './harness/dicomFixtures';
import { OrthancProcess, orthancAvailable } from './harness/orthanc';
import { startTestServer, type TestServer } from './harness/serverHarness';

const reason = !orthancAvailable() ? 'needs Orthanc (apt-get install -y orthanc orthanc-dicomweb)' : browserUnavailableReason();
if (reason) process.stderr.write(`viewer.test.ts skipped: ${reason}\n`);
const withBrowser = reason ? describe.skip : describe;
jest.setTimeout(300_000);

const SIZE = 128;
const COUNT = 12;
const CLASSES = ['right lung', 'left lung'];

interface Case { spec: InstanceSpec; mask: Uint8Array }
interface Item { sopUid: string; studyUid: string; seriesUid: string; rank: number; round: number; status: string }

function phantoms(): Case[] {
  return Array.from({ length: COUNT }, (_, i) => {
    const p = chestPhantom({ seed: 500 + i, size: SIZE });
    const uid = (what: string): string => derivedUid(`viewer-test/${i}/${what}`);
    const spec: InstanceSpec = {
      studyUid: uid('study'), seriesUid: uid('series'), sopUid: uid('instance'), patientId: `VIEWER-${i}`, modality: 'DX',
      rows: SIZE, columns: SIZE, pixel: (x, y) => p.pixels[y * SIZE + x]!,
    };
    return { spec, mask: p.mask };
  });
}

/** A vertical stroke down the middle of a lung (label 1 or 2 of the phantom's truth), inside it. */
function strokeInLung(mask: Uint8Array, label: number): Array<[number, number]> {
  let sx = 0;
  let n = 0;
  for (let k = 0; k < mask.length; k++) if (mask[k] === label) { sx += k % SIZE; n++; }
  const column = Math.round(sx / n);
  const rows: number[] = [];
  for (let y = 0; y < SIZE; y++) if (mask[y * SIZE + column] === label) rows.push(y);
  const top = rows[0]!;
  const bottom = rows.at(-1)!;
  return Array.from({ length: 6 }, (_, k) => [column, Math.round(top + (bottom - top) * (0.25 + (0.5 * k) / 5))] as [number, number]);
}

withBrowser('the viewer in Chromium against the server and Orthanc', () => {
  let orthanc: OrthancProcess;
  let t: TestServer;
  let browser: BrowserSession;
  let viewer: ViewerPage;
  const all = phantoms();
  const bySop = new Map(all.map((c) => [c.spec.sopUid, c]));
  const worklist = async (): Promise<Item[]> => ((await t.call('GET', '/api/projects/1/worklist', { role: 'annotator' })).json as Item[]).sort((a, b) => a.rank - b.rank);
  const qido = async (route: string): Promise<DicomJson[]> => {
    const response = await fetch(`${orthanc.dicomWebUrl}${route}`, { headers: { Accept: 'application/dicom+json' } });
    return response.status === 204 ? [] : ((await response.json()) as DicomJson[]);
  };
  const submitPng = async (sopUid: string): Promise<{ status: number; json: { queuedRoundJob: number | null } }> => {
    await t.call('POST', `/api/projects/1/cases/${sopUid}/claim`, { role: 'annotator' });
    return t.call('POST', `/api/projects/1/cases/${sopUid}/mask`, { role: 'annotator', body: writeGrayPng(bySop.get(sopUid)!.mask, SIZE, SIZE), type: 'image/png' });
  };
  const imageStats = () => viewer.canvasStats('canvas.cornerstone-canvas');

  beforeAll(async () => {
    buildViewerExtension();
    orthanc = await OrthancProcess.start();
    expect(await new DicomWebClient({ baseUrl: orthanc.dicomWebUrl }).store(all.map((c) => makeInstance(c.spec)))).toEqual({ stored: COUNT, failed: [] });
    t = await startTestServer({
      sources: { pacs: { kind: 'dicomweb', url: orthanc.dicomWebUrl, orthancUrl: orthanc.url, timeoutMs: 10_000 } },
      projects: [{
        name: 'chest', source: 'pacs', filters: { modality: 'DX' }, classes: CLASSES, projection: 'pca', budget: { coldStart: 4, perRound: 2, total: 8 },
        encoder: { id: 'intensity-texture', inputSize: 64 }, model: { inputSize: 32, epochs: 2, depth: 2, baseChannels: 4 },
      }],
    });
    expect((await t.call('POST', '/api/projects/1/sync', { role: 'service' })).status).toBe(202);
    await t.server.ctx.queue.idle();
    expect((await t.call('POST', '/api/projects/1/rounds', { role: 'service' })).status).toBe(202);
    await t.server.ctx.queue.idle();
    browser = await BrowserSession.launch('viewer');
    viewer = new ViewerPage(browser.page);
  }, 240_000);

  afterAll(async () => {
    await browser?.close();
    await t?.dispose();
    await orthanc?.dispose();
  });

  let first: Item;
  let second: Item;

  it('asks for a token, then shows the cold-start worklist with budget and round', async () => {
    const items = await worklist();
    expect(items).toHaveLength(4);
    first = items.find((i) => i.rank === 1)!;
    await viewer.open(`${t.url}/viewer/scanselect?StudyInstanceUIDs=${first.studyUid}`);
    await viewer.waitForSignInDialog();
    await browser.screenshot('sign-in');
    await viewer.signIn(t.token.annotator);
    const rows = await viewer.rows();
    expect(rows.map((r) => [r.rank, r.sopUid, r.status])).toEqual(items.map((i) => [i.rank, i.sopUid, 'open']));
    expect(await viewer.text('scanselect-budget')).toBe('budget 4 / 8 used');
    expect(await viewer.text('scanselect-round')).toBe('round 0 (cold start)');
    await browser.screenshot('worklist');
  });

  it('claims and opens the top case: its image is rendered (canvas read back)', async () => {
    await viewer.claimAndOpen(first.sopUid);
    const stats = await imageStats();
    expect(stats).not.toBeNull();
    expect(stats!.nonZero).toBeGreaterThan(0.2 * stats!.width * stats!.height); // a chest, not a black canvas
    expect(stats!.greyLevels).toBeGreaterThan(64); // a radiograph, not a flat fill
    expect((await t.call('GET', `/api/projects/1/cases/${first.sopUid}`, { role: 'annotator' })).json).toMatchObject({ status: 'claimed', claimedBy: 'annotator tester' });
    const state = await viewer.state();
    expect(state.overlay.phase).toBe('unavailable'); // a cold-start case has no model prediction
    expect(state.mask.prediction).toBe('none'); // … so nothing to start the mask from
    expect(await browser.page.getByTestId('scanselect-prediction').count()).toBe(0);
    await browser.screenshot('case-opened');
  });

  it('paints both lungs, submits the SEG, and opens the next case by itself', async () => {
    const truth = bySop.get(first.sopUid)!.mask;
    await viewer.setBrushSize(5);
    await viewer.stroke(strokeInLung(truth, 1));
    await viewer.selectSegment(2);
    await viewer.stroke(strokeInLung(truth, 2));
    const counts = await viewer.labelCounts();
    expect(counts[1]).toBeGreaterThan(50);
    expect(counts[2]).toBeGreaterThan(50);
    // The eraser takes some of the left lung's paint away again.
    const left = strokeInLung(truth, 2);
    await viewer.selectTool('eraser');
    await viewer.stroke([left[0]!, left[1]!]);
    const erased = await viewer.labelCounts();
    expect(erased[2]).toBeLessThan(counts[2]!);
    expect(erased[1]).toBe(counts[1]);
    await viewer.selectTool('brush');
    await browser.screenshot('painted');
    await viewer.submit();
    await viewer.waitForState('the next case opened', `s.openCase && s.openCase.sopUid !== ${JSON.stringify(first.sopUid)} && s.mask.phase === 'ready'`);
    await browser.screenshot('next-case');

    // The server has the mask: labelled, and the label map lies on the phantom's lungs.
    expect((await t.call('GET', `/api/projects/1/cases/${first.sopUid}`, { role: 'annotator' })).json).toMatchObject({ status: 'labelled' });
    const png = await t.call('GET', `/api/projects/1/cases/${first.sopUid}/mask`, { role: 'annotator' });
    expect(png.status).toBe(200);
    const labels = readPng(png.bytes).data;
    for (const label of [1, 2]) {
      let painted = 0;
      let inside = 0;
      labels.forEach((v, k) => {
        if (v !== label) return;
        painted++;
        if (truth[k] === label) inside++;
      });
      expect(painted).toBeGreaterThan(20);
      expect(inside / painted).toBeGreaterThan(0.9); // painted where the lung is: image ↔ SEG alignment
    }
    // … and the SEG reached the PACS.
    await t.server.outboxWorker!.flush();
    expect(await qido(`/studies/${first.studyUid}/series?Modality=SEG`)).toHaveLength(1);

    // The worklist advanced: the next case by rank is claimed and open.
    const items = await worklist();
    second = items.find((i) => i.rank === 2)!;
    const state = await viewer.state();
    expect(state.openCase!.sopUid).toBe(second.sopUid);
    expect(items.find((i) => i.sopUid === second.sopUid)).toMatchObject({ status: 'claimed' });
    const rows = await viewer.rows();
    expect(rows.find((r) => r.sopUid === first.sopUid)!.status).toBe('labelled');
  });

  it('shows the next round\'s worklist live once the quota is reached', async () => {
    const rest = (await worklist()).filter((i) => i.status !== 'labelled');
    let queued: number | null = null;
    for (const item of rest) {
      const receipt = await submitPng(item.sopUid);
      expect(receipt.status).toBe(201);
      queued = receipt.json.queuedRoundJob ?? queued;
    }
    expect(queued).toEqual(expect.any(Number)); // auto-retrain
    // No reload: the panel follows the job events (SSE) and refreshes when the round is stored.
    await viewer.waitForState('round 1 in the panel', `s.project && s.project.latestRound && s.project.latestRound.number === 1 && s.worklist.length > 0 && s.worklist.every((w) => w.round === 1)`, 240_000);
    expect(await viewer.text('scanselect-round')).toBe('round 1 (active learning)');
    expect(await viewer.text('scanselect-budget')).toBe('budget 6 / 8 used');
    const items = await worklist();
    expect((await viewer.rows()).map((r) => r.sopUid)).toEqual(items.map((i) => i.sopUid));
    await browser.screenshot('round-1-worklist');
  });

  let third: Item;

  it('opens a round-1 case with its uncertainty overlay over the image, highlighted on the map', async () => {
    third = (await worklist()).find((i) => i.rank === 1)!;
    await viewer.claimAndOpen(third.sopUid);
    await viewer.waitForState('the overlay', `s.overlay.phase === 'shown'`);
    const overlay = await viewer.canvasStats('canvas.scanselect-uncertainty-overlay');
    expect(overlay).not.toBeNull();
    expect(overlay!.opaque).toBeGreaterThan(1000);
    expect(overlay!.coloured).toBeGreaterThan(0.9 * overlay!.opaque); // inferno colours, not grey
    // Aligned: the coloured area is the image's area (the untrained model is unsure everywhere).
    const alignment = await viewer.overlayAlignment(SIZE, SIZE);
    expect(alignment?.overlay).toBeTruthy();
    for (const edge of ['left', 'top', 'right', 'bottom'] as const) expect(Math.abs(alignment!.overlay![edge] - alignment!.image[edge])).toBeLessThan(2);
    expect(await viewer.mapHighlight()).toBe(third.sopUid);
    const map = browser.page.getByTestId('scanselect-map');
    expect(await map.locator('circle[data-kind="labelled"]').count()).toBe(4);
    await browser.screenshot('uncertainty-overlay');
  });

  it('starts the round-1 case\'s mask from the model\'s prediction: the labelmap is the predicted label map', async () => {
    expect(await viewer.labelCounts()).toEqual({}); // nothing painted yet: no question asked
    const png = await t.call('GET', `/api/projects/1/cases/${third.sopUid}/prediction`, { role: 'annotator' });
    expect(png.status).toBe(200);
    const predicted = readPng(png.bytes);
    expect([predicted.width, predicted.height]).toEqual([SIZE, SIZE]); // the image's own size
    const expected: Record<number, number> = {};
    predicted.data.forEach((v) => {
      if (v) expected[v] = (expected[v] ?? 0) + 1;
    });
    await viewer.startFromPrediction();
    const state = await viewer.state();
    expect(state.mask.message).toMatch(Object.keys(expected).length > 0 ? /^Started from the round 1 model's prediction/ : /background only/);
    expect(await viewer.labelCounts()).toEqual(expected);
    // With painting in the mask, the panel asks first: keeping it changes nothing …
    await viewer.stroke([[SIZE / 8, SIZE / 2], [(7 * SIZE) / 8, SIZE / 2]]); // a correction with the brush (right lung)
    const corrected = await viewer.labelCounts();
    expect(corrected).not.toEqual(expected);
    await browser.page.getByTestId('scanselect-prediction').click();
    await browser.page.getByTestId('scanselect-prediction-keep').click();
    expect((await viewer.state()).mask.prediction).toBe('available');
    expect(await viewer.labelCounts()).toEqual(corrected);
    // … replacing it writes the prediction again, over the correction.
    await browser.page.getByTestId('scanselect-prediction').click();
    await browser.page.getByTestId('scanselect-prediction-replace').click();
    await viewer.waitForState('the prediction written again', `s.mask.prediction === 'available' && /^(Started|The round)/.test(s.mask.message || '')`);
    expect(await viewer.labelCounts()).toEqual(expected);
    await viewer.setOverlayVisible(false); // the prediction in the screenshot, not under the entropy map
    await browser.screenshot('started-from-prediction');
    await viewer.setOverlayVisible(true);
  });

  it('keeps a mask the server refuses (case taken by another annotator) and sends it on Retry', async () => {
    const truth = bySop.get(third.sopUid)!.mask;
    await viewer.stroke(strokeInLung(truth, 1));
    // Meanwhile an admin releases the claim and another radiologist takes the case.
    const other = (await t.call('POST', '/api/tokens', { role: 'admin', json: { name: 'other radiologist', role: 'annotator' } })).json.token as string;
    expect((await t.call('DELETE', `/api/projects/1/cases/${third.sopUid}/claim`, { role: 'admin' })).status).toBe(200);
    expect((await t.call('POST', `/api/projects/1/cases/${third.sopUid}/claim`, { token: other })).status).toBe(200);
    await viewer.submit();
    await viewer.waitForState('the refusal', `s.mask.phase === 'failed'`);
    const refused = await viewer.state();
    expect(refused.mask.message).toMatch(/claimed by other radiologist/);
    expect(refused.mask.canRetry).toBe(true);
    expect((await viewer.labelCounts())[1]).toBeGreaterThan(50); // the painting is still there
    expect((await t.call('GET', `/api/projects/1/cases/${third.sopUid}`, { role: 'annotator' })).json.status).toBe('claimed');
    // … and kept in the browser (IndexedDB), with the error.
    await viewer.waitForState('the unsent mask stored', `s.mask.unsent !== null`);
    const key = `1:${third.sopUid}`;
    expect(await viewer.unsentMaskKeys()).toEqual([key]);
    await browser.screenshot('submit-refused');
    // A reload loses nothing: still signed in (the token is in sessionStorage), the case opens
    // again from its URL with the painting restored and Retry sending / Discard offered.
    const painted = await viewer.labelCounts();
    await viewer.reload();
    await viewer.waitForCaseReady(third.sopUid);
    await viewer.waitForState('the unsent mask restored', `s.mask.unsent !== null && s.mask.canRetry`);
    expect((await viewer.state()).signedIn).toBe(true);
    expect(await viewer.labelCounts()).toEqual(painted);
    expect(await viewer.text('scanselect-unsent-message')).toMatch(/^A mask of this case was not accepted yet \(.*claimed by other radiologist.*\)/);
    expect(await browser.page.getByTestId('scanselect-discard').count()).toBe(1);
    await browser.screenshot('unsent-after-reload');
    // The other radiologist lets go; Retry sends the kept SEG.
    expect((await t.call('DELETE', `/api/projects/1/cases/${third.sopUid}/claim`, { token: other })).status).toBe(200);
    await viewer.retry();
    await viewer.waitForState('the retried mask accepted and the next case opened', `s.openCase && s.openCase.sopUid !== ${JSON.stringify(third.sopUid)} && s.mask.phase === 'ready'`);
    expect((await t.call('GET', `/api/projects/1/cases/${third.sopUid}`, { role: 'annotator' })).json.status).toBe('labelled');
    expect(await viewer.unsentMaskKeys()).toEqual([]); // accepted: the record is gone
    expect((await viewer.state()).mask.unsent).toBeNull();
    await browser.screenshot('retry-accepted');
  });

  it('opens a case from the embedding map: a labelled case is only viewed, not claimed', async () => {
    const before = (await t.call('GET', `/api/projects/1/cases/${first.sopUid}`, { role: 'annotator' })).json;
    await browser.page.locator(`[data-testid="scanselect-map"] circle[data-sop="${first.sopUid}"]`).click();
    await viewer.waitForCaseReady(first.sopUid);
    expect(await viewer.mapHighlight()).toBe(first.sopUid);
    expect((await t.call('GET', `/api/projects/1/cases/${first.sopUid}`, { role: 'annotator' })).json).toEqual(before); // no claim, nothing changed
    expect((await imageStats())!.greyLevels).toBeGreaterThan(64);
    await browser.screenshot('opened-from-map');
  });
});
