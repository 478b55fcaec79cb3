import { readDicom, resizeBilinear, toGrayscale, type Encoder } from '@scanselect/plugin';
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
 * instance not yet in `instances` retrieve → decode → grey → resize → embed → store. Each
 * instance is committed on its own, so a sync stopped at any point (crash, abort, PACS outage)
 * keeps what it stored and the next sync neither repeats nor duplicates it. A PACS error aborts
 * the sync (thrown); a bad instance is recorded as failed and the sync goes on.
 */
export async function syncProject(options: SyncOptions): Promise<SyncReport> {
  const { db, projectId } = options;
  const seen = db.prepare('SELECT 1 FROM instances WHERE project_id = ? AND sop_uid = ?');
  const insert = db.prepare(`INSERT INTO instances
    (project_id, sop_uid, study_uid, series_uid, modality, body_part, study_date, study_description, status, error, encoder, embedding, synced_at)
    VALUES (@projectId, @sopUid, @studyUid, @seriesUid, @modality, @bodyPart, @studyDate, @studyDescription, @status, @error, @encoder, @embedding, @syncedAt)`);
  let listed = 0, fresh = 0, embedded = 0, failed = 0, skipped = 0;
  const store = (instance: SourceInstance, result: { embedding: Float32Array } | { error: string }): void => {
    insert.run({
      projectId, ...instance,
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
  for await (const instance of options.source.list(options.filters, onSkip)) {
    listed++;
    if (seen.get(projectId, instance.sopUid)) continue;
    if (options.signal?.aborted) return { listed, fresh, embedded, failed, skipped, aborted: true };
    fresh++;
    const bytes = await options.source.retrieve(instance);
    let frames;
    try {
      frames = await readDicom(bytes, { path: `instance ${instance.sopUid}` });
    } catch (error) {
      store(instance, { error: (error as Error).message });
      failed++;
      continue;
    }
    // One embedding per instance, from its first frame.
    const grey = resizeBilinear(toGrayscale(frames[0]!), { width: options.inputSize, height: options.inputSize });
    const embedding = await options.encoder.embed([{ width: grey.width, height: grey.height, data: grey.data }]);
    store(instance, { embedding });
    embedded++;
  }
  return { listed, fresh, embedded, failed, skipped, aborted: false };
}
