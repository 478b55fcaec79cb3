import { buildKeyObjectSelection, writeSegmentation } from '../dicom';
import { sourceHeaders, type DicomWebSourceConfig } from '../config/serverConfig';
import type { ArtifactStore } from '../storage/artifactStore';
import { DicomWebClient } from '../pacs/dicomWebClient';
import type { Deliver } from '../outbox/outboxWorker';
import type { OutboxEntry } from '../outbox/outbox';
import { readPng } from '@scanselect/plugin';
import { patientOf } from './patientOf';
import type { KeyObjectPayload, OrthancMetadataPayload } from './publishRound';

/** Payload of a `stow-file` entry: a stored DICOM file (an uploaded SEG). */
export interface StowFilePayload {
  /** Its artefact key. */
  readonly file: string;
  readonly what: string;
}

/** Payload of a `stow-seg` entry: a SEG to build from a stored label map (PNG uploads). */
export interface SegPayload {
  /** The artefact key of the label map. */
  readonly labelFile: string;
  /** `frame`: of a multi-frame source, the one the mask lies on (its first: the case). */
  readonly source: { studyUid: string; seriesUid: string; sopUid: string; sopClassUid: string; rows: number; columns: number; frame?: number };
  readonly segments: ReadonlyArray<{ number: number; label: string; value: number }>;
  readonly seriesUid: string;
  readonly sopUid: string;
  readonly contentCreator: string;
}

/**
 * How each kind of outbox entry reaches its PACS: STOW-RS of a stored file, of a KO or SEG built
 * at delivery time (the patient module copied from the source instance, never stored here), and
 * Orthanc's per-study metadata. Any failure throws, so the outbox retries it later.
 */
export function deliveries(sources: Readonly<Record<string, DicomWebSourceConfig | { kind: 'folder' }>>, artifacts: ArtifactStore): Record<string, Deliver> {
  const clients = new Map<string, DicomWebClient>();
  const pacs = (entry: OutboxEntry): { client: DicomWebClient; config: DicomWebSourceConfig } => {
    const config = sources[entry.target];
    if (!config || config.kind !== 'dicomweb') throw new Error(`source "${entry.target}" is not a configured DICOMweb PACS`);
    const dicomWeb = config as DicomWebSourceConfig;
    if (!clients.has(entry.target)) clients.set(entry.target, new DicomWebClient({ baseUrl: dicomWeb.url, headers: sourceHeaders(dicomWeb), timeoutMs: dicomWeb.timeoutMs, retries: 1 }));
    return { client: clients.get(entry.target)!, config: dicomWeb };
  };
  const stow = async (client: DicomWebClient, bytes: Uint8Array, what: string): Promise<void> => {
    const result = await client.store([bytes]);
    if (result.failed.length > 0) throw new Error(`the PACS refused ${what}: ${result.failed.map((f) => f.reason).join('; ')}`);
  };
  return {
    'stow-file': async (entry) => {
      const payload = entry.payload as StowFilePayload;
      await stow(pacs(entry).client, await artifacts.get(payload.file), payload.what);
    },
    'stow-ko': async (entry) => {
      const payload = entry.payload as KeyObjectPayload;
      const { client } = pacs(entry);
      const patient = patientOf(await client.retrieveInstance(payload.items[0]!));
      const bytes = buildKeyObjectSelection({ ...payload, ...patient, seriesDescription: 'ScanSelect worklist' });
      await stow(client, bytes, `the worklist KO of study ${payload.studyUid}`);
    },
    'stow-seg': async (entry) => {
      const payload = entry.payload as SegPayload;
      const { client } = pacs(entry);
      const patient = patientOf(await client.retrieveInstance(payload.source));
      const image = readPng(await artifacts.get(payload.labelFile));
      const bytes = writeSegmentation({
        source: { ...payload.source, ...patient }, segments: payload.segments, labelMap: Uint8Array.from(image.data),
        seriesUid: payload.seriesUid, sopUid: payload.sopUid, contentCreator: payload.contentCreator, seriesDescription: 'ScanSelect mask',
      });
      await stow(client, bytes, `the SEG of ${payload.source.sopUid}`);
    },
    'orthanc-metadata': async (entry) => {
      const payload = entry.payload as OrthancMetadataPayload;
      const { config } = pacs(entry);
      if (!config.orthancUrl) throw new Error(`source "${entry.target}" has no orthancUrl`);
      await setOrthancStudyMetadata(config.orthancUrl, sourceHeaders(config), payload);
    },
  };
}

/** Orthanc REST: find the study by its UID (`/tools/lookup`), then PUT its user metadata. */
async function setOrthancStudyMetadata(baseUrl: string, headers: Readonly<Record<string, string>>, payload: OrthancMetadataPayload): Promise<void> {
  const root = baseUrl.replace(/\/+$/, '');
  const lookup = await fetch(`${root}/tools/lookup`, { method: 'POST', headers: { ...headers, 'Content-Type': 'text/plain' }, body: payload.studyUid, signal: AbortSignal.timeout(30_000) });
  if (!lookup.ok) throw new Error(`Orthanc ${root}/tools/lookup answered ${lookup.status}`);
  const found = (await lookup.json()) as Array<{ ID: string; Type: string }>;
  const study = found.find((f) => f.Type === 'Study');
  if (!study) throw new Error(`Orthanc has no study ${payload.studyUid}`);
  const put = await fetch(`${root}/studies/${study.ID}/metadata/${payload.name}`, { method: 'PUT', headers: { ...headers, 'Content-Type': 'text/plain' }, body: payload.value, signal: AbortSignal.timeout(30_000) });
  if (!put.ok) throw new Error(`Orthanc refused the study metadata "${payload.name}" (${put.status}: ${(await put.text()).slice(0, 200)}); is it declared in Orthanc's UserMetadata?`);
}
