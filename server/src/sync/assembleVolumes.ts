/**
 * After a sync: which of the series it touched form one volume, and each slice's place in it.
 *
 * The slices of a series (single-frame instances, each with its Image Position and Orientation,
 * stored by the sync as `instances.geometry`, or the frames of a multi-frame instance that form a
 * volume, each a case of its own with its frame's geometry: caseKey.ts) are handed to the plugin's `seriesGeometry`, which
 * orders them along the normal and refuses, with a reason, series that are not one volume (mixed
 * orientations, sizes or frames of reference, duplicate positions, a gap over 1.5× the median
 * spacing — docs/imaging.md says what is tolerated). A volume's slices get `slice_index` (0 = first
 * along the normal) and `slice_offset_mm`; a refused series' slices get NULL and stay plain
 * images. Every series of two or more slices gets a `volumes` row with the outcome. Series with one
 * image (a radiograph) are not volumes and get no row. Other multi-frame instances are left as
 * they are (one case each, from their first frame).
 */
import { seriesGeometry, type SliceGeometry } from '@scanselect/plugin';
import type { SqlClient, SqlExecutor } from '../db/sqlClient';

/** What {@link assembleVolumes} decided for one series. */
export interface VolumeOutcome {
  readonly seriesUid: string;
  readonly status: 'volume' | 'refused';
  readonly slices: number;
  /** Median slice spacing, mm (volumes of two or more slices). */
  readonly spacingMm: number | null;
  /** Why the series is not one volume (refused only). */
  readonly reason?: string;
}

/** The stored geometry of an instance (what prepareInstance writes). */
interface StoredGeometry {
  readonly frameOfReference: string | null;
  readonly frames: ReadonlyArray<{ readonly position: readonly number[] | null; readonly orientation: readonly number[] | null }>;
}

/** Assembles the given series of a project (each in its own transaction); returns one outcome per series of two or more slices. */
export async function assembleVolumes(sql: SqlClient, projectId: number, seriesUids: Iterable<string>, now: () => Date = () => new Date()): Promise<VolumeOutcome[]> {
  const outcomes: VolumeOutcome[] = [];
  for (const seriesUid of new Set(seriesUids)) {
    const outcome = await sql.transaction(async (tx) => {
      const rows = await tx.all<{ sop_uid: string; rows: number | null; columns: number | null; geometry: string | null }>(
        `SELECT sop_uid, rows, columns, geometry FROM instances
         WHERE project_id = @projectId AND series_uid = @seriesUid AND status = 'embedded' AND (COALESCE(frames, 1) = 1 OR frame IS NOT NULL) ORDER BY sop_uid`,
        { projectId, seriesUid });
      await tx.run('UPDATE instances SET slice_index = NULL, slice_offset_mm = NULL WHERE project_id = @projectId AND series_uid = @seriesUid', { projectId, seriesUid });
      if (rows.length < 2) {
        await tx.run('DELETE FROM volumes WHERE project_id = @projectId AND series_uid = @seriesUid', { projectId, seriesUid });
        return null;
      }
      const result = seriesGeometry(rows.map(sliceOf));
      const at = now().toISOString();
      if (!result.ok) {
        await upsert(tx, { projectId, seriesUid, status: 'refused', problem: result.problem, reason: result.message, slices: rows.length, spacing: null, uniform: null, tilt: null, at });
        return { seriesUid, status: 'refused' as const, slices: rows.length, spacingMm: null, reason: result.message };
      }
      for (let k = 0; k < result.order.length; k++) {
        await tx.run('UPDATE instances SET slice_index = @k, slice_offset_mm = @offset WHERE project_id = @projectId AND sop_uid = @sopUid',
          { k, offset: result.offsetsMm[k]!, projectId, sopUid: result.order[k]! });
      }
      await upsert(tx, {
        projectId, seriesUid, status: 'volume', problem: null, reason: null, slices: rows.length, spacing: result.spacingMm, uniform: result.uniform ? 1 : 0, tilt: result.tiltMm, at,
      });
      return { seriesUid, status: 'volume' as const, slices: rows.length, spacingMm: result.spacingMm };
    });
    if (outcome) outcomes.push(outcome);
  }
  return outcomes;
}

function sliceOf(row: { sop_uid: string; rows: number | null; columns: number | null; geometry: string | null }): SliceGeometry {
  const geometry = parseGeometry(row.geometry);
  const frame = geometry?.frames[0];
  return {
    id: row.sop_uid, rows: row.rows ?? 0, columns: row.columns ?? 0,
    position: frame?.position ?? null, orientation: frame?.orientation ?? null, frameOfReference: geometry?.frameOfReference ?? null,
  };
}

function parseGeometry(text: string | null): StoredGeometry | null {
  if (text === null) return null;
  try {
    const value = JSON.parse(text) as StoredGeometry;
    return Array.isArray(value?.frames) ? value : null;
  } catch {
    return null;
  }
}

async function upsert(tx: SqlExecutor, v: {
  projectId: number; seriesUid: string; status: 'volume' | 'refused'; problem: string | null; reason: string | null; slices: number;
  spacing: number | null; uniform: number | null; tilt: number | null; at: string;
}): Promise<void> {
  await tx.run(`INSERT INTO volumes (project_id, series_uid, status, problem, reason, slices, spacing_mm, uniform, tilt_mm, assembled_at)
    VALUES (@projectId, @seriesUid, @status, @problem, @reason, @slices, @spacing, @uniform, @tilt, @at)
    ON CONFLICT (project_id, series_uid) DO UPDATE SET status = excluded.status, problem = excluded.problem, reason = excluded.reason,
      slices = excluded.slices, spacing_mm = excluded.spacing_mm, uniform = excluded.uniform, tilt_mm = excluded.tilt_mm, assembled_at = excluded.assembled_at`, v);
}
