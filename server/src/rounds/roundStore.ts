import { statement, writeTransaction, type Db } from '../db/database';
import { conflict, notFound } from '../appError';

export type CaseStatus = 'open' | 'claimed' | 'labelled';
export type Priority = 'high' | 'medium' | 'low';

/** One case of a worklist, as the REST API and the viewer see it. */
export interface WorklistItem {
  readonly sopUid: string;
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
}

/** A selection round (0 = cold start). */
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
  sop_uid: string; study_uid: string; series_uid: string; number: number; rank: number; priority: Priority; reason: string; cluster: number | null;
  entropy: number | null; diversity: number | null; score: number | null; x: number; y: number; status: CaseStatus; claimed_by: string | null;
  lease_expires_at: string | null; labelled_at: string | null;
}

const ROUND_SELECT = `SELECT r.*, (SELECT COUNT(*) FROM worklist w WHERE w.round_id = r.id) AS size,
  (SELECT COUNT(*) FROM worklist w WHERE w.round_id = r.id AND w.status = 'labelled') AS labelled FROM rounds r`;
const ITEM_SELECT = `SELECT w.*, r.number, i.study_uid, i.series_uid FROM worklist w
  JOIN rounds r ON r.id = w.round_id JOIN instances i ON i.project_id = w.project_id AND i.sop_uid = w.sop_uid`;

/**
 * Rounds and their worklists, and the claims annotators hold on cases. A claim is a lease: it
 * expires by itself, and two annotators never hold the same case (the check and the write are
 * one SQL statement).
 */
export class RoundStore {
  constructor(private readonly db: Db, private readonly now: () => Date = () => new Date()) {}

  /** Stores a round and its worklist in one transaction; numbers the round 0, 1, 2, … */
  insert(round: NewRound): Round {
    return writeTransaction(this.db, () => {
      const next = (statement(this.db, 'SELECT COALESCE(MAX(number) + 1, 0) AS n FROM rounds WHERE project_id = ?').get(round.projectId) as { n: number }).n;
      const info = statement(this.db, `INSERT INTO rounds (project_id, number, kind, job_id, alpha, report, map_ids, map, model_dir, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`).run(round.projectId, next, round.kind, round.jobId, round.alpha, JSON.stringify(round.report),
        JSON.stringify(round.mapIds), Buffer.from(round.map.buffer, round.map.byteOffset, round.map.byteLength), round.modelDir, this.now().toISOString());
      const roundId = Number(info.lastInsertRowid);
      const insert = statement(this.db, `INSERT INTO worklist (project_id, sop_uid, round_id, rank, priority, reason, cluster, entropy, diversity, score, x, y)
        VALUES (@projectId, @sopUid, @roundId, @rank, @priority, @reason, @cluster, @entropy, @diversity, @score, @x, @y)`);
      for (const item of round.items) insert.run({ ...item, projectId: round.projectId, roundId });
      return this.round(round.projectId, next)!;
    });
  }

  round(projectId: number, number: number): Round | null {
    const row = statement(this.db, `${ROUND_SELECT} WHERE r.project_id = ? AND r.number = ?`).get(projectId, number) as RoundRow | undefined;
    return row ? toRound(row) : null;
  }

  latest(projectId: number): Round | null {
    const row = statement(this.db, `${ROUND_SELECT} WHERE r.project_id = ? ORDER BY r.number DESC LIMIT 1`).get(projectId) as RoundRow | undefined;
    return row ? toRound(row) : null;
  }

  list(projectId: number): Round[] {
    return (statement(this.db, `${ROUND_SELECT} WHERE r.project_id = ? ORDER BY r.number`).all(projectId) as RoundRow[]).map(toRound);
  }

  /** The 2-D map a round was chosen on: ids and x, y per id. */
  map(projectId: number, number: number): { ids: string[]; xy: Float32Array } {
    const row = statement(this.db, 'SELECT map_ids, map FROM rounds WHERE project_id = ? AND number = ?').get(projectId, number) as { map_ids: string; map: Buffer } | undefined;
    if (!row) throw notFound(`round ${number} in project ${projectId}`);
    const bytes = new Uint8Array(row.map);
    return { ids: JSON.parse(row.map_ids) as string[], xy: new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)) };
  }

  /** Worklist cases in round then rank order. */
  worklist(projectId: number, filter: { round?: number; status?: CaseStatus } = {}): WorklistItem[] {
    const rows = statement(this.db, `${ITEM_SELECT} WHERE w.project_id = @projectId AND (@round IS NULL OR r.number = @round) ORDER BY r.number, w.rank`)
      .all({ projectId, round: filter.round ?? null }) as ItemRow[];
    const items = rows.map((r) => this.toItem(r));
    return filter.status ? items.filter((i) => i.status === filter.status) : items;
  }

  /** One case of the project's worklists, or a 404. */
  item(projectId: number, sopUid: string): WorklistItem {
    const row = statement(this.db, `${ITEM_SELECT} WHERE w.project_id = ? AND w.sop_uid = ?`).get(projectId, sopUid) as ItemRow | undefined;
    if (!row) throw notFound(`case ${sopUid} on the worklists of project ${projectId}`);
    return this.toItem(row);
  }

  /** Every case ever selected in the project (they count against the budget and are never selected again). */
  selectedIds(projectId: number): string[] {
    return (statement(this.db, 'SELECT sop_uid FROM worklist WHERE project_id = ?').all(projectId) as Array<{ sop_uid: string }>).map((r) => r.sop_uid);
  }

  /**
   * Claims a case for `who` for `minutes`: succeeds when it is open, its lease has expired, or
   * `who` already holds it (the lease is renewed). 409 when another annotator holds it or it is labelled.
   */
  claim(projectId: number, sopUid: string, who: string, minutes: number): WorklistItem {
    const current = this.item(projectId, sopUid);
    if (current.status === 'labelled') throw conflict('already-labelled', `case ${sopUid} is already labelled`);
    const now = this.now();
    const expires = new Date(now.getTime() + minutes * 60_000).toISOString();
    const info = statement(this.db, `UPDATE worklist SET status = 'claimed', claimed_by = @who, lease_expires_at = @expires
      WHERE project_id = @projectId AND sop_uid = @sopUid AND (status = 'open' OR (status = 'claimed' AND (claimed_by = @who OR lease_expires_at <= @now)))`)
      .run({ who, expires, projectId, sopUid, now: now.toISOString() });
    if (info.changes !== 1) {
      const holder = this.item(projectId, sopUid);
      throw conflict('claimed-by-another', `case ${sopUid} is claimed by ${holder.claimedBy} until ${holder.leaseExpiresAt}`);
    }
    return this.item(projectId, sopUid);
  }

  /** Gives a claim back (its holder, or anyone when `force`). */
  release(projectId: number, sopUid: string, who: string, force: boolean): WorklistItem {
    const current = this.item(projectId, sopUid);
    if (current.status !== 'claimed') throw conflict('not-claimed', `case ${sopUid} is not claimed`);
    if (current.claimedBy !== who && !force) throw conflict('claimed-by-another', `case ${sopUid} is claimed by ${current.claimedBy}, not by ${who}`);
    statement(this.db, "UPDATE worklist SET status = 'open', claimed_by = NULL, lease_expires_at = NULL WHERE project_id = ? AND sop_uid = ?").run(projectId, sopUid);
    return this.item(projectId, sopUid);
  }

  markLabelled(projectId: number, sopUid: string): void {
    statement(this.db, "UPDATE worklist SET status = 'labelled', lease_expires_at = NULL, labelled_at = ? WHERE project_id = ? AND sop_uid = ?")
      .run(this.now().toISOString(), projectId, sopUid);
  }

  private toItem(r: ItemRow): WorklistItem {
    const expired = r.status === 'claimed' && r.lease_expires_at !== null && r.lease_expires_at <= this.now().toISOString();
    return {
      sopUid: r.sop_uid, studyUid: r.study_uid, seriesUid: r.series_uid, round: r.number, rank: r.rank, priority: r.priority, reason: r.reason,
      cluster: r.cluster, entropy: r.entropy, diversity: r.diversity, score: r.score, x: r.x, y: r.y,
      status: expired ? 'open' : r.status, claimedBy: expired ? null : r.claimed_by, leaseExpiresAt: expired ? null : r.lease_expires_at, labelledAt: r.labelled_at,
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
