/**
 * The DICOMweb client against the real Orthanc (STOW-RS, QIDO-RS with filters, WADO-RS, decoded
 * by the engine's DICOM reader) and against a local flaky server for retries, back-off and
 * errors. The Orthanc part is skipped, with the reason printed, where Orthanc is not installed.
 */
import http from 'node:http';
import { readDicom } from '@scanselect/plugin';
import { DicomWebClient, PacsError } from '../server/src/pacs/dicomWebClient';
import { DicomWebSource } from '../server/src/pacs/dicomWebSource';
import { makeInstance } from './harness/dicomFixtures';
import { freePort, OrthancProcess, orthancAvailable } from './harness/orthanc';

const available = orthancAvailable();
if (!available) process.stderr.write('pacs.test.ts: the Orthanc part is skipped: Orthanc is not installed (apt-get install -y orthanc orthanc-dicomweb)\n');
const withOrthanc = available ? describe : describe.skip;

withOrthanc('DicomWebClient against Orthanc', () => {
  let orthanc: OrthancProcess;
  let client: DicomWebClient;
  beforeAll(async () => {
    orthanc = await OrthancProcess.start();
    client = new DicomWebClient({ baseUrl: orthanc.dicomWebUrl, retries: 0 });
  }, 60_000);
  afterAll(async () => {
    await orthanc?.dispose();
  });

  const chest = '1.2.826.0.1.3680043.10.1341.20.1';
  const head = '1.2.826.0.1.3680043.10.1341.20.2';

  it('stores, searches with the project filters, and retrieves pixel-exact instances', async () => {
    const a = [1, 2].map((i) => makeInstance({ studyUid: chest, seriesUid: `${chest}.1`, sopUid: `${chest}.1.${i}`, modality: 'CR', studyDate: '20260310', studyDescription: 'CHEST PA', pixel: (x, y) => 1000 * i + x + 40 * y }));
    const b = makeInstance({ studyUid: head, seriesUid: `${head}.1`, sopUid: `${head}.1.1`, modality: 'MR', bodyPart: 'HEAD', studyDate: '20250102', studyDescription: 'BRAIN' });
    expect(await client.store([...a, b])).toEqual({ stored: 3, failed: [] });

    const uid = (s: Record<string, { Value?: unknown[] }>): unknown => s['0020000D']?.Value?.[0];
    expect((await client.searchStudies({ modality: 'CR' })).map(uid)).toEqual([chest]);
    expect((await client.searchStudies({ dateFrom: '20260101' })).map(uid)).toEqual([chest]);
    expect((await client.searchStudies({ studyDescription: 'BRA*' })).map(uid)).toEqual([head]);
    expect(await client.searchStudies({ modality: 'CT' })).toEqual([]);

    const rows = await client.searchInstanceRows(chest);
    expect(rows.map((r) => r['00080018']?.Value?.[0]).sort()).toEqual([`${chest}.1.1`, `${chest}.1.2`]);
    const bytes = await client.retrieveInstance({ studyUid: chest, seriesUid: `${chest}.1`, sopUid: `${chest}.1.2` });
    const [image] = await readDicom(bytes);
    expect([image!.width, image!.height]).toEqual([32, 32]);
    expect(image!.data[0]).toBe(2000);
    expect(image!.data[5 + 32 * 3]).toBe(2000 + 5 + 120);
  }, 60_000);

  it('lists a project\'s instances through DicomWebSource, paging and filtering on body part', async () => {
    const source = new DicomWebSource(client, 1); // one study per page: exercises paging
    const list = async (filters: object): Promise<string[]> => {
      const out: string[] = [];
      for await (const i of source.list(filters)) out.push(i.sopUid);
      return out.sort();
    };
    expect(await list({})).toEqual([`${chest}.1.1`, `${chest}.1.2`, `${head}.1.1`]);
    expect(await list({ bodyPart: 'chest' })).toEqual([`${chest}.1.1`, `${chest}.1.2`]);
    expect(await list({ bodyPart: 'HEAD', modality: 'MR' })).toEqual([`${head}.1.1`]);
    expect(await list({ dateTo: '20251231' })).toEqual([`${head}.1.1`]);
    const bytes = await source.retrieve({ studyUid: head, seriesUid: `${head}.1`, sopUid: `${head}.1.1` });
    expect((await readDicom(bytes))[0]!.width).toBe(32);
  }, 60_000);

  it('lists every study matching a modality although Orthanc answers later pages of such a search with nothing', async () => {
    const more = [3, 4, 5].map((i) => `${chest}0${i}`);
    expect(await client.store(more.map((study) => makeInstance({ studyUid: study, seriesUid: `${study}.1`, sopUid: `${study}.1.1`, modality: 'CR', studyDate: '20260310' })))).toEqual({ stored: 3, failed: [] });
    const source = new DicomWebSource(client, 2); // pages of two studies: the four CR studies need two
    const listed: string[] = [];
    for await (const i of source.list({ modality: 'CR' })) listed.push(i.sopUid);
    expect(listed.sort()).toEqual([`${chest}.1.1`, `${chest}.1.2`, ...more.map((study) => `${study}.1.1`)].sort());
  }, 60_000);

  it('names an unknown instance as an HTTP error without retrying', async () => {
    await expect(client.retrieveInstance({ studyUid: chest, seriesUid: `${chest}.1`, sopUid: '1.2.3.999' })).rejects.toMatchObject({ code: 'http', status: 404 });
  }, 30_000);
});

describe('DicomWebClient retries and errors', () => {
  it('retries 503 with back-off and then succeeds', async () => {
    let calls = 0;
    const server = http.createServer((_req, res) => {
      calls++;
      if (calls <= 2) {
        res.writeHead(503).end();
        return;
      }
      res.writeHead(200, { 'Content-Type': 'application/dicom+json' }).end('[]');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const client = new DicomWebClient({ baseUrl: `http://127.0.0.1:${port}/dicom-web`, retries: 3, backoffMs: 5 });
      expect(await client.searchStudies()).toEqual([]);
      expect(calls).toBe(3);
      calls = 0;
      const impatient = new DicomWebClient({ baseUrl: `http://127.0.0.1:${port}/dicom-web`, retries: 1, backoffMs: 5 });
      await expect(impatient.searchStudies()).rejects.toThrow(/answered 503 .*\(after 2 attempts\)/);
    } finally {
      server.close();
    }
  });

  it('reports a PACS that is down as unreachable, naming where, and a timeout as such', async () => {
    const port = await freePort();
    const client = new DicomWebClient({ baseUrl: `http://127.0.0.1:${port}/dicom-web`, retries: 1, backoffMs: 5 });
    const error = await client.searchStudies().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PacsError);
    expect(error).toMatchObject({ code: 'unreachable' });
    expect((error as Error).message).toMatch(new RegExp(`GET http://127.0.0.1:${port}/dicom-web/studies: ECONNREFUSED \\(after 2 attempts\\)`));

    const silent = http.createServer(() => undefined); // never answers
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const slowPort = (silent.address() as { port: number }).port;
    try {
      const slow = new DicomWebClient({ baseUrl: `http://127.0.0.1:${slowPort}`, retries: 0, timeoutMs: 200 });
      await expect(slow.searchStudies()).rejects.toThrow(/timed out/);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });

  it('keeps at most `concurrency` requests in flight', async () => {
    // The server holds its answers until at least two requests are in flight (or the last one
    // arrived) and no new one came for 50 ms: a client within its limit then peaks at exactly 2
    // whatever the machine's load, and a client over its limit shows more.
    let inFlight = 0;
    let peak = 0;
    let arrived = 0;
    const held: http.ServerResponse[] = [];
    let quiet: NodeJS.Timeout | undefined;
    const release = (): void => {
      if (inFlight < 2 && arrived < 7) return;
      for (const r of held.splice(0)) {
        inFlight--;
        r.writeHead(200, { 'Content-Type': 'application/dicom+json' }).end('[]');
      }
    };
    const server = http.createServer((_req, res) => {
      inFlight++;
      arrived++;
      peak = Math.max(peak, inFlight);
      held.push(res);
      clearTimeout(quiet);
      quiet = setTimeout(release, 50);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    try {
      const client = new DicomWebClient({ baseUrl: `http://127.0.0.1:${port}`, concurrency: 2 });
      await Promise.all(Array.from({ length: 7 }, () => client.searchStudies()));
      expect(peak).toBe(2);
    } finally {
      server.close();
    }
  });
});
