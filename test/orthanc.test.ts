/**
 * The Orthanc test harness against the real Debian Orthanc: start on a free loopback port, STOW-RS
 * generated instances, find them with QIDO-RS, fetch one with WADO-RS, and keep them across a
 * stop and a restart (the PACS outage of the server's tests). Skipped, with the reason printed,
 * where Orthanc is not installed (`.ci/run` installs it).
 */
import { buildMultipart } from '../server/src/pacs/multipart';
import { makeInstance } from './harness/dicomFixtures';
import { OrthancProcess, orthancAvailable } from './harness/orthanc';

const available = orthancAvailable();
if (!available) process.stderr.write('orthanc.test.ts skipped: Orthanc is not installed (apt-get install -y orthanc orthanc-dicomweb)\n');
const maybe = available ? describe : describe.skip;

maybe('Orthanc harness', () => {
  let orthanc: OrthancProcess;
  beforeAll(async () => {
    orthanc = await OrthancProcess.start();
  }, 60_000);
  afterAll(async () => {
    await orthanc?.dispose();
  });

  const study = '1.2.826.0.1.3680043.10.1341.9.1';
  const series = `${study}.1`;

  it('stores with STOW-RS, finds with QIDO-RS, retrieves with WADO-RS', async () => {
    const instances = [1, 2, 3].map((i) => makeInstance({ studyUid: study, seriesUid: series, sopUid: `${series}.${i}`, pixel: (x, y) => i * 100 + x * y }));
    const { body, contentType } = buildMultipart(instances);
    const stored = await fetch(`${orthanc.dicomWebUrl}/studies`, { method: 'POST', body, headers: { 'Content-Type': contentType, Accept: 'application/dicom+json' } });
    expect(stored.status).toBe(200);
    const found = (await (await fetch(`${orthanc.dicomWebUrl}/studies?ModalitiesInStudy=OT`, { headers: { Accept: 'application/dicom+json' } })).json()) as Array<Record<string, { Value?: unknown[] }>>;
    expect(found.map((s) => s['0020000D']?.Value?.[0])).toEqual([study]);
    const listed = (await (await fetch(`${orthanc.dicomWebUrl}/studies/${study}/series/${series}/instances`, { headers: { Accept: 'application/dicom+json' } })).json()) as unknown[];
    expect(listed).toHaveLength(3);
    const wado = await fetch(`${orthanc.dicomWebUrl}/studies/${study}/series/${series}/instances/${series}.2`, { headers: { Accept: 'multipart/related; type="application/dicom"' } });
    expect(wado.status).toBe(200);
    const bytes = Buffer.from(await wado.arrayBuffer());
    expect(bytes.includes(Buffer.from('DICM'))).toBe(true);
    expect(bytes.includes(Buffer.from(`${series}.2`))).toBe(true);
  }, 60_000);

  it('is unreachable while stopped and keeps its data across a restart', async () => {
    await orthanc.stop();
    await expect(fetch(`${orthanc.url}/system`)).rejects.toThrow();
    await orthanc.resume();
    const instances = (await (await fetch(`${orthanc.url}/instances`)).json()) as string[];
    expect(instances).toHaveLength(3);
  }, 60_000);
});
