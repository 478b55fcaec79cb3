import type { ServerContext } from './context';
import { pageOf, type PageRequest, type Paged } from './page';

/** One instance a project's syncs processed, as the sync-health view shows it (never the embedding or thumbnail). */
export interface InstanceView {
  readonly sopUid: string;
  readonly studyUid: string;
  readonly seriesUid: string;
  readonly modality: string | null;
  readonly status: 'embedded' | 'failed';
  /** Why it failed (the decoder's message), null when embedded. */
  readonly error: string | null;
  readonly syncedAt: string;
}

/** Which instances to list (`GET /api/projects/{id}/instances`). */
export interface InstanceFilters extends PageRequest {
  readonly status?: 'embedded' | 'failed';
}

/** Instances per page when the client does not say. */
export const INSTANCE_PAGE_SIZE = 200;

interface Row { sop_uid: string; study_uid: string; series_uid: string; modality: string | null; status: 'embedded' | 'failed'; error: string | null; synced_at: string }

const WHERE = 'WHERE project_id = @projectId AND (CAST(@status AS TEXT) IS NULL OR status = @status)';

/**
 * A project's synced instances, newest first (by when they were synced; ties by SOP Instance UID,
 * so that pages do not overlap), with how many match. 404 for an unknown project.
 */
export async function listInstances(ctx: ServerContext, projectId: number, filters: InstanceFilters): Promise<Paged<InstanceView>> {
  await ctx.projects.get(projectId);
  const params = { projectId, status: filters.status ?? null };
  const page = pageOf(filters, INSTANCE_PAGE_SIZE);
  const [rows, count] = await Promise.all([
    ctx.sql.all<Row>(`SELECT sop_uid, study_uid, series_uid, modality, status, error, synced_at FROM instances ${WHERE}
      ORDER BY synced_at DESC, sop_uid DESC LIMIT @limit OFFSET @offset`, { ...params, ...page }),
    ctx.sql.get<{ n: number }>(`SELECT COUNT(*) AS n FROM instances ${WHERE}`, params),
  ]);
  return {
    items: rows.map((r) => ({ sopUid: r.sop_uid, studyUid: r.study_uid, seriesUid: r.series_uid, modality: r.modality, status: r.status, error: r.error, syncedAt: r.synced_at })),
    total: Number(count!.n),
  };
}
