/**
 * The DICOM objects the server writes, against the real Orthanc: STOW-RS of generated chest
 * phantoms (Secondary Capture), a Key Object Selection worklist referencing them and a
 * Segmentation of one; Orthanc must accept all of them, QIDO-RS must find the KO and SEG series
 * in the images' study, and what WADO-RS returns must read back the same (worklist order,
 * masks). Skipped, with the reason printed, where Orthanc is not installed.
 */
import {
  buildKeyObjectSelection,
  readKeyObjectSelection,
  readSegmentation,
  SECONDARY_CAPTURE_SOP_CLASS,
  segmentationToLabelMap,
  writeSecondaryCapture,
  writeSegmentation,
} from '../server/src/dicom';
import { DicomWebClient, type DicomJson } from '../server/src/pacs/dicomWebClient';
import { OrthancProcess, orthancAvailable } from './harness/orthanc';

const available = orthancAvailable();
if (!available) process.stderr.write('dicomObjects.test.ts skipped: Orthanc is not installed (apt-get install -y orthanc orthanc-dicomweb)\n');
const withOrthanc = available ? describe : describe.skip;

const STUDY = '1.2.826.0.1.3680043.10.1341.40.1';
const IMAGES = `${STUDY}.1`;
const WORKLIST = `${STUDY}.2`;
const MASKS = `${STUDY}.3`;
const patient = { patientId: 'PHANTOM-0040', patientName: 'Phantom^Chest' };
const ROWS = 48;
const COLUMNS = 40;

/** A chest-radiograph-like phantom: bright body, two dark lungs. */
function phantom(seed: number): Uint16Array {
  const pixels = new Uint16Array(ROWS * COLUMNS);
  for (let y = 0; y < ROWS; y++) {
    for (let x = 0; x < COLUMNS; x++) {
      const inLung = y > 8 && y < 40 && ((x > 5 && x < 17) || (x > 22 && x < 35));
      pixels[y * COLUMNS + x] = (inLung ? 600 : 2800) + ((x * 7 + y * 3 + seed * 11) % 200);
    }
  }
  return pixels;
}

/** Left lung = 1, right lung = 2, as in {@link phantom}. */
function lungLabels(): Uint8Array {
  const labels = new Uint8Array(ROWS * COLUMNS);
  for (let y = 9; y < 40; y++) {
    for (let x = 6; x < 17; x++) labels[y * COLUMNS + x] = 1;
    for (let x = 23; x < 35; x++) labels[y * COLUMNS + x] = 2;
  }
  return labels;
}

const value = (row: DicomJson, tag: string): unknown => row[tag]?.Value?.[0];

withOrthanc('ScanSelect DICOM objects in Orthanc', () => {
  let orthanc: OrthancProcess;
  let client: DicomWebClient;
  beforeAll(async () => {
    orthanc = await OrthancProcess.start();
    client = new DicomWebClient({ baseUrl: orthanc.dicomWebUrl, retries: 0 });
  }, 60_000);
  afterAll(async () => {
    await orthanc?.dispose();
  });

  const images = [1, 2, 3].map((i) => ({ studyUid: STUDY, seriesUid: IMAGES, sopUid: `${IMAGES}.${i}`, sopClassUid: SECONDARY_CAPTURE_SOP_CLASS }));
  const labels = lungLabels();

  async function qido(path: string): Promise<DicomJson[]> {
    const response = await fetch(`${orthanc.dicomWebUrl}${path}`, { headers: { Accept: 'application/dicom+json' } });
    expect(response.status).toBeLessThan(300);
    return response.status === 204 ? [] : ((await response.json()) as DicomJson[]);
  }

  it('accepts phantom images, a worklist KO and a SEG; QIDO-RS finds the KO and SEG series; WADO-RS reads back the same', async () => {
    const scs = images.map((ref, i) =>
      writeSecondaryCapture({
        ...ref, ...patient, modality: 'CR', bodyPart: 'CHEST', studyDate: '20260310', studyDescription: 'CHEST PA phantoms',
        seriesDescription: 'phantoms', instanceNumber: i + 1, rows: ROWS, columns: COLUMNS, pixels: phantom(i), pixelSpacing: [0.5, 0.5],
      }),
    );
    const ko = buildKeyObjectSelection({
      title: 'ScanSelect worklist: chest round 2', studyUid: STUDY, seriesUid: WORKLIST, sopUid: `${WORKLIST}.1`, ...patient,
      items: [
        { ...images[2], rank: 1, priority: 'high', reason: 'most uncertain' },
        { ...images[0], rank: 2, priority: 'high' },
        { ...images[1], rank: 3, priority: 'normal', reason: 'diverse' },
      ],
    });
    const seg = writeSegmentation({
      source: { ...images[0], ...patient, rows: ROWS, columns: COLUMNS, pixelSpacing: [0.5, 0.5] },
      segments: [{ number: 1, label: 'left lung', value: 1 }, { number: 2, label: 'right lung', value: 2 }],
      labelMap: labels, seriesUid: MASKS, sopUid: `${MASKS}.1`, contentCreator: 'Simulated^Annotator',
    });

    expect(await client.store(scs)).toEqual({ stored: 3, failed: [] });
    expect(await client.store([ko, seg])).toEqual({ stored: 2, failed: [] });

    // One study (the KO and SEG carry the images' patient, so Orthanc files them together).
    const studies = await client.searchStudies();
    expect(studies.map((s) => value(s, '0020000D'))).toEqual([STUDY]);

    const koSeries = await qido(`/studies/${STUDY}/series?Modality=KO`);
    expect(koSeries.map((s) => [value(s, '0020000E'), value(s, '00080060')])).toEqual([[WORKLIST, 'KO']]);
    const segSeries = await qido(`/studies/${STUDY}/series?Modality=SEG`);
    expect(segSeries.map((s) => value(s, '0020000E'))).toEqual([MASKS]);
    expect((await qido(`/studies/${STUDY}/series`)).map((s) => value(s, '00080060')).sort()).toEqual(['CR', 'KO', 'SEG']);

    const worklist = readKeyObjectSelection(await client.retrieveInstance({ studyUid: STUDY, seriesUid: WORKLIST, sopUid: `${WORKLIST}.1` }));
    expect(worklist.title).toBe('ScanSelect worklist: chest round 2');
    expect(worklist.items.map((i) => [i.sopUid, i.seriesUid, i.studyUid, i.rank, i.priority])).toEqual([
      [`${IMAGES}.3`, IMAGES, STUDY, 1, 'high'],
      [`${IMAGES}.1`, IMAGES, STUDY, 2, 'high'],
      [`${IMAGES}.2`, IMAGES, STUDY, 3, 'normal'],
    ]);

    const mask = readSegmentation(await client.retrieveInstance({ studyUid: STUDY, seriesUid: MASKS, sopUid: `${MASKS}.1` }));
    expect(mask).toMatchObject({ sopUid: `${MASKS}.1`, studyUid: STUDY, segmentationType: 'BINARY', rows: ROWS, columns: COLUMNS });
    expect(mask.segments.map((s) => s.label)).toEqual(['left lung', 'right lung']);
    expect(mask.frames.every((f) => f.referencedSopUid === `${IMAGES}.1`)).toBe(true);
    expect(Buffer.from(segmentationToLabelMap(mask, `${IMAGES}.1`, new Map([[1, 1], [2, 2]]))).equals(Buffer.from(labels))).toBe(true);
  }, 60_000);
});
