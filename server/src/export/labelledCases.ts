import type { SqlClient } from '../db/sqlClient';

/** A case with an accepted mask, as the data-set export needs it. */
export interface LabelledCase {
  /** The SOP Instance UID in the source. */
  readonly sopUid: string;
  /** The frame (1-based) the case is, for a frame of a multi-frame volume (caseKey.ts); null: the instance (its first frame). */
  readonly frame: number | null;
  readonly studyUid: string;
  readonly seriesUid: string;
  /** Where a folder source found the instance (the source's `retrieve` needs it); null for a PACS. */
  readonly location: string | null;
  readonly round: number;
  readonly rank: number;
  readonly priority: string;
  readonly reason: string;
  /** A validation case (labelled, never trained on). */
  readonly validation: boolean;
  /** Who submitted the accepted mask, and when it was accepted. */
  readonly annotator: string;
  readonly labelledAt: string;
  /** Artefact keys of the accepted label map and of the SEG, if one was stored. */
  readonly labelFile: string;
  readonly segFile: string | null;
}

interface Row {
  sop_uid: string; instance_uid: string | null; frame: number | null; study_uid: string; series_uid: string; location: string | null; round: number; rank: number; priority: string; reason: string;
  validation: number | boolean | string | null; submitted_by: string; created_at: string; label_file: string; seg_file: string | null;
}

/**
 * The cases of a project's worklists that have an accepted mask, in round then rank order (the
 * order of the worklists). `validation` is read from the worklist column of migration 8.
 */
export async function labelledCases(sql: SqlClient, projectId: number): Promise<LabelledCase[]> {
  const rows = await sql.all<Row>(`SELECT w.sop_uid, i.instance_uid, i.frame, i.study_uid, i.series_uid, i.location, r.number AS round, w.rank, w.priority, w.reason, w.validation,
      m.submitted_by, m.created_at, m.label_file, m.seg_file
    FROM worklist w
    JOIN rounds r ON r.id = w.round_id
    JOIN instances i ON i.project_id = w.project_id AND i.sop_uid = w.sop_uid
    JOIN masks m ON m.project_id = w.project_id AND m.sop_uid = w.sop_uid
    WHERE w.project_id = @projectId
    ORDER BY r.number, w.rank, w.sop_uid`, { projectId });
  return rows.map((r) => ({
    sopUid: r.instance_uid ?? r.sop_uid, frame: r.frame === null ? null : Number(r.frame), studyUid: r.study_uid, seriesUid: r.series_uid, location: r.location, round: Number(r.round), rank: Number(r.rank),
    priority: r.priority, reason: r.reason, validation: r.validation === true || Number(r.validation) === 1,
    annotator: r.submitted_by, labelledAt: r.created_at, labelFile: r.label_file, segFile: r.seg_file,
  }));
}
