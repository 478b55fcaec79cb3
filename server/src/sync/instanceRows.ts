import type { SqlExecutor } from '../db/sqlClient';
import type { SourceInstance } from '../pacs/source';
import type { EmbeddedInstance, FailedInstance } from './prepareInstance';

/**
 * The `instances` rows of one project as a sync reads and writes them (SQLite or PostgreSQL).
 * Every write is its own statement, committed on its own: a sync stopped at any point keeps every
 * row it wrote, and none half-written. A row another sync of the project stored meanwhile (a worker
 * that took over a job whose first worker went silent) is kept, not duplicated or failed on.
 */
export class InstanceRows {
  constructor(private readonly sql: SqlExecutor, private readonly projectId: number) {}

  /** Where a stored instance was found (null: not known), or undefined when it is not stored. */
  async location(sopUid: string): Promise<string | null | undefined> {
    const row = await this.sql.get<{ location: string | null }>('SELECT location FROM instances WHERE project_id = @projectId AND sop_uid = @sopUid', { projectId: this.projectId, sopUid });
    return row?.location;
  }

  async relocate(sopUid: string, location: string | null): Promise<void> {
    await this.sql.run('UPDATE instances SET location = @location WHERE project_id = @projectId AND sop_uid = @sopUid', { location, projectId: this.projectId, sopUid });
  }

  /** Stores an embedded instance, or a failed one with its reason. */
  async add(instance: SourceInstance, result: EmbeddedInstance | FailedInstance, encoderId: string): Promise<void> {
    const ok = 'embedding' in result;
    await this.sql.run(`INSERT INTO instances
      (project_id, sop_uid, study_uid, series_uid, modality, body_part, study_date, study_description, status, error, encoder, embedding, synced_at,
       sop_class_uid, rows, columns, frames, thumbnail, location, geometry)
      VALUES (@projectId, @sopUid, @studyUid, @seriesUid, @modality, @bodyPart, @studyDate, @studyDescription, @status, @error, @encoder, @embedding, @syncedAt,
       @sopClassUid, @rows, @columns, @frames, @thumbnail, @location, @geometry)
      ON CONFLICT (project_id, sop_uid) DO NOTHING`, {
      projectId: this.projectId, sopUid: instance.sopUid, studyUid: instance.studyUid, seriesUid: instance.seriesUid, modality: instance.modality,
      bodyPart: instance.bodyPart, studyDate: instance.studyDate, studyDescription: instance.studyDescription, location: instance.location ?? null,
      sopClassUid: ok ? result.header.sopClassUid : null, rows: ok ? result.header.rows : null, columns: ok ? result.header.columns : null, frames: ok ? result.header.frames : null,
      geometry: ok ? result.geometry : null,
      thumbnail: ok ? Buffer.from(result.thumbnail.buffer, result.thumbnail.byteOffset, result.thumbnail.byteLength) : null,
      status: ok ? 'embedded' : 'failed',
      error: ok ? null : result.error,
      encoder: ok ? encoderId : null,
      embedding: ok ? Buffer.from(result.embedding.buffer, result.embedding.byteOffset, result.embedding.byteLength) : null,
      syncedAt: new Date().toISOString(),
    });
  }
}
