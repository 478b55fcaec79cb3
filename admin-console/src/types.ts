/** What the console reads from the API: the server's own types (import type only), and the few small answers it does not name. */
export type {
  AuditEntry, CurvePoint, InstanceView as InstanceRow, Job, LearningCurve, MapView, OutboxEntry as OutboxItem, ProjectView, RoundSummary as Round,
  ServerInfo, SyncStatusView as SyncStatus, WorklistItem,
} from '@scanselect/server';
import type { ProjectView } from '@scanselect/server';

export type ProjectSettings = ProjectView['settings'];

export interface Me {
  readonly name: string;
  readonly role: 'admin' | 'annotator' | 'service';
}


export interface SourceInfo {
  readonly name: string;
  readonly kind: string;
}

export interface Token {
  readonly id: number;
  readonly name: string;
  readonly role: string;
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

