/**
 * The server's read-only DICOMweb proxy (what the viewer uses: Orthanc has no CORS) against the
 * real Orthanc: QIDO-RS and WADO-RS answers identical to Orthanc's own, ScanSelect tokens
 * required, unknown sources and path tricks refused, a PACS that is down answered 502. Against a
 * recording stand-in for a PACS: lists capped and frame lists de-duplicated before forwarding.
 */
import http from 'node:http';
import express from 'express';
import { parseServerConfig } from '../server/src/config/serverConfig';
import { dicomWebProxy } from '../server/src/http/routes/dicomWebProxy';
import { DicomWebClient } from '../server/src/pacs/dicomWebClient';
import { boundaryOf, parseMultipart } from '../server/src/pacs/multipart';
import { makeInstance } from './harness/dicomFixtures';
import { OrthancProcess, orthancAvailable } from './harness/orthanc';
import { startTestServer, type TestServer } from './harness/serverHarness';

const available = orthancAvailable();
if (!available) process.stderr.write('dicomWebProxy.test.ts skipped: Orthanc is not installed (apt-get install -y orthanc orthanc-dicomweb)\n');
const withOrthanc = available ? describe : describe.skip;

const STUDY = '1.2.826.0.1.3680043.10.1341.60.1';
const SERIES = `${STUDY}.1`;
const SOP = `${SERIES}.1`;

describe('DICOMweb proxy: what reaches the PACS', () => {
  let upstream: http.Server;
  let t: TestServer;
  const seen: string[] = [];
  beforeAll(async () => {
    upstream = http.createServer((req, res) => {
      seen.push(req.url!);
      res.setHeader('Content-Type', 'application/dicom+json');
      res.end('[]');
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const { port } = upstream.address() as { port: number };
    t = await startTestServer({ sources: { pacs: { kind: 'dicomweb', url: `http://127.0.0.1:${port}/dicom-web` } } });
  });
  afterAll(async () => {
    await t?.dispose();
    await new Promise((resolve) => upstream?.close(resolve));
  });
  const forwarded = async (route: string): Promise<{ status: number; code?: string; url?: string }> => {
    seen.length = 0;
    const r = await t.call('GET', `/dicom-web/pacs${route}`, { role: 'annotator' });
    return { status: r.status, ...(r.status >= 400 && { code: r.json.code }), ...(seen.length > 0 && { url: decodeURIComponent(seen.join(' ')) }) };
  };

  it('de-duplicates frame lists and refuses lists beyond the cap without asking the PACS', async () => {
    const instance = '/studies/1.2.3/series/1.2.3.4/instances/1.2.3.4.5';
    expect(await forwarded(`${instance}/frames/2,1,2,2,1`)).toEqual({ status: 200, url: `/dicom-web${instance}/frames/2,1` });
    expect(await forwarded(`${instance}/frames/${Array(7000).fill('1').join(',')}`)).toEqual({ status: 400, code: 'too-many-items' });
    expect(await forwarded(`${instance}/frames/1,x`)).toEqual({ status: 400, code: 'invalid-frame-list' });
  });

  it('lowers a QIDO-RS limit above the maximum and refuses query lists beyond the cap', async () => {
    expect(await forwarded('/studies?ModalitiesInStudy=CR&limit=50000&offset=10')).toEqual({ status: 200, url: '/dicom-web/studies?ModalitiesInStudy=CR&limit=1000&offset=10' });
    expect(await forwarded('/studies?PatientName=A*&limit=25')).toEqual({ status: 200, url: '/dicom-web/studies?PatientName=A*&limit=25' }); // as asked
    expect(await forwarded('/studies?limit=many')).toEqual({ status: 400, code: 'invalid-query' });
    expect(await forwarded(`/studies?includefield=${Array(1001).fill('00100010').join(',')}`)).toEqual({ status: 400, code: 'too-many-items' });
  });
});

withOrthanc('DICOMweb proxy', () => {
  let orthanc: OrthancProcess;
  let t: TestServer;
  beforeAll(async () => {
    orthanc = await OrthancProcess.start();
    await new DicomWebClient({ baseUrl: orthanc.dicomWebUrl }).store([makeInstance({ studyUid: STUDY, seriesUid: SERIES, sopUid: SOP, modality: 'CR', pixel: (x, y) => 100 * x + y })]);
    t = await startTestServer({ sources: { pacs: { kind: 'dicomweb', url: orthanc.dicomWebUrl }, folder: { kind: 'folder', path: 'x' } } });
  }, 60_000);
  afterAll(async () => {
    await t?.dispose();
    await orthanc?.dispose();
  });

  it('answers QIDO-RS and WADO-RS exactly as the PACS does', async () => {
    const directText = await (await fetch(`${orthanc.dicomWebUrl}/studies?ModalitiesInStudy=CR`, { headers: { Accept: 'application/dicom+json' } })).text();
    const direct = JSON.parse(directText.split(orthanc.dicomWebUrl).join('/dicom-web/pacs')); // its URLs name the proxy, server-relative
    const proxied = await t.call('GET', '/dicom-web/pacs/studies?ModalitiesInStudy=CR', { role: 'annotator' });
    expect(proxied.status).toBe(200);
    expect(JSON.parse(proxied.bytes.toString('utf8'))).toEqual(direct);
    const accept = 'multipart/related; type="application/octet-stream"; transfer-syntax=*';
    const route = `/studies/${STUDY}/series/${SERIES}/instances/${SOP}/frames/1`;
    const frameDirect = await fetch(`${orthanc.dicomWebUrl}${route}`, { headers: { Accept: accept } });
    const response = await fetch(`${t.url}/dicom-web/pacs${route}`, { headers: { Accept: accept, Authorization: `Bearer ${t.token.annotator}` } });
    expect(response.status).toBe(200);
    const withoutBoundary = (type: string | null): string => (type ?? '').replace(/;\s*boundary=[^;]+/, '');
    expect(withoutBoundary(response.headers.get('content-type'))).toBe(withoutBoundary(frameDirect.headers.get('content-type')));
    const frame = (type: string | null, body: ArrayBuffer) => parseMultipart(new Uint8Array(body), boundaryOf(type!)!)[0]!.body;
    const viaProxy = frame(response.headers.get('content-type'), await response.arrayBuffer());
    expect(viaProxy.length).toBe(32 * 32 * 2);
    expect(Buffer.from(viaProxy).equals(Buffer.from(frame(frameDirect.headers.get('content-type'), await frameDirect.arrayBuffer())))).toBe(true);
    const metadata = await t.call('GET', `/dicom-web/pacs/studies/${STUDY}/series/${SERIES}/metadata`, { role: 'annotator' });
    const [instance] = JSON.parse(metadata.bytes.toString('utf8'));
    expect(instance['00080018'].Value).toEqual([SOP]);
    // Bulk data is reached through the proxy too, never at the PACS's own address.
    expect(instance['7FE00010'].BulkDataURI).toMatch(new RegExp(`^/dicom-web/pacs/studies/${STUDY.replace(/\./g, '\\.')}/`));
    expect(metadata.bytes.toString('utf8')).not.toContain(orthanc.dicomWebUrl);
  });

  it('never writes a URL from the Host or X-Forwarded-* headers; with publicUrl, URLs start with it', async () => {
    const forged = { Host: 'evil.example', 'X-Forwarded-Proto': 'https', 'X-Forwarded-Host': 'evil.example', Authorization: `Bearer ${t.token.annotator}` };
    const { hostname, port } = new URL(t.url);
    const answers = await Promise.all([`/dicom-web/pacs/studies/${STUDY}/series/${SERIES}/metadata`, '/dicom-web/pacs/studies?ModalitiesInStudy=CR', '/viewer/app-config.js'].map((route) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        http.get({ hostname, port, path: route, headers: forged }, (res) => {
          let body = '';
          res.on('data', (c) => (body += c));
          res.on('end', () => resolve({ status: res.statusCode!, body: JSON.stringify(res.headers) + body }));
        }).on('error', reject);
      })));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200]);
    expect(answers[0]!.body).toMatch(/"BulkDataURI"\s*:\s*"\/dicom-web\/pacs\/studies\//);
    for (const answer of answers) expect(answer.body).not.toMatch(/evil\.example|https:/);

    const config = parseServerConfig({ dataDir: 'unused', publicUrl: 'https://scanselect.hospital.example/', sources: { pacs: { kind: 'dicomweb', url: orthanc.dicomWebUrl } } }, '/tmp');
    const app = express();
    app.use((req, _res, next) => {
      req.principal = { tokenId: 1, name: 'tester', role: 'annotator' };
      next();
    });
    app.use(dicomWebProxy(config.sources, { publicUrl: config.publicUrl }));
    const server = await new Promise<http.Server>((resolve) => {
      const s = app.listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      const response = await fetch(`http://127.0.0.1:${(server.address() as { port: number }).port}/dicom-web/pacs/studies/${STUDY}/series/${SERIES}/metadata`);
      const [proxied] = (await response.json()) as Array<Record<string, { BulkDataURI?: string }>>;
      expect(proxied!['7FE00010']!.BulkDataURI).toMatch(new RegExp(`^https://scanselect\\.hospital\\.example/dicom-web/pacs/studies/${STUDY.replace(/\./g, '\\.')}/`));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('needs a ScanSelect token and refuses unknown sources and path tricks', async () => {
    expect((await t.call('GET', '/dicom-web/pacs/studies')).status).toBe(401);
    expect((await t.call('GET', '/dicom-web/nowhere/studies', { role: 'annotator' })).json.code).toBe('not-found');
    // fetch would normalise the dots away; a raw request keeps them, as an attacker's would.
    const raw = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const { hostname, port } = new URL(t.url);
      http.get({ hostname, port, path: '/dicom-web/pacs/studies/%2e%2e/%2e%2e/system', headers: { Authorization: `Bearer ${t.token.annotator}` } }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      }).on('error', reject);
    });
    expect([raw.status, JSON.parse(raw.body).code]).toEqual([400, 'invalid-path']);
  });

  it('answers 502 with a JSON error while the PACS is down', async () => {
    await orthanc.stop();
    try {
      const r = await t.call('GET', '/dicom-web/pacs/studies', { role: 'annotator' });
      expect([r.status, r.json.code]).toEqual([502, 'pacs-unreachable']);
    } finally {
      await orthanc.resume();
    }
  });
});
