import { readDicom, readDicomHeader, resizeBilinear, toGrayscale, writeGrayPng, type Encoder, type Image2D } from '@scanselect/plugin';
import type { Db } from '../db/database';
import type { ImageSource, SkippedInstance, SourceFilters, SourceInstance } from '../pacs/source';

/** Options of {@link syncProject}. */
export interface SyncOptions {
  readonly db: Db;
  readonly projectId: number;
  readonly source: ImageSource;
  readonly filters: SourceFilters;
  readonly encoder: Encoder;
  /** Encoder id stored with each embedding. */
  readonly encoderId: string;
  /** Side of the square the image is resized to before embedding. */
  readonly inputSize: number;
  /** Stops between instances (what is stored stays stored). */
  readonly signal?: AbortSignal;
  readonly onSkip?: (skipped: SkippedInstance) => void;
  /** Instances retrieved ahead of the one being embedded (default 4). */
  readonly prefetch?: number;
  /** Called after every listed instance with the counts so far (for progress). */
  readonly onInstance?: (counts: Omit<SyncReport, 'aborted'>) => void;
}

/** What one sync did. */
export interface SyncReport {
  /** Instances the source listed that pass the filters. */
  readonly listed: number;
  /** Of those, not seen by an earlier sync. */
  readonly fresh: number;
  readonly embedded: number;
  /** Fresh instances that could not be decoded (recorded with the reason). */
  readonly failed: number;
  /** Files or rows the source itself left out (not DICOM, duplicates …). */
  readonly skipped: number;
  readonly aborted: boolean;
}

/**
 * Incremental sync of one project: list the source with the project's filters, and for every
 * instance not yet in `instances` retrieve → decode → grey → resize → embed → store, with where
 * the source found it (`location`, kept current for instances already stored). Each
 * instance is committed on its own, so a sync stopped at any point (crash, abort, PACS outage)
 * keeps what it stored and the next sync neither repeats nor duplicates it. A PACS error aborts
 * the sync (thrown); a bad instance is recorded as failed and the sync goes on.
 */
export async function syncProject(options: SyncOptions): Promise<SyncReport> {
  const { db, projectId } = options;
  const seen = db.prepare('SELECT location FROM instances WHERE project_id = ? AND sop_uid = ?');
  const relocate = db.prepare('UPDATE instances SET location = ? WHERE project_id = ? AND sop_uid = ?');
  const insert = db.prepare(`INSERT INTO instances
    (project_id, sop_uid, study_uid, series_uid, modality, body_part, study_date, study_description, status, error, encoder, embedding, synced_at,
     sop_class_uid, rows, columns, frames, thumbnail, location)
    VALUES (@projectId, @sopUid, @studyUid, @seriesUid, @modality, @bodyPart, @studyDate, @studyDescription, @status, @error, @encoder, @embedding, @syncedAt,
     @sopClassUid, @rows, @columns, @frames, @thumbnail, @location)`);
  let listed = 0, fresh = 0, embedded = 0, failed = 0, skipped = 0;
  const store = (instance: SourceInstance, result: Outcome): void => {
    const header = 'header' in result ? result.header : null;
    insert.run({
      projectId, ...instance, location: instance.location ?? null,
      sopClassUid: header?.sopClassUid ?? null, rows: header?.rows ?? null, columns: header?.columns ?? null, frames: header?.frames ?? null,
      thumbnail: 'thumbnail' in result ? result.thumbnail : null,
      status: 'embedding' in result ? 'embedded' : 'failed',
      error: 'error' in result ? result.error : null,
      encoder: 'embedding' in result ? options.encoderId : null,
      embedding: 'embedding' in result ? Buffer.from(result.embedding.buffer, result.embedding.byteOffset, result.embedding.byteLength) : null,
      syncedAt: new Date().toISOString(),
    });
  };
  const onSkip = (s: SkippedInstance): void => {
    skipped++;
    options.onSkip?.(s);
  };
  // Retrievals run up to `prefetch` instances ahead of the decoding and embedding, so that the
  // PACS's latency overlaps the CPU work; results are still stored one by one, in list order.
  const window: Array<{ instance: SourceInstance; bytes: Promise<Uint8Array> }> = [];
  const prefetch = options.prefetch ?? 4;
  const embedNext = async (): Promise<void> => {
    const item = window.shift()!;
    const bytes = await item.bytes;
    const outcome = await decodeAndEmbed(bytes, item.instance, options);
    store(item.instance, outcome);
    if ('error' in outcome) failed++;
    else embedded++;
  };
  // What was retrieved but not stored when a stop comes is left for the next sync.
  const stopped = (): SyncReport => ({ listed, fresh: fresh - window.length, embedded, failed, skipped, aborted: true });
  for await (const instance of options.source.list(options.filters, onSkip)) {
    listed++;
    options.onInstance?.({ listed, fresh, embedded, failed, skipped });
    const stored = seen.get(projectId, instance.sopUid) as { location: string | null } | undefined;
    if (stored) {
      // Files move, and databases from before locations were kept have none: keep it current.
      if ((instance.location ?? null) !== stored.location) relocate.run(instance.location ?? null, projectId, instance.sopUid);
      continue;
    }
    if (window.some((w) => w.instance.sopUid === instance.sopUid)) continue;
    if (options.signal?.aborted) return stopped();
    fresh++;
    const bytes = options.source.retrieve(instance);
    bytes.catch(() => undefined); // awaited in order by embedNext; never an unhandled rejection meanwhile
    window.push({ instance, bytes });
    if (window.length > prefetch) await embedNext();
  }
  while (window.length > 0) {
    if (options.signal?.aborted) return stopped();
    await embedNext();
  }
  return { listed, fresh, embedded, failed, skipped, aborted: false };
}

type Header = ReturnType<typeof readDicomHeader>;
type Outcome = { embedding: Float32Array; header: Header; thumbnail: Buffer } | { error: string };

/** Decode → grey → resize → embed one instance; a decoding failure is an outcome, not a throw. */
async function decodeAndEmbed(bytes: Uint8Array, instance: SourceInstance, options: SyncOptions): Promise<Outcome> {
  let frames, header;
  try {
    header = readDicomHeader(bytes, { path: `instance ${instance.sopUid}` });
    frames = await readDicom(bytes, { path: `instance ${instance.sopUid}` });
  } catch (error) {
    return { error: (error as Error).message };
  }
  // One embedding per instance, from its first frame.
  const grey = toGrayscale(frames[0]!);
  const resized = resizeBilinear(grey, { width: options.inputSize, height: options.inputSize });
  const embedding = await options.encoder.embed([{ width: resized.width, height: resized.height, data: resized.data }]);
  return { embedding, header, thumbnail: thumbnailPng(grey) };
}

/** Side of the stored thumbnails (the viewer's worklist and embedding map show them). */
export const THUMBNAIL_SIZE = 64;

/** A small 8-bit grey PNG of an image, windowed between its 1st and 99th percentile. */
export function thumbnailPng(grey: Image2D): Buffer {
  const small = resizeBilinear(grey, { width: THUMBNAIL_SIZE, height: THUMBNAIL_SIZE }).data;
  const sorted = Float32Array.from(small).sort();
  const lo = sorted[Math.floor(0.01 * (sorted.length - 1))]!;
  const hi = sorted[Math.ceil(0.99 * (sorted.length - 1))]!;
  const span = hi - lo > 0 ? hi - lo : 1;
  const out = new Uint8Array(small.length);
  for (let i = 0; i < small.length; i++) out[i] = Math.round(255 * Math.min(1, Math.max(0, (small[i]! - lo) / span)));
  return writeGrayPng(out, THUMBNAIL_SIZE, THUMBNAIL_SIZE);
}
