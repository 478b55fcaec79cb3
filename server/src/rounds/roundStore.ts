import type { SqlClient, SqlExecutor } from '../db/sqlClient';
import { conflict, notFound } from '../appError';

export type CaseStatus = 'open' | 'claimed' | 'labelled';
export type Priority = 'high' | 'medium' | 'low';

/** One case of a worklist, as the REST API and the viewer see it. */
export interface WorklistItem {
  /** The case's id (caseKey.ts): its SOP Instance UID, or `<SOP Instance UID>:<frame>` for a frame of a multi-frame volume. */
  readonly sopUid: string;
  /** The SOP Instance UID in the PACS: what the viewer opens. */
  readonly instanceUid: string;
  /** The frame (1-based) of `instanceUid` that is the case, for a frame of a multi-frame volume; null otherwise (a multi-frame instance that is not a volume is its first frame). */
  readonly frame: number | null;
  readonly studyUid: string;
  readonly seriesUid: string;
  readonly round: number;
  readonly rank: number;
  readonly priority: Priority;
  readonly reason: string;
  readonly cluster: number | null;
  readonly entropy: number | null;
  readonly diversity: number | null;
  readonly score: number | null;
  readonly x: number;
  readonly y: number;
  /** `claimed` only while the lease runs; an expired claim reads as `open`. */
  readonly status: CaseStatus;
  readonly claimedBy: string | null;
  readonly leaseExpiresAt: string | null;
  readonly labelledAt: string | null;
  /**
   * A validation case: labelled like any other, but never trained on, never a selection
   * candidate and not counted in the budget — each round's model is scored on these.
   */
  readonly validation: boolean;
  /**
   * Where the case lies in its series' volume (a slice of a CT or MR volume, docs/imaging.md):
   * 0-based index along the normal, the volume's slice count and the distance from its first
   * slice in mm; null for an image that is not a slice of a volume.
   */
  readonly slice: { readonly index: number; readonly count: number; readonly offsetMm: number } | null;
}

/**
 * A selection round (0 = cold start). `size` and `labelled` count the cases it selected, not the
 * validation cases attached to it.
 */
export interface Round {
  readonly id: number;
  readonly projectId: number;
  readonly number: number;
  readonly kind: 'coldstart' | 'active';
  readonly jobId: number | null;
  readonly alpha: number | null;
  readonly report: RoundReport;
  readonly modelDir: string | null;
  readonly createdAt: string;
  readonly size: number;
  readonly labelled: number;
}

/** A round as `GET …/rounds` lists it: with how many of its cases each annotator labelled (validation cases not counted). */
export interface RoundSummary extends Round {
  readonly labelledBy: Readonly<Record<string, number>>;
}

/** What a round records about how it chose (no pixel data, no patient data). */
export interface RoundReport {
  readonly strategy: string;
  readonly poolSize: number;
  readonly k: number | null;
  readonly notes: readonly string[];
  readonly training?: { readonly images: number; readonly epochs: number; readonly finalLoss: number; readonly seconds: number; readonly backend: string };
}

/** A case to put on a new round's worklist. */
export type NewItem = Pick<WorklistItem, 'sopUid' | 'rank' | 'priority' | 'reason' | 'cluster' | 'entropy' | 'diversity' | 'score' | 'x' | 'y'>;

/** A new round with its worklist and the 2-D map of the pool it was chosen on. */
export interface NewRound {
  readonly projectId: number;
  readonly kind: Round['kind'];
  readonly jobId: number | null;
  readonly alpha: number | null;
  readonly report: RoundReport;
  readonly mapIds: readonly string[];
  readonly map: Float32Array;
  readonly modelDir: string | null;
  readonly items: readonly NewItem[];
}

interface RoundRow { id: number; project_id: number; number: number; kind: Round['kind']; job_id: number | null; alpha: number | null; report: string; model_dir: string | null; created_at: string; size: number; labelled: number }
interface ItemRow {
  sop_uid: string; instance_uid: string | null; frame: number | null; study_uid: string; series_uid: string; number: number; rank: number; priority: Priority; reason: string; cluster: number | null;
  entropy: number | null; diversity: number | null; score: number | null; x: number; y: number; status: CaseStatus; claimed_by: string | null;
  lease_expires_at: string | null; labelled_at: string | null; validation: number;
  slice_index: number | null; slice_offset_mm: number | null; slice_count: number | null;
}

// Not the pool's map (map_ids, map: tens of kB per round, read by mapOf alone): every worklist
// request reads the latest round, and on PostgreSQL each byte of it crosses the network.
// Validation cases are not counted: a round's size is what it selected (and spent of the budget).
const ROUND_SELECT = `SELECT r.id, r.project_id, r.number, r.kind, r.job_id, r.alpha, r.report, r.model_dir, r.created_at,
  (SELECT COUNT(*) FROM worklist w WHERE w.round_id = r.id AND w.validation = 0) AS size,
  (SELECT COUNT(*) FROM worklist w WHERE w.round_id = r.id AND w.validation = 0 AND w.status = 'labelled') AS labelled FROM rounds r`;
const ITEM_SELECT = `SELECT w.*, r.number, i.instance_uid, i.frame, i.study_uid, i.series_uid, i.slice_index, i.slice_offset_mm, v.slices AS slice_count FROM worklist w
  JOIN rounds r ON r.id = w.round_id JOIN instances i ON i.project_id = w.project_id AND i.sop_uid = w.sop_uid
  LEFT JOIN volumes v ON v.project_id = i.project_id AND v.series_uid = i.series_uid AND v.status = 'volume'`;

/**
 * Rounds and their worklists, and the claims annotators hold on cases. A claim is a lease: it
 * expires by itself, and two annotators never hold the same case (the check and the write are
 * one SQL statement).
 */
export class RoundStore {
  constructor(private readonly sql: SqlClient, private readonly now: () => Date = () => new Date()) {}

  /**
   * Stores a round and its worklist in one transaction — with whatever `then` writes about it (the
   * deliveries that announce it), so that both are stored or neither is; numbers the round 0, 1, 2, …
   */
  insert(round: NewRound, then?: (round: Round, tx: SqlExecutor) => Promise<void>): Promise<Round> {
    return this.sql.transaction(async (tx) => {
      const next = (await tx.get<{ n: number }>('SELECT COALESCE(MAX(number) + 1, 0) AS n FROM rounds WHERE project_id = @projectId', { projectId: round.projectId }))!.n;
      const { id: roundId } = (await tx.get<{ id: number }>(`INSERT INTO rounds (project_id, number, kind, job_id, alpha, report, map_ids, map, model_dir, created_at)
        VALUES (@projectId, @number, @kind, @jobId, @alpha, @report, @mapIds, @map, @modelDir, @createdAt) RETURNING id`, {
        projectId: round.projectId, number: next, kind: round.kind, jobId: round.jobId, alpha: round.alpha, report: JSON.stringify(round.report),
        mapIds: JSON.stringify(round.mapIds), map: Buffer.from(round.map.buffer, round.map.byteOffset, round.map.byteLength), modelDir: round.modelDir, createdAt: this.now().toISOString(),
      }))!;
      for (const item of round.items) {
        await tx.run(`INSERT INTO worklist (project_id, sop_uid, round_id, rank, priority, reason, cluster, entropy, diversity, score, x, y)
          VALUES (@projectId, @sopUid, @roundId, @rank, @priority, @reason, @cluster, @entropy, @diversity, @score, @x, @y)`, { ...item, projectId: round.projectId, roundId });
      }
      const stored = (await this.round(round.projectId, next, tx))!;
      await then?.(stored, tx);
      return stored;
    });
  }

  async round(projectId: number, number: number, tx: SqlExecutor = this.sql): Promise<Round | null> {
    const row = await tx.get<RoundRow>(`${ROUND_SELECT} WHERE r.project_id = @projectId AND r.number = @number`, { projectId, number });
    return row ? toRound(row) : null;
  }

  async latest(projectId: number): Promise<Round | null> {
    const row = await this.sql.get<RoundRow>(`${ROUND_SELECT} WHERE r.project_id = @projectId ORDER BY r.number DESC LIMIT 1`, { projectId });
    return row ? toRound(row) : null;
  }

  /** Every round of the project in order, each with who labelled how many of its (non-validation) cases. */
  async list(projectId: number): Promise<RoundSummary[]> {
    const rounds = (await this.sql.all<RoundRow>(`${ROUND_SELECT} WHERE r.project_id = @projectId ORDER BY r.number`, { projectId })).map(toRound);
    const counts = await this.sql.all<{ round_id: number; submitted_by: string; n: number }>(`SELECT w.round_id, m.submitted_by, COUNT(*) AS n
      FROM masks m JOIN worklist w ON w.project_id = m.project_id AND w.sop_uid = m.sop_uid
      WHERE m.project_id = @projectId AND w.validation = 0 GROUP BY w.round_id, m.submitted_by ORDER BY m.submitted_by`, { projectId });
    return rounds.map((round) => ({
      ...round,
      labelledBy: Object.fromEntries(counts.filter((c) => c.round_id === round.id).map((c) => [c.submitted_by, Number(c.n)])),
    }));
  }

  /** The 2-D map a round was chosen on: ids and x, y per id. */
  async map(projectId: number, number: number): Promise<{ ids: string[]; xy: Float32Array }> {
    const row = await this.sql.get<{ map_ids: string; map: Uint8Array }>('SELECT map_ids, map FROM rounds WHERE project_id = @projectId AND number = @number', { projectId, number });
    if (!row) throw notFound(`round ${number} in project ${projectId}`);
    const bytes = new Uint8Array(row.map);
    return { ids: JSON.parse(row.map_ids) as string[], xy: new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)) };
  }

  /** Worklist cases in round then rank order (`validation`: only the validation cases, or only the others). */
  async worklist(projectId: number, filter: { round?: number; status?: CaseStatus; validation?: boolean } = {}, tx: SqlExecutor = this.sql): Promise<WorklistItem[]> {
    const validation = filter.validation === undefined ? null : filter.validation ? 1 : 0;
    const rows = await tx.all<ItemRow>(`${ITEM_SELECT} WHERE w.project_id = @projectId AND (CAST(@round AS INTEGER) IS NULL OR r.number = @round)
      AND (CAST(@validation AS INTEGER) IS NULL OR w.validation = @validation) ORDER BY r.number, w.rank`,
    { projectId, round: filter.round ?? null, validation });
    const items = rows.map((r) => this.toItem(r));
    return filter.status ? items.filter((i) => i.status === filter.status) : items;
  }

  /** One case of the project's worklists, or a 404. */
  async item(projectId: number, sopUid: string, tx: SqlExecutor = this.sql): Promise<WorklistItem> {
    const row = await tx.get<ItemRow>(`${ITEM_SELECT} WHERE w.project_id = @projectId AND w.sop_uid = @sopUid`, { projectId, sopUid });
    if (!row) throw notFound(`case ${sopUid} on the worklists of project ${projectId}`);
    return this.toItem(row);
  }

  /**
   * Every case ever selected in the project: they count against the budget and are never
   * selected again. Validation cases are not among them (see {@link validationIds}).
   */
  async selectedIds(projectId: number, tx: SqlExecutor = this.sql): Promise<string[]> {
    return (await tx.all<{ sop_uid: string }>('SELECT sop_uid FROM worklist WHERE project_id = @projectId AND validation = 0', { projectId })).map((r) => r.sop_uid);
  }

  /** The project's validation cases (never trained on, never selected, not in the budget), in a stable order. */
  async validationIds(projectId: number, tx: SqlExecutor = this.sql): Promise<string[]> {
    return (await tx.all<{ sop_uid: string }>('SELECT sop_uid FROM worklist WHERE project_id = @projectId AND validation = 1 ORDER BY sop_uid', { projectId }))
      .map((r) => r.sop_uid);
  }

  /**
   * Puts validation cases on the worklist of the round `roundId` (in the caller's transaction):
   * claimed and labelled like the round's own cases, counted in neither its size nor the budget.
   */
  async addValidationCases(projectId: number, roundId: number, items: readonly NewItem[], tx: SqlExecutor): Promise<void> {
    for (const item of items) {
      await tx.run(`INSERT INTO worklist (project_id, sop_uid, round_id, rank, priority, reason, cluster, entropy, diversity, score, x, y, validation)
        VALUES (@projectId, @sopUid, @roundId, @rank, @priority, @reason, @cluster, @entropy, @diversity, @score, @x, @y, 1)`, { ...item, projectId, roundId });
    }
  }

  /** The highest rank on a round's worklist, validation cases included (0 when it has none). */
  async lastRank(roundId: number, tx: SqlExecutor = this.sql): Promise<number> {
    return Number((await tx.get<{ last: number | null }>('SELECT MAX(rank) AS last FROM worklist WHERE round_id = @roundId', { roundId }))?.last ?? 0);
  }

  /**
   * Claims a case for `who` for `minutes`: succeeds when it is open, its lease has expired, or
   * `who` already holds it (the lease is renewed). 409 when another annotator holds it or it is labelled.
   */
  async claim(projectId: number, sopUid: string, who: string, minutes: number): Promise<WorklistItem> {
    const current = await this.item(projectId, sopUid);
    if (current.status === 'labelled') throw conflict('already-labelled', `case ${sopUid} is already labelled`);
    const now = this.now();
    const expires = new Date(now.getTime() + minutes * 60_000).toISOString();
    const { changes } = await this.sql.run(`UPDATE worklist SET status = 'claimed', claimed_by = @who, lease_expires_at = @expires
      WHERE project_id = @projectId AND sop_uid = @sopUid AND (status = 'open' OR (status = 'claimed' AND (claimed_by = @who OR lease_expires_at <= @now)))`,
    { who, expires, projectId, sopUid, now: now.toISOString() });
    if (changes !== 1) {
      const holder = await this.item(projectId, sopUid);
      throw conflict('claimed-by-another', `case ${sopUid} is claimed by ${holder.claimedBy} until ${holder.leaseExpiresAt}`);
    }
    return this.item(projectId, sopUid);
  }

  /** Gives a claim back (its holder, or anyone when `force`). */
  async release(projectId: number, sopUid: string, who: string, force: boolean): Promise<WorklistItem> {
    const current = await this.item(projectId, sopUid);
    if (current.status !== 'claimed') throw conflict('not-claimed', `case ${sopUid} is not claimed`);
    if (current.claimedBy !== who && !force) throw conflict('claimed-by-another', `case ${sopUid} is claimed by ${current.claimedBy}, not by ${who}`);
    await this.sql.run("UPDATE worklist SET status = 'open', claimed_by = NULL, lease_expires_at = NULL WHERE project_id = @projectId AND sop_uid = @sopUid", { projectId, sopUid });
    return this.item(projectId, sopUid);
  }

  /** Inside a transaction: holds the case's row until it ends (PostgreSQL; SQLite's write transactions are serial already). */
  async lockCase(projectId: number, sopUid: string, tx: SqlExecutor): Promise<void> {
    if (tx.dialect === 'postgres') await tx.get('SELECT sop_uid FROM worklist WHERE project_id = @projectId AND sop_uid = @sopUid FOR UPDATE', { projectId, sopUid });
  }

  async markLabelled(projectId: number, sopUid: string, tx: SqlExecutor = this.sql): Promise<void> {
    await tx.run("UPDATE worklist SET status = 'labelled', lease_expires_at = NULL, labelled_at = @at WHERE project_id = @projectId AND sop_uid = @sopUid",
      { at: this.now().toISOString(), projectId, sopUid });
  }

  private toItem(r: ItemRow): WorklistItem {
    const expired = r.status === 'claimed' && r.lease_expires_at !== null && r.lease_expires_at <= this.now().toISOString();
    return {
      sopUid: r.sop_uid, instanceUid: r.instance_uid ?? r.sop_uid, frame: r.frame === null ? null : Number(r.frame), studyUid: r.study_uid, seriesUid: r.series_uid, round: r.number, rank: r.rank, priority: r.priority, reason: r.reason,
      cluster: r.cluster, entropy: r.entropy, diversity: r.diversity, score: r.score, x: r.x, y: r.y,
      status: expired ? 'open' : r.status, claimedBy: expired ? null : r.claimed_by, leaseExpiresAt: expired ? null : r.lease_expires_at, labelledAt: r.labelled_at,
      validation: Number(r.validation) === 1,
      slice: r.slice_index === null || r.slice_count === null ? null : { index: Number(r.slice_index), count: Number(r.slice_count), offsetMm: Number(r.slice_offset_mm) },
    };
  }
}

function toRound(r: RoundRow): Round {
  return {
    id: r.id, projectId: r.project_id, number: r.number, kind: r.kind, jobId: r.job_id, alpha: r.alpha, report: JSON.parse(r.report) as RoundReport,
    modelDir: r.model_dir, createdAt: r.created_at, size: r.size, labelled: r.labelled,
  };
}

/** Priority from rank: the first third of a worklist is high, the next third medium, the rest low. */
export function priorityOfRank(rank: number, size: number): Priority {
  const fraction = (rank - 1) / Math.max(1, size);
  return fraction < 1 / 3 ? 'high' : fraction < 2 / 3 ? 'medium' : 'low';
}
