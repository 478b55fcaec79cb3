/**
 * The DICOMweb service the server offers over a folder source (what the viewer reads in the
 * demo): QIDO-RS studies/series/instances, WADO-RS metadata without pixel data, frames exactly
 * as stored (native per frame; multi-frame), whole instances, tokens required, 404 for the unknown.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { boundaryOf, parseMultipart } from '../server/src/pacs/multipart';
import { makeInstance } from './harness/dicomFixtures';
import { startTestServer, type TestServer } from './harness/serverHarness';

const STUDY = '1.2.826.0.1.3680043.10.1341.70.1';
const SERIES = `${STUDY}.1`;
let t: TestServer;

beforeAll(async () => {
  t = await startTestServer({ sources: { local: { kind: 'folder', path: 'dicom' } } });
  const dir = path.join(t.dir, 'dicom', 'nested');
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'a.dcm'), makeInstance({ studyUid: STUDY, seriesUid: SERIES, sopUid: `${SERIES}.1`, modality: 'DX', pixel: (x, y) => x + 100 * y }));
  writeFileSync(path.join(dir, 'b.dcm'), makeInstance({ studyUid: STUDY, seriesUid: SERIES, sopUid: `${SERIES}.2`, modality: 'DX', frames: 3, pixel: (x, y) => 7 * x + y }));
  writeFileSync(path.join(dir, 'notes.txt'), 'not DICOM');
});
afterAll(async () => {
  await t.dispose();
});

const get = async (route: string) => t.call('GET', `/dicom-web/local${route}`, { role: 'annotator' });
const tagValue = (row: Record<string, { Value?: unknown[] }>, tag: string): unknown => row[tag]?.Value?.[0];

describe('DICOMweb over a folder source', () => {
  it('answers QIDO-RS at study, series and instance level', async () => {
    const studies = JSON.parse((await get('/studies')).bytes.toString('utf8'));
    expect(studies).toHaveLength(1);
    expect([tagValue(studies[0], '0020000D'), tagValue(studies[0], '00201208'), tagValue(studies[0], '00201206'), studies[0]['00080061'].Value]).toEqual([STUDY, 2, 1, ['DX']]);
    expect(JSON.parse((await get(`/studies?StudyInstanceUID=1.2.3`)).bytes.toString('utf8'))).toEqual([]);
    const series = JSON.parse((await get(`/studies/${STUDY}/series`)).bytes.toString('utf8'));
    expect([tagValue(series[0], '0020000E'), tagValue(series[0], '00080060'), tagValue(series[0], '00201209')]).toEqual([SERIES, 'DX', 2]);
    const instances = JSON.parse((await get(`/studies/${STUDY}/series/${SERIES}/instances`)).bytes.toString('utf8'));
    expect(instances.map((i: Record<string, { Value?: unknown[] }>) => tagValue(i, '00080018'))).toEqual([`${SERIES}.1`, `${SERIES}.2`]);
  });

  it('answers WADO-RS metadata without pixel data, and the frames exactly as stored', async () => {
    const metadata = JSON.parse((await get(`/studies/${STUDY}/series/${SERIES}/metadata`)).bytes.toString('utf8'));
    expect(metadata).toHaveLength(2);
    expect([tagValue(metadata[0], '00280010'), tagValue(metadata[0], '00280011'), metadata[0]['7FE00010']]).toEqual([32, 32, undefined]);
    const frame = async (sop: string, n: number): Promise<Uint16Array> => {
      const r = await get(`/studies/${STUDY}/series/${SERIES}/instances/${sop}/frames/${n}`);
      expect(r.headers.get('content-type')).toMatch(/transfer-syntax=1\.2\.840\.10008\.1\.2\.1/);
      const [part] = parseMultipart(new Uint8Array(r.bytes), boundaryOf(r.headers.get('content-type')!)!);
      return new Uint16Array(part!.body.buffer.slice(part!.body.byteOffset, part!.body.byteOffset + part!.body.byteLength));
    };
    const single = await frame(`${SERIES}.1`, 1);
    expect([single.length, single[0], single[1], single[32]]).toEqual([1024, 0, 1, 100]);
    const third = await frame(`${SERIES}.2`, 3);
    expect([third[0], third[1], third[32]]).toEqual([2, 9, 3]); // frame f holds pixel + f (f = 2 for the third)
    expect((await get(`/studies/${STUDY}/series/${SERIES}/instances/${SERIES}.2/frames/4`)).status).toBe(404);
    const whole = await get(`/studies/${STUDY}/series/${SERIES}/instances/${SERIES}.1`);
    expect(parseMultipart(new Uint8Array(whole.bytes), boundaryOf(whole.headers.get('content-type')!)!)[0]!.body.length).toBeGreaterThan(2048);
  });

  it('needs a token and answers 404 for unknown studies and instances', async () => {
    expect((await t.call('GET', '/dicom-web/local/studies')).status).toBe(401);
    expect((await get('/studies/1.2.3/series/1.2.3.4/metadata')).status).toBe(404);
    expect((await get(`/studies/${STUDY}/series/${SERIES}/instances/1.2.3/frames/1`)).status).toBe(404);
  });
});
