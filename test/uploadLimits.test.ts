/**
 * Decompression bombs and large masks through the HTTP API (issue 11, item 2): a PNG declaring
 * 12000 × 12000, a PNG whose data inflates far beyond its header, and a deflated SEG inflating
 * to 300 MB are refused before anything large is inflated — the process's peak memory does not
 * move — while a large legal mask decodes in a worker thread as `/api/health` is answered. The
 * case is unchanged afterwards and good masks are still accepted.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import * as zlib from 'node:zlib';
import { readPng } from '@scanselect/plugin';
import { writePhantomDataset, type PhantomCase } from '../server/src/demo/phantomDataset';
import { MaskDecodePool } from '../server/src/masks/maskDecodePool';
import { makeInstance } from './harness/dicomFixtures';
import { deflatedPart10, deflatedZeros, greyPngWith } from './harness/maskBombs';
import { phantomSeg } from './harness/phantomMasks';
import { startTestServer, type TestServer } from './harness/serverHarness';

jest.setTimeout(300_000);

const CLASSES = ['right lung', 'left lung'];
const LARGE = 2048;
const LARGE_UID = '1.2.826.0.1.3680043.10.1341.40.1.1.1';
/**
 * How much the process's peak RSS may grow while a bomb is refused: a fraction of what inflating
 * any of them takes (≥ 144 MB). Measured without the bounds: +190 MB (interlaced PNG, alone),
 * +1290 MB (12000² PNG); the tests run in this order so that an earlier peak cannot hide a later one.
 */
const PEAK_GROWTH_BOUND_MB = 48;

let t: TestServer;
let phantoms: PhantomCase[];
let bombs: { declared12000: Buffer; overflowing: Buffer; deflatedSeg: Uint8Array };

const post = (sopUid: string, body: Uint8Array, type: string) => t.call('POST', `/api/projects/1/cases/${sopUid}/mask`, { role: 'annotator', body, type });
/** The process's peak resident set so far, in MB (the decode workers are threads of this process). */
const peakRssMb = (): number => process.resourceUsage().maxRSS / 1024;

/** Refuses `body` for the case, and says by how much the peak RSS grew meanwhile (after a warm-up upload). */
async function refusedWithPeakGrowth(sopUid: string, body: Uint8Array, type: string): Promise<{ status: number; code: string; growthMb: number }> {
  expect((await post(sopUid, Buffer.from('warm-up: not a mask'), type)).status).toBe(400); // the worker is started and warm
  const before = peakRssMb();
  const refused = await post(sopUid, body, type);
  return { status: refused.status, code: refused.json?.code, growthMb: peakRssMb() - before };
}

beforeAll(async () => {
  t = await startTestServer({ sources: { phantoms: { kind: 'folder', path: 'unused' } } });
  await t.stop();
  phantoms = await writePhantomDataset(path.join(t.dir, 'phantoms'), 6, 11, 64);
  const large = makeInstance({ studyUid: '1.2.826.0.1.3680043.10.1341.40.1', seriesUid: '1.2.826.0.1.3680043.10.1341.40.1.1', sopUid: LARGE_UID, rows: LARGE, columns: LARGE, modality: 'DX' });
  await fs.writeFile(path.join(t.dir, 'phantoms', 'dicom', 'large.dcm'), large);
  t = await startTestServer({
    sources: { phantoms: { kind: 'folder', path: path.join(t.dir, 'phantoms', 'dicom') } },
    projects: [{ name: 'limits', source: 'phantoms', classes: CLASSES, projection: 'pca', budget: { coldStart: 7, perRound: 1, total: 7 }, encoder: { id: 'intensity-texture', inputSize: 64 } }],
  }, { dir: t.dir });
  expect((await t.call('POST', '/api/projects/1/sync', { role: 'service' })).status).toBe(202);
  await t.server.ctx.queue.idle();
  expect((await t.call('POST', '/api/projects/1/rounds', { role: 'service' })).status).toBe(202);
  await t.server.ctx.queue.idle();
  for (const sopUid of [LARGE_UID, phantoms[0]!.sopUid, phantoms[1]!.sopUid]) {
    expect((await t.call('POST', `/api/projects/1/cases/${sopUid}/claim`, { role: 'annotator' })).status).toBe(200);
  }
  bombs = {
    declared12000: greyPngWith(12000, 12000, await deflatedZeros(12000 * 12001)), // 144 MB of rows in ~140 kB
    overflowing: greyPngWith(64, 64, await deflatedZeros(144_000_000), true), // the case's size, interlaced, 144 MB of data
    deflatedSeg: await deflatedPart10(await phantomSeg(phantoms[0]!, CLASSES), 300_000_000), // a good SEG, then 300 MB of zeros
  };
});
afterAll(async () => {
  jest.restoreAllMocks();
  await t.dispose();
});

describe('mask uploads within limits', () => {
  it('answers /api/health while a large legal mask decodes in a worker thread', async () => {
    const events: string[] = [];
    const health: Array<Promise<void>> = [];
    const realDecode = MaskDecodePool.prototype.decode;
    jest.spyOn(t.server.ctx.maskDecoder, 'decode').mockImplementation(function (this: MaskDecodePool, request) {
      const decoding = realDecode.call(this, request);
      // Asked only once the decode is under way; on a blocked event loop it would be answered after it.
      health.push(fetch(`${t.url}/api/health`).then((r) => void events.push(`health ${r.status}`)));
      decoding.then((d) => events.push(`decoded in thread ${d.threadId === 0 ? 'main' : 'worker'}`), () => events.push('refused'));
      return decoding;
    });
    const mask = greyPngWith(LARGE, LARGE, zlib.deflateSync(Buffer.alloc(LARGE * (LARGE + 1)))); // all background, legal
    const accepted = await post(LARGE_UID, mask, 'image/png');
    await Promise.all(health);
    jest.restoreAllMocks();
    expect(accepted).toMatchObject({ status: 201, json: { status: 'labelled', classesPresent: [] } });
    expect(events).toEqual(['health 200', 'decoded in thread worker']);
    const stored = readPng((await t.call('GET', `/api/projects/1/cases/${LARGE_UID}/mask`, { role: 'annotator' })).bytes);
    expect([stored.width, stored.height]).toEqual([LARGE, LARGE]);
  });

  it('refuses an interlaced PNG of the case size whose data inflates to 144 MB, inflating no more than the size implies', async () => {
    const refused = await refusedWithPeakGrowth(phantoms[0]!.sopUid, bombs.overflowing, 'image/png');
    expect(refused).toMatchObject({ status: 400, code: 'invalid-png' });
    expect(refused.growthMb).toBeLessThan(PEAK_GROWTH_BOUND_MB);
  });

  it('refuses a PNG declaring 12000 × 12000 with wrong-size before inflating it', async () => {
    expect(bombs.declared12000.length).toBeLessThan(200_000);
    const refused = await refusedWithPeakGrowth(phantoms[0]!.sopUid, bombs.declared12000, 'image/png');
    expect(refused).toMatchObject({ status: 400, code: 'wrong-size' });
    expect(refused.growthMb).toBeLessThan(PEAK_GROWTH_BOUND_MB);
  });

  it('refuses a deflated SEG that would inflate to 300 MB with 413 too-large', async () => {
    expect(bombs.deflatedSeg.length).toBeLessThan(400_000);
    const refused = await refusedWithPeakGrowth(phantoms[0]!.sopUid, bombs.deflatedSeg, 'application/dicom');
    expect(refused).toMatchObject({ status: 413, code: 'too-large' });
    expect(refused.growthMb).toBeLessThan(PEAK_GROWTH_BOUND_MB);
  });

  it('leaves the case as it was, and accepts good masks afterwards (a deflated SEG among them)', async () => {
    const [first, second] = [phantoms[0]!, phantoms[1]!];
    expect((await t.call('GET', `/api/projects/1/cases/${first.sopUid}`, { role: 'annotator' })).json.status).toBe('claimed');
    expect((await t.server.ctx.masks.get(1, first.sopUid))).toBeNull();
    expect(await post(first.sopUid, await deflatedPart10(await phantomSeg(first, CLASSES)), 'application/dicom')).toMatchObject({ status: 201, json: { classesPresent: [1, 2] } });
    expect(await post(second.sopUid, await fs.readFile(second.truthFile), 'image/png')).toMatchObject({ status: 201, json: { format: 'png', classesPresent: [1, 2] } });
  });
});
