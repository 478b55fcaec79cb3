import type { SqlClient, SqlExecutor } from '../db/sqlClient';

/** An accepted mask: where its label map (and DICOM SEG, if one came) is stored. */
export interface MaskRecord {
  readonly projectId: number;
  readonly sopUid: string;
  readonly roundId: number | null;
  readonly format: 'seg' | 'png';
  /** Label-map PNG (value = class index), relative to the data directory. */
  readonly labelFile: string;
  readonly segFile: string | null;
  readonly segSopUid: string | null;
  readonly submittedBy: string;
  readonly createdAt: string;
}

interface Row { project_id: number; sop_uid: string; round_id: number | null; format: 'seg' | 'png'; label_file: string; seg_file: string | null; seg_sop_uid: string | null; submitted_by: string; created_at: string }

const toRecord = (r: Row): MaskRecord => ({
  projectId: r.project_id, sopUid: r.sop_uid, roundId: r.round_id, format: r.format, labelFile: r.label_file, segFile: r.seg_file,
  segSopUid: r.seg_sop_uid, submittedBy: r.submitted_by, createdAt: r.created_at,
});

/** The masks accepted per project: the labelled set the next round trains on. */
export class MaskStore {
  constructor(private readonly sql: SqlClient) {}

  /** Records (or replaces) the mask of a case. The files must already be stored. */
  async put(record: MaskRecord, tx: SqlExecutor = this.sql): Promise<void> {
    await tx.run(`INSERT INTO masks (project_id, sop_uid, round_id, format, label_file, seg_file, seg_sop_uid, submitted_by, created_at)
      VALUES (@projectId, @sopUid, @roundId, @format, @labelFile, @segFile, @segSopUid, @submittedBy, @createdAt)
      ON CONFLICT (project_id, sop_uid) DO UPDATE SET round_id = excluded.round_id, format = excluded.format, label_file = excluded.label_file,
        seg_file = excluded.seg_file, seg_sop_uid = excluded.seg_sop_uid, submitted_by = excluded.submitted_by, created_at = excluded.created_at`, { ...record });
  }

  async get(projectId: number, sopUid: string, tx: SqlExecutor = this.sql): Promise<MaskRecord | null> {
    const row = await tx.get<Row>('SELECT * FROM masks WHERE project_id = @projectId AND sop_uid = @sopUid', { projectId, sopUid });
    return row ? toRecord(row) : null;
  }

  /** In a stable order (by case id), so that training sees the same data order every time. */
  async list(projectId: number): Promise<MaskRecord[]> {
    return (await this.sql.all<Row>('SELECT * FROM masks WHERE project_id = @projectId ORDER BY sop_uid', { projectId })).map(toRecord);
  }
}
