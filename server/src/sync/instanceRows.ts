import type { Db } from '../db/database';
import type { SourceInstance } from '../pacs/source';
import type { EmbeddedInstance, FailedInstance } from './prepareInstance';

/**
 * The `instances` rows of one project as a sync reads and writes them, through statements
 * prepared once. Every write is its own transaction (SQLite autocommit): a sync stopped at any
 * point keeps every row it wrote, and none half-written.
 */
export class InstanceRows {
  private readonly seen;
  private readonly relocateStatement;
  private readonly insert;

  constructor(db: Db, private readonly projectId: number) {
    this.seen = db.prepare('SELECT location FROM instances WHERE project_id = ? AND sop_uid = ?');
    this.relocateStatement = db.prepare('UPDATE instances SET location = ? WHERE project_id = ? AND sop_uid = ?');
    this.insert = db.prepare(`INSERT INTO instances
      (project_id, sop_uid, study_uid, series_uid, modality, body_part, study_date, study_description, status, error, encoder, embedding, synced_at,
       sop_class_uid, rows, columns, frames, thumbnail, location)
      VALUES (@projectId, @sopUid, @studyUid, @seriesUid, @modality, @bodyPart, @studyDate, @studyDescription, @status, @error, @encoder, @embedding, @syncedAt,
       @sopClassUid, @rows, @columns, @frames, @thumbnail, @location)`);
  }

  /** Where a stored instance was found (null: not known), or undefined when it is not stored. */
  location(sopUid: string): string | null | undefined {
    return (this.seen.get(this.projectId, sopUid) as { location: string | null } | undefined)?.location;
  }

  relocate(sopUid: string, location: string | null): void {
    this.relocateStatement.run(location, this.projectId, sopUid);
  }

  /** Stores an embedded instance, or a failed one with its reason. */
  add(instance: SourceInstance, result: EmbeddedInstance | FailedInstance, encoderId: string): void {
    const ok = 'embedding' in result;
    this.insert.run({
      projectId: this.projectId, ...instance, location: instance.location ?? null,
      sopClassUid: ok ? result.header.sopClassUid : null, rows: ok ? result.header.rows : null, columns: ok ? result.header.columns : null, frames: ok ? result.header.frames : null,
      thumbnail: ok ? Buffer.from(result.thumbnail.buffer, result.thumbnail.byteOffset, result.thumbnail.byteLength) : null,
      status: ok ? 'embedded' : 'failed',
      error: ok ? null : result.error,
      encoder: ok ? encoderId : null,
      embedding: ok ? Buffer.from(result.embedding.buffer, result.embedding.byteOffset, result.embedding.byteLength) : null,
      syncedAt: new Date().toISOString(),
    });
  }
}
