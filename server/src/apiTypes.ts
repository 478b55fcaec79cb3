/**
 * The shapes the REST API answers with, for clients (the viewer extension imports these as
 * types only; nothing here runs in the browser).
 */
export type { WorklistItem, Round, RoundReport, CaseStatus, Priority } from './rounds/roundStore';
export type { Job, JobState } from './jobs/jobStore';
export type { ServerInfo } from './http/app';
export type { MaskReceipt } from './domain/submitMask';
export type { ProjectSettings, BudgetSettings, ModelSettings, EncoderSettings } from './projects/projectConfig';
export type { AuditEntry } from './audit/auditLog';
export type { RoundSummary } from './rounds/roundStore';
export type { LearningCurve, CurvePoint, RoundMetricsView } from './domain/learningCurve';
export type { ValidationView, ValidationChoice } from './domain/validationSet';
export type { ClassScores, Spread } from './rounds/metricsStore';
export type { OutboxEntry } from './outbox/outbox';
export type { InstanceView } from './domain/listInstances';
export type { SyncStatusView, LastSync } from './domain/syncStatus';

/** `GET /api/projects` and `GET /api/projects/{id}`: a project with its progress. */
export interface ProjectView {
  readonly id: number;
  readonly name: string;
  readonly settings: import('./projects/projectConfig').ProjectSettings;
  readonly createdAt: string;
  readonly lastScheduledRun: string | null;
  readonly pool: { readonly embedded: number; readonly failed: number };
  readonly budget: { readonly coldStart: number; readonly perRound: number; readonly total: number; readonly used: number; readonly remaining: number };
  readonly labelled: number;
  /** The validation set: cases labelled to score each round's model, never trained on, not in the budget. */
  readonly validation: { readonly size: number; readonly labelled: number };
  /** The schedule's next run (ISO instant), or null without a schedule or while not active. */
  readonly nextScheduledRun: string | null;
  readonly activeJobs: ReadonlyArray<{ readonly id: number; readonly kind: string; readonly state: string; readonly progress: number; readonly stage: string | null }>;
  readonly latestRound: { readonly number: number; readonly kind: 'coldstart' | 'active'; readonly size: number; readonly labelled: number; readonly createdAt: string } | null;
}

/** `GET /api/projects/{id}/rounds/{n}/map`. */
export interface MapView {
  readonly round: number;
  /** `validation`: a case of the project's validation set (never picked by a round: `selectedInRound` is null). */
  readonly points: ReadonlyArray<{ readonly sopUid: string; readonly x: number; readonly y: number; readonly selectedInRound: number | null; readonly status: import('./rounds/roundStore').CaseStatus | null; readonly validation: boolean }>;
}

/** Every error answer. */
export interface ApiErrorBody {
  readonly code: string;
  readonly message: string;
  /** Which input fields are wrong (dotted paths), when the error is about fields. */
  readonly fields?: ReadonlyArray<{ readonly field: string; readonly message: string }>;
  readonly requestId: string;
}

/** `GET /api/me`. */
export interface MeView {
  readonly name: string;
  readonly role: 'admin' | 'annotator' | 'service';
}
