/**
 * The DICOMweb service the server offers over a folder source (what the viewer reads in the
 * demo): QIDO-RS studies/series/instances, WADO-RS metadata without pixel data, frames exactly
 * as stored (native per frame; multi-frame), whole instances, tokens required, 404 for the unknown;
 * bounded lists (frame lists, query lists, QIDO-RS pages) and unknown UIDs that read no file.
 */
import { mkdirSync, promises as fsp, writeFileSync } from 'node:fs';
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
  writeFileSync(path.join(dir, 'c.dcm'), makeInstance({ studyUid: `${STUDY}.9`, seriesUid: `${STUDY}.9.1`, sopUid: `${STUDY}.9.1.1`, modality: 'CR' }));
});
afterAll(async () => {
  await t.dispose();
});

const get = async (route: string) => t.call('GET', `/dicom-web/local${route}`, { role: 'annotator' });
const tagValue = (row: Record<string, { Value?: unknown[] }>, tag: string): unknown => row[tag]?.Value?.[0];

describe('DICOMweb over a folder source', () => {
  it('answers QIDO-RS at study, series and instance level', async () => {
    const studies = JSON.parse((await get('/studies')).bytes.toString('utf8'));
    expect(studies).toHaveLength(2);
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

  it('de-duplicates frame lists and refuses lists beyond the cap before reading the file', async () => {
    const route = `/studies/${STUDY}/series/${SERIES}/instances/${SERIES}.2/frames`;
    const twice = await get(`${route}/3,1,3,3`);
    expect(parseMultipart(new Uint8Array(twice.bytes), boundaryOf(twice.headers.get('content-type')!)!)).toHaveLength(2);
    const flood = await get(`${route}/${Array(7000).fill('1').join(',')}`); // a 14 kB URL once answered 918 MB
    expect([flood.status, flood.json.code, flood.json.message]).toEqual([400, 'too-many-items', 'the frame list lists 7000 items; at most 1000 are accepted']);
    expect((await get(`${route}/1,x`)).json.code).toBe('invalid-frame-list');
    expect((await get(`${route}/0`)).json.code).toBe('invalid-frame-list');
  });

  it('pages QIDO-RS with a Warning when results remain, and refuses bad paging and long query lists', async () => {
    const first = await get('/studies?limit=1');
    const second = await get('/studies?limit=1&offset=1');
    expect([JSON.parse(first.bytes.toString('utf8')).length, first.headers.get('warning')]).toEqual([1, expect.stringMatching(/^299 .*additional results/)]);
    expect([JSON.parse(second.bytes.toString('utf8')).length, second.headers.get('warning')]).toEqual([1, null]);
    expect(tagValue(JSON.parse(first.bytes.toString('utf8'))[0], '0020000D')).not.toBe(tagValue(JSON.parse(second.bytes.toString('utf8'))[0], '0020000D'));
    expect(JSON.parse((await get(`/studies?StudyInstanceUID=${STUDY},1.2.3`)).bytes.toString('utf8'))).toHaveLength(1); // UID list matching
    expect((await get('/studies?limit=-1')).json.code).toBe('invalid-query');
    expect((await get('/studies?limit=1&limit=2')).json.code).toBe('invalid-query');
    expect((await get(`/studies?includefield=${Array(1001).fill('00100010').join(',')}`)).json.code).toBe('too-many-items');
    const repeated = `${Array(300).fill('includefield=00100010').join('&')}&includefield=${Array(701).fill('00100020').join(',')}`; // 300 + 701 values
    expect((await get(`/studies?${repeated}`)).json.code).toBe('too-many-items');
  });

  it('reads no file for unknown UIDs once the folder is indexed', async () => {
    expect((await get(`/studies/${STUDY}/series/${SERIES}/instances/${SERIES}.1/frames/1`)).status).toBe(200); // indexed
    const folder = path.join(t.dir, 'dicom');
    const readFile = jest.spyOn(fsp, 'readFile');
    try {
      for (let i = 0; i < 20; i++) {
        expect((await get(`/studies/${STUDY}/series/${SERIES}/instances/1.2.3.${i}/frames/1`)).status).toBe(404);
        expect((await get(`/studies/1.2.3.${i}/metadata`)).status).toBe(404);
      }
      // Each miss used to rebuild the index, reading every file of the folder again.
      expect(readFile.mock.calls.filter(([file]) => String(file).startsWith(folder))).toEqual([]);
    } finally {
      readFile.mockRestore();
    }
  });
});
