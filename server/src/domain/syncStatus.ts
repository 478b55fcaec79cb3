import type { JobState } from '../jobs/jobStore';
import type { ServerContext } from './context';
import { failureReason } from './failureReason';

/** The latest sync job of a project. */
export interface LastSync {
  readonly jobId: number;
  readonly state: JobState;
  readonly finishedAt: string | null;
  /** The sync's report (SyncReport, with `queuedRoundJob`), once it succeeded. */
  readonly result: unknown;
  /** Why it failed (a PACS that did not answer …), as every role may read it on the job; null otherwise. */
  readonly error: string | null;
}

/** A project's sync health (`GET /api/projects/{id}/sync-status`). */
export interface SyncStatusView {
  /** Instances embedded (the pool) and failed (recorded with their reason, never retried). */
  readonly embedded: number;
  readonly failed: number;
  /**
   * The project's latest sync job, whatever its state; its `result` is the sync's report (listed,
   * fresh, embedded, failed, `skipped`: files or rows the source could not offer at all …).
   */
  readonly lastSync: LastSync | null;
  /** The failed instances grouped by reason (failureReason.ts), most frequent first. */
  readonly reasons: ReadonlyArray<{ readonly reason: string; readonly count: number }>;
  /**
   * Series of two or more slices (assembleVolumes.ts): how many form one volume and with how many
   * slices in all, how many do not, and why not (grouped, UIDs removed), most frequent first.
   */
  readonly volumes: {
    readonly volumes: number;
    readonly slices: number;
    readonly refused: number;
    readonly reasons: ReadonlyArray<{ readonly reason: string; readonly count: number }>;
  };
}

/**
 * How a project's syncs went: what is embedded and failed, the latest sync, and why instances
 * failed. 404 for an unknown project.
 *
 * What a sync leaves out without a row here (server/src/sync, server/src/pacs): instances that do
 * not match the project's filters (modality, body part, dates, study description) — not failures,
 * and recording them would keep them out after the filters change, since a recorded instance is
 * never looked at again — and files or QIDO-RS rows the source cannot offer as an instance at
 * all (not DICOM, no UIDs, a duplicate file), which have no SOP Instance UID to be recorded under:
 * the sync counts those as `skipped` in its report (`lastSync.result.skipped`). Every instance
 * that is retrieved and cannot be decoded — a non-image SOP class (no Pixel Data), one over the
 * pixel limit, an unsupported transfer syntax, a corrupt file — is recorded as failed, with why.
 */
export async function syncStatus(ctx: ServerContext, projectId: number): Promise<SyncStatusView> {
  await ctx.projects.get(projectId);
  const [counts, errors, last, volumes] = await Promise.all([
    ctx.sql.all<{ status: 'embedded' | 'failed'; n: number }>('SELECT status, COUNT(*) AS n FROM instances WHERE project_id = @projectId GROUP BY status', { projectId }),
    ctx.sql.all<{ error: string | null; n: number }>("SELECT error, COUNT(*) AS n FROM instances WHERE project_id = @projectId AND status = 'failed' GROUP BY error", { projectId }),
    ctx.sql.get<{ id: number; state: JobState; finished_at: string | null; result: string | null; error: string | null }>(
      "SELECT id, state, finished_at, result, error FROM jobs WHERE project_id = @projectId AND kind = 'sync' ORDER BY id DESC LIMIT 1", { projectId }),
    ctx.sql.all<{ status: 'volume' | 'refused'; problem: string | null; slices: number }>('SELECT status, problem, slices FROM volumes WHERE project_id = @projectId', { projectId }),
  ]);
  const count = (status: string): number => Number(counts.find((c) => c.status === status)?.n ?? 0);
  const reasons = grouped(errors.map(({ error, n }) => ({ reason: failureReason(error), count: Number(n) })));
  const built = volumes.filter((v) => v.status === 'volume');
  const refused = volumes.filter((v) => v.status === 'refused');
  return {
    embedded: count('embedded'),
    failed: count('failed'),
    lastSync: last ? { jobId: last.id, state: last.state, finishedAt: last.finished_at, result: last.result === null ? null : (JSON.parse(last.result) as unknown), error: last.error } : null,
    reasons,
    volumes: {
      volumes: built.length,
      slices: built.reduce((a, v) => a + Number(v.slices), 0),
      refused: refused.length,
      reasons: grouped(refused.map((v) => ({ reason: PROBLEMS[v.problem ?? ''] ?? v.problem ?? 'unknown', count: 1 }))),
    },
  };
}

/** seriesGeometry's problems in words (what the admin can act on). */
const PROBLEMS: Readonly<Record<string, string>> = {
  'missing-geometry': 'slices without Image Position or Orientation (Patient)',
  'invalid-orientation': 'invalid Image Orientation (Patient)',
  'mixed-orientation': 'slices oriented differently',
  'mixed-size': 'slices of different matrix sizes',
  'mixed-frame-of-reference': 'slices in different frames of reference',
  'duplicate-position': 'several slices at one position (several acquisitions or time points)',
  gap: 'a gap over 1.5× the slice spacing (a missing slice, or two stacks)',
};

/** Counts summed per reason, most frequent first (ties by reason). */
function grouped(items: ReadonlyArray<{ reason: string; count: number }>): Array<{ reason: string; count: number }> {
  const sums = new Map<string, number>();
  for (const { reason, count } of items) sums.set(reason, (sums.get(reason) ?? 0) + count);
  return [...sums].map(([reason, count]) => ({ reason, count })).sort((a, b) => b.count - a.count || (a.reason < b.reason ? -1 : a.reason > b.reason ? 1 : 0));
}
