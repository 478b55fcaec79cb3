import type { SqlClient, SqlExecutor } from '../db/sqlClient';
import { caseKey } from '../domain/caseKey';
import type { SourceInstance } from '../pacs/source';
import type { EmbeddedInstance, FailedInstance } from './prepareInstance';

/**
 * The `instances` rows of one project as a sync reads and writes them (SQLite or PostgreSQL).
 * Every instance is committed on its own (the rows of its cases together): a sync stopped at any
 * point keeps every instance it wrote, and none half-written. A row another sync of the project stored meanwhile (a worker
 * that took over a job whose first worker went silent) is kept, not duplicated or failed on.
 */
export class InstanceRows {
  constructor(private readonly sql: SqlClient, private readonly projectId: number) {}

  /** Where a stored instance (any of its cases) was found (null: not known), or undefined when it is not stored. */
  async location(sopUid: string): Promise<string | null | undefined> {
    const row = await this.sql.get<{ location: string | null }>('SELECT location FROM instances WHERE project_id = @projectId AND instance_uid = @sopUid LIMIT 1', { projectId: this.projectId, sopUid });
    return row?.location;
  }

  async relocate(sopUid: string, location: string | null): Promise<void> {
    await this.sql.run('UPDATE instances SET location = @location WHERE project_id = @projectId AND instance_uid = @sopUid', { location, projectId: this.projectId, sopUid });
  }

  /**
   * Stores an embedded instance, a row per case (one, or one per frame of a multi-frame volume:
   * caseKey.ts) in one statement each, or a failed one with its reason.
   */
  async add(instance: SourceInstance, result: EmbeddedInstance | FailedInstance, encoderId: string): Promise<void> {
    const common = {
      projectId: this.projectId, instanceUid: instance.sopUid, studyUid: instance.studyUid, seriesUid: instance.seriesUid, modality: instance.modality,
      bodyPart: instance.bodyPart, studyDate: instance.studyDate, studyDescription: instance.studyDescription, location: instance.location ?? null, syncedAt: new Date().toISOString(),
    };
    if (!('cases' in result)) {
      await this.insert({
        ...common, sopUid: instance.sopUid, frame: null, status: 'failed', error: result.error, encoder: null, embedding: null,
        sopClassUid: null, rows: null, columns: null, frames: null, geometry: null, thumbnail: null,
      });
      return;
    }
    const { header } = result;
    // One transaction: a stop between two frames' rows would leave a volume that the next sync
    // (which skips stored instances) never completes.
    await this.sql.transaction(async (tx) => {
      for (const c of result.cases) {
        await this.insert({
          ...common, sopUid: caseKey(instance.sopUid, c.frame), frame: c.frame, status: 'embedded', error: null, encoder: encoderId,
          embedding: Buffer.from(c.embedding.buffer, c.embedding.byteOffset, c.embedding.byteLength),
          sopClassUid: header.sopClassUid, rows: header.rows, columns: header.columns, frames: header.frames, geometry: c.geometry,
          thumbnail: Buffer.from(c.thumbnail.buffer, c.thumbnail.byteOffset, c.thumbnail.byteLength),
        }, tx);
      }
    });
  }

  private async insert(row: Record<string, unknown>, tx: SqlExecutor = this.sql): Promise<void> {
    await tx.run(`INSERT INTO instances
      (project_id, sop_uid, instance_uid, frame, study_uid, series_uid, modality, body_part, study_date, study_description, status, error, encoder, embedding, synced_at,
       sop_class_uid, rows, columns, frames, thumbnail, location, geometry)
      VALUES (@projectId, @sopUid, @instanceUid, @frame, @studyUid, @seriesUid, @modality, @bodyPart, @studyDate, @studyDescription, @status, @error, @encoder, @embedding, @syncedAt,
       @sopClassUid, @rows, @columns, @frames, @thumbnail, @location, @geometry)
      ON CONFLICT (project_id, sop_uid) DO NOTHING`, row);
  }
}
