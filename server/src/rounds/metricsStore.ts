import type { SqlClient, SqlExecutor } from '../db/sqlClient';

/** Summary of one number over the validation cases. */
export interface Spread {
  readonly mean: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

/**
 * One foreground class of a round model on the validation cases: Dice, and HD95 in pixels of the
 * model's S × S input. HD95 is undefined on a case where exactly one of prediction and truth is
 * empty; such cases are left out of its mean and median and counted in `undefinedCases` (mean and
 * median are null when every case is).
 */
export interface ClassScores {
  readonly name: string;
  readonly dice: Spread;
  readonly hd95: { readonly mean: number | null; readonly median: number | null; readonly undefinedCases: number };
}

/** A round model's scores on the labelled validation cases. */
export interface ModelScores {
  readonly classes: readonly ClassScores[];
  /** Mean over the cases of each case's mean foreground Dice (the paper's per-class Dice of the chest sets). */
  readonly meanDice: number;
}

/** What is stored per round model. */
export interface RoundMetrics {
  readonly projectId: number;
  readonly round: number;
  /** Which labelled validation cases (and which of their masks) the scores were computed on. */
  readonly validationKey: string;
  /** How many validation cases. */
  readonly cases: number;
  /** Masks the model was trained on (the round's `report.training.images`). */
  readonly labelsUsed: number;
  readonly metrics: ModelScores;
  readonly evaluatedAt: string;
}

interface Row { project_id: number; round_number: number; validation_key: string; cases: number; labels_used: number; metrics: string; evaluated_at: string }

const toMetrics = (r: Row): RoundMetrics => ({
  projectId: r.project_id, round: r.round_number, validationKey: r.validation_key, cases: Number(r.cases), labelsUsed: Number(r.labels_used),
  metrics: JSON.parse(r.metrics) as ModelScores, evaluatedAt: r.evaluated_at,
});

/** Each round model's scores on the project's validation set: the points of the learning curve. */
export class MetricsStore {
  constructor(private readonly sql: SqlClient) {}

  /** Stores (or replaces) a round model's scores. */
  async put(record: RoundMetrics, tx: SqlExecutor = this.sql): Promise<void> {
    await tx.run(`INSERT INTO round_metrics (project_id, round_number, validation_key, cases, labels_used, metrics, evaluated_at)
      VALUES (@projectId, @round, @validationKey, @cases, @labelsUsed, @metrics, @evaluatedAt)
      ON CONFLICT (project_id, round_number) DO UPDATE SET validation_key = excluded.validation_key, cases = excluded.cases,
        labels_used = excluded.labels_used, metrics = excluded.metrics, evaluated_at = excluded.evaluated_at`,
    { ...record, metrics: JSON.stringify(record.metrics) });
  }

  async get(projectId: number, round: number): Promise<RoundMetrics | null> {
    const row = await this.sql.get<Row>('SELECT * FROM round_metrics WHERE project_id = @projectId AND round_number = @round', { projectId, round });
    return row ? toMetrics(row) : null;
  }

  /** Every scored round of the project, by round number. */
  async list(projectId: number): Promise<RoundMetrics[]> {
    return (await this.sql.all<Row>('SELECT * FROM round_metrics WHERE project_id = @projectId ORDER BY round_number', { projectId })).map(toMetrics);
  }
}
