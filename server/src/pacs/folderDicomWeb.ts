import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Router, type Request } from 'express';
import { AppError } from '../appError';
import { readPart10, toDicomJson, type DicomJsonAttribute } from '../dicom/part10';
import { walk } from './folderSource';
import { buildMultipart } from './multipart';

type DicomJson = Record<string, DicomJsonAttribute>;

/** One indexed file: its identifiers and its header as DICOM JSON (no pixel data). */
interface Entry {
  readonly file: string;
  readonly studyUid: string;
  readonly seriesUid: string;
  readonly sopUid: string;
  readonly json: DicomJson;
}

const STUDY_TAGS = ['00080020', '00080030', '00080050', '00100010', '00100020', '00100030', '00100040', '00081030', '0020000D', '00200010'];
const SERIES_TAGS = ['0020000E', '00080060', '00200011', '0008103E', '00080021'];
const INSTANCE_TAGS = ['00080016', '00080018', '00200013', '00280010', '00280011', '00280008'];
const value = (json: DicomJson, tag: string): unknown => json[tag]?.Value?.[0];
const pick = (json: DicomJson, tags: readonly string[]): DicomJson => Object.fromEntries(tags.filter((t) => json[t]).map((t) => [t, json[t]!]));

/**
 * A read-only DICOMweb service over a local folder of DICOM files — so that the viewer works on
 * the embedded default source (the demo's phantoms) as it does on a PACS: QIDO-RS for studies,
 * series and instances, WADO-RS metadata, frames (native or as stored, with their transfer
 * syntax) and whole instances. The index is built at first use and rebuilt when a UID is
 * not found (files added since).
 */
export class FolderDicomWeb {
  private index: Promise<Entry[]> | null = null;

  constructor(private readonly root: string) {}

  router(): Router {
    const router = Router({ mergeParams: true });
    router.get('/studies', async (req, res) => {
      const entries = await this.entries();
      const wanted = typeof req.query.StudyInstanceUID === 'string' ? req.query.StudyInstanceUID : null;
      const studies = groupBy(entries.filter((e) => !wanted || e.studyUid === wanted), (e) => e.studyUid).map((group) => ({
        ...pick(group[0]!.json, STUDY_TAGS),
        '00080061': { vr: 'CS', Value: [...new Set(group.map((e) => value(e.json, '00080060')).filter(Boolean))] },
        '00201206': { vr: 'IS', Value: [new Set(group.map((e) => e.seriesUid)).size] },
        '00201208': { vr: 'IS', Value: [group.length] },
      }));
      res.type('application/dicom+json').json(page(studies, req));
    });
    router.get('/studies/:study/series', async (req, res) => {
      const entries = await this.study(String(req.params.study));
      res.type('application/dicom+json').json(groupBy(entries, (e) => e.seriesUid).map((group) => ({
        ...pick(group[0]!.json, SERIES_TAGS), '0020000D': group[0]!.json['0020000D']!, '00201209': { vr: 'IS', Value: [group.length] },
      })));
    });
    router.get('/studies/:study/series/:series/instances', async (req, res) => {
      const entries = (await this.study(String(req.params.study))).filter((e) => e.seriesUid === req.params.series);
      res.type('application/dicom+json').json(entries.map((e) => ({ ...pick(e.json, INSTANCE_TAGS), '0020000D': e.json['0020000D']!, '0020000E': e.json['0020000E']! })));
    });
    router.get(['/studies/:study/metadata', '/studies/:study/series/:series/metadata'], async (req, res) => {
      const entries = (await this.study(String(req.params.study))).filter((e) => !req.params.series || e.seriesUid === req.params.series);
      if (entries.length === 0) throw new AppError(404, 'not-found', 'no such series');
      res.type('application/dicom+json').json(entries.map((e) => e.json));
    });
    router.get('/studies/:study/series/:series/instances/:sop/frames/:frames', async (req, res) => {
      const entry = await this.instance(String(req.params.sop));
      const { transferSyntaxUid, frames } = await readFrames(entry);
      const wanted = String(req.params.frames).split(',').map(Number);
      if (wanted.some((n) => !Number.isInteger(n) || n < 1 || n > frames.length)) throw new AppError(404, 'not-found', `frames ${String(req.params.frames)}: the instance has ${frames.length}`);
      const { body, contentType } = buildMultipart(wanted.map((n) => frames[n - 1]!), `application/octet-stream; transfer-syntax=${transferSyntaxUid}`);
      res.setHeader('Content-Type', contentType);
      res.send(body);
    });
    router.get('/studies/:study/series/:series/instances/:sop', async (req, res) => {
      const entry = await this.instance(String(req.params.sop));
      const { body, contentType } = buildMultipart([new Uint8Array(await fs.readFile(entry.file))]);
      res.setHeader('Content-Type', contentType);
      res.send(body);
    });
    return router;
  }

  private async entries(refresh = false): Promise<Entry[]> {
    if (!this.index || refresh) this.index = buildIndex(this.root);
    return this.index;
  }

  private async study(uid: string): Promise<Entry[]> {
    let found = (await this.entries()).filter((e) => e.studyUid === uid);
    if (found.length === 0) found = (await this.entries(true)).filter((e) => e.studyUid === uid);
    return found;
  }

  private async instance(uid: string): Promise<Entry> {
    const entry = (await this.entries()).find((e) => e.sopUid === uid) ?? (await this.entries(true)).find((e) => e.sopUid === uid);
    if (!entry) throw new AppError(404, 'not-found', `no instance ${uid}`);
    return entry;
  }
}

async function buildIndex(root: string): Promise<Entry[]> {
  const entries: Entry[] = [];
  const seen = new Set<string>();
  for await (const file of walk(root)) {
    let json: DicomJson;
    try {
      const part10 = readPart10(new Uint8Array(await fs.readFile(file)), path.basename(file));
      json = toDicomJson(part10.dataset);
    } catch {
      continue; // not DICOM, or unreadable: the sync reports these; the viewer just does not list them
    }
    const [studyUid, seriesUid, sopUid] = ['0020000D', '0020000E', '00080018'].map((t) => value(json, t));
    if (typeof studyUid !== 'string' || typeof seriesUid !== 'string' || typeof sopUid !== 'string' || seen.has(sopUid)) continue;
    seen.add(sopUid);
    entries.push({ file, studyUid, seriesUid, sopUid, json });
  }
  return entries;
}

/** The frames of an instance: native pixel data cut per frame, encapsulated data one frame per fragment group. */
async function readFrames(entry: Entry): Promise<{ transferSyntaxUid: string; frames: Uint8Array[] }> {
  const { transferSyntaxUid, dataset, pixelFragments } = readPart10(new Uint8Array(await fs.readFile(entry.file)), path.basename(entry.file));
  if (!pixelFragments) throw new AppError(404, 'not-found', 'the instance has no pixel data');
  const count = Number(dataset.NumberOfFrames ?? 1) || 1;
  const native = transferSyntaxUid === '1.2.840.10008.1.2' || transferSyntaxUid === '1.2.840.10008.1.2.1';
  if (!native) {
    // One fragment per frame is what writers do for single-fragment frames; else all fragments make one frame.
    return { transferSyntaxUid, frames: pixelFragments.length === count ? pixelFragments : [Buffer.concat(pixelFragments)] };
  }
  const all = Buffer.concat(pixelFragments);
  const frameBytes = Number(dataset.Rows) * Number(dataset.Columns) * Number(dataset.SamplesPerPixel ?? 1) * (Number(dataset.BitsAllocated) / 8);
  return { transferSyntaxUid, frames: Array.from({ length: count }, (_v, i) => all.subarray(i * frameBytes, (i + 1) * frameBytes)) };
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return [...groups.values()];
}

function page<T>(items: readonly T[], req: Request): T[] {
  const offset = Number(req.query.offset ?? 0) || 0;
  const limit = Number(req.query.limit ?? items.length) || items.length;
  return items.slice(offset, offset + limit);
}
