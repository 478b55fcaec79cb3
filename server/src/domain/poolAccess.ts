import { preprocessImage, readDicom, readPng, resizeNearest, type EmbeddedPool } from '@scanselect/plugin';
import type { SqlClient, SqlExecutor } from '../db/sqlClient';
import type { CaseSlice } from './candidatePool';
import type { ImageSource } from '../pacs/source';
import type { ArtifactStore } from '../storage/artifactStore';
import type { PixelCache } from '../storage/pixelCache';

/** One synced case's identifiers (what a worklist needs to point at it; caseKey.ts). */
export interface InstanceRow {
  /** The case's id: `sopUid`, or `<sopUid>:<frame>` for a frame of a multi-frame volume. */
  readonly caseId: string;
  /** The SOP Instance UID in the PACS. */
  readonly sopUid: string;
  /** The frame (1-based) the case is, of a multi-frame instance; null for the whole instance (a multi-frame one is its first frame). */
  readonly frame: number | null;
  readonly studyUid: string;
  readonly seriesUid: string;
  readonly sopClassUid: string | null;
  readonly rows: number | null;
  readonly columns: number | null;
  readonly frames: number | null;
  /** Where a folder source found it (relative to its root); null for a PACS. */
  readonly location: string | null;
}

/**
 * Reads what a project's rounds work on: the embedded pool from the database, model inputs from
 * the bounded cache (or the source, on a miss) and label maps from the artefact store.
 */
export class PoolAccess {
  constructor(private readonly sql: SqlClient, private readonly artifacts: ArtifactStore, private readonly cache: PixelCache) {}

  /** Embedded instances of the project with the given encoder, in a stable order (by SOP UID). */
  async pool(projectId: number, encoderId: string): Promise<EmbeddedPool> {
    const rows = await this.sql.all<{ sop_uid: string; embedding: Uint8Array }>("SELECT sop_uid, embedding FROM instances WHERE project_id = @projectId AND status = 'embedded' AND encoder = @encoderId ORDER BY sop_uid",
      { projectId, encoderId });
    const cols = rows.length === 0 ? 0 : rows[0]!.embedding.byteLength / 4;
    const data = new Float32Array(rows.length * cols);
    rows.forEach((r, i) => {
      const bytes = new Uint8Array(r.embedding);
      const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      if (values.length !== cols) throw new Error(`embedding of ${r.sop_uid} has ${values.length} values, expected ${cols}`);
      data.set(values, i * cols);
    });
    return { ids: rows.map((r) => r.sop_uid), embeddings: { rows: rows.length, cols, data } };
  }

  /** Every embedded case's series and place in its volume (see assembleVolumes.ts). */
  async slices(projectId: number): Promise<Map<string, CaseSlice>> {
    const rows = await this.sql.all<{ sop_uid: string; series_uid: string; slice_index: number | null; slice_offset_mm: number | null }>(
      "SELECT sop_uid, series_uid, slice_index, slice_offset_mm FROM instances WHERE project_id = @projectId AND status = 'embedded'", { projectId });
    return new Map(rows.map((r) => [r.sop_uid, {
      seriesUid: r.series_uid, sliceIndex: r.slice_index === null ? null : Number(r.slice_index), offsetMm: r.slice_offset_mm === null ? null : Number(r.slice_offset_mm),
    }]));
  }

  /**
   * The SOP Instance UIDs of the volume case `sopUid` is a slice of, in slice order (empty when it
   * is not a slice of a volume; one UID when the volume is the frames of one instance).
   */
  async volumeSlices(projectId: number, sopUid: string): Promise<string[]> {
    const rows = await this.sql.all<{ instance_uid: string }>(`SELECT s.instance_uid FROM instances i
      JOIN instances s ON s.project_id = i.project_id AND s.series_uid = i.series_uid AND s.slice_index IS NOT NULL
      WHERE i.project_id = @projectId AND i.sop_uid = @sopUid AND i.slice_index IS NOT NULL GROUP BY s.instance_uid ORDER BY MIN(s.slice_index)`, { projectId, sopUid });
    return rows.map((r) => r.instance_uid);
  }

  /** The case `sopUid` (its id) of the project, when it is embedded. */
  async instance(projectId: number, sopUid: string, tx: SqlExecutor = this.sql): Promise<InstanceRow | null> {
    const row = await tx.get<{
      sop_uid: string; instance_uid: string | null; frame: number | null; study_uid: string; series_uid: string; sop_class_uid: string | null;
      rows: number | null; columns: number | null; frames: number | null; location: string | null;
    }>(`SELECT sop_uid, instance_uid, frame, study_uid, series_uid, sop_class_uid, rows, columns, frames, location FROM instances
        WHERE project_id = @projectId AND sop_uid = @sopUid AND status = 'embedded'`, { projectId, sopUid });
    return row ? {
      caseId: row.sop_uid, sopUid: row.instance_uid ?? row.sop_uid, frame: row.frame === null ? null : Number(row.frame), studyUid: row.study_uid, seriesUid: row.series_uid,
      sopClassUid: row.sop_class_uid, rows: row.rows, columns: row.columns, frames: row.frames, location: row.location,
    } : null;
  }

  /** The S × S z-scored model input of an instance (eq. 11), from the cache or the source (by its stored reference and location). */
  async modelInput(projectId: number, source: ImageSource, sopUid: string, size: number): Promise<Float32Array> {
    const key = { projectId, sopUid, size };
    const cached = await this.cache.get(key);
    if (cached) return cached;
    const instance = await this.instance(projectId, sopUid);
    if (!instance) throw new Error(`instance ${sopUid} is not in the synced pool of project ${projectId}`);
    const bytes = await source.retrieve(instance);
    const frames = await readDicom(bytes, { path: `instance ${instance.sopUid}` });
    const frame = frames[(instance.frame ?? 1) - 1];
    if (!frame) throw new Error(`instance ${instance.sopUid} has ${frames.length} frame(s), not frame ${instance.frame} (case ${sopUid})`);
    const input = preprocessImage(frame, size).data;
    await this.cache.put(key, input);
    return input;
  }

  /** A stored label map (PNG, value = class index; `labelKey` its artefact key) resized to S × S by nearest neighbour. */
  async labelMap(labelKey: string, size: number): Promise<Uint8Array> {
    const image = readPng(await this.artifacts.get(labelKey), { path: labelKey });
    const labels = Uint8Array.from(image.data);
    return resizeNearest(labels, image.width, image.height, size);
  }
}
