import { promises as fs } from 'node:fs';
import path from 'node:path';
import { Router, type Request, type Response } from 'express';
import { AppError } from '../appError';
import { readPart10, toDicomJson, type DicomJsonAttribute } from '../dicom/part10';
import { checkQueryLists, frameNumbers, MORE_RESULTS_WARNING, qidoPage } from './dicomWebLimits';
import { FolderIndex, type FolderIndexOptions, type IndexedFile } from './folderIndex';
import { buildMultipart } from './multipart';

type DicomJson = Record<string, DicomJsonAttribute>;

/** One instance's identifiers and its header as DICOM JSON (no pixel data). */
interface Header {
  readonly studyUid: string;
  readonly seriesUid: string;
  readonly sopUid: string;
  readonly json: DicomJson;
}

/** An indexed instance and its file. */
interface Entry extends Header {
  readonly file: string;
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
 * syntax) and whole instances. The index is built at first use; an unknown UID re-scans the
 * folder (reading only new or changed files, at most once per `minRescanMs`: {@link FolderIndex}).
 * Lists are bounded (dicomWebLimits.ts): frame lists de-duplicated and capped, QIDO-RS pages of at
 * most `MAX_QIDO_LIMIT` results (with a Warning header when more remain).
 */
export class FolderDicomWeb {
  private readonly index: FolderIndex<Header>;

  constructor(root: string, options: FolderIndexOptions = {}) {
    this.index = new FolderIndex(root, parseHeader, options);
  }

  router(): Router {
    const router = Router({ mergeParams: true });
    router.use((req, _res, next) => {
      checkQueryLists(req.query);
      next();
    });
    router.get('/studies', async (req, res) => {
      const wanted = typeof req.query.StudyInstanceUID === 'string' ? new Set(req.query.StudyInstanceUID.split(',')) : null;
      const entries = await this.entries();
      const studies = groupBy(entries.filter((e) => !wanted || wanted.has(e.studyUid)), (e) => e.studyUid).map((group) => ({
        ...pick(group[0]!.json, STUDY_TAGS),
        '00080061': { vr: 'CS', Value: [...new Set(group.map((e) => value(e.json, '00080060')).filter(Boolean))] },
        '00201206': { vr: 'IS', Value: [new Set(group.map((e) => e.seriesUid)).size] },
        '00201208': { vr: 'IS', Value: [group.length] },
      }));
      sendPage(res, studies, req);
    });
    router.get('/studies/:study/series', async (req, res) => {
      const entries = await this.study(String(req.params.study));
      sendPage(res, groupBy(entries, (e) => e.seriesUid).map((group) => ({
        ...pick(group[0]!.json, SERIES_TAGS), '0020000D': group[0]!.json['0020000D']!, '00201209': { vr: 'IS', Value: [group.length] },
      })), req);
    });
    router.get('/studies/:study/series/:series/instances', async (req, res) => {
      const entries = (await this.study(String(req.params.study))).filter((e) => e.seriesUid === req.params.series);
      sendPage(res, entries.map((e) => ({ ...pick(e.json, INSTANCE_TAGS), '0020000D': e.json['0020000D']!, '0020000E': e.json['0020000E']! })), req);
    });
    router.get(['/studies/:study/metadata', '/studies/:study/series/:series/metadata'], async (req, res) => {
      const entries = (await this.study(String(req.params.study))).filter((e) => !req.params.series || e.seriesUid === req.params.series);
      if (entries.length === 0) throw new AppError(404, 'not-found', 'no such series');
      res.type('application/dicom+json').json(entries.map((e) => e.json));
    });
    router.get('/studies/:study/series/:series/instances/:sop/frames/:frames', async (req, res) => {
      const wanted = frameNumbers(String(req.params.frames)); // before any file is read
      const entry = await this.instance(String(req.params.sop));
      const { transferSyntaxUid, frames } = await readFrames(entry);
      const missing = wanted.find((n) => n > frames.length);
      if (missing !== undefined) throw new AppError(404, 'not-found', `frame ${missing}: the instance has ${frames.length}`);
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

  private async entries(): Promise<Entry[]> {
    return (await this.index.all()).map(withFile);
  }

  private async study(uid: string): Promise<Entry[]> {
    return (await this.index.findAll((e) => e.value.studyUid === uid)).map(withFile);
  }

  private async instance(uid: string): Promise<Entry> {
    const found = await this.index.find(uid);
    if (!found) throw new AppError(404, 'not-found', `no instance ${uid}`);
    return withFile(found);
  }
}

/** The identifiers and header (as DICOM JSON, no pixel data) of one file, or null when it lacks them. */
function parseHeader(bytes: Uint8Array, location: string): Header | null {
  const json = toDicomJson(readPart10(bytes, path.basename(location)).dataset);
  const [studyUid, seriesUid, sopUid] = ['0020000D', '0020000E', '00080018'].map((t) => value(json, t));
  if (typeof studyUid !== 'string' || typeof seriesUid !== 'string' || typeof sopUid !== 'string') return null;
  return { studyUid, seriesUid, sopUid, json };
}

const withFile = (indexed: IndexedFile<Header>): Entry => ({ ...indexed.value, file: indexed.file });

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
  for (const item of items) {
    const group = groups.get(key(item));
    if (group) group.push(item);
    else groups.set(key(item), [item]);
  }
  return [...groups.values()];
}

/** One QIDO-RS page (`offset`, `limit` ≤ `MAX_QIDO_LIMIT`), with a Warning header when more remain. */
function sendPage<T>(res: Response, items: readonly T[], req: Request): void {
  const { offset, limit } = qidoPage(req.query);
  if (offset + limit < items.length) res.setHeader('Warning', MORE_RESULTS_WARNING);
  res.type('application/dicom+json').json(items.slice(offset, offset + limit));
}
