import type { AuditLog } from '../audit/auditLog';
import type { ServerConfig } from '../config/serverConfig';
import type { SqlClient } from '../db/sqlClient';
import type { JobQueue } from '../jobs/jobRunner';
import type { JobStore } from '../jobs/jobStore';
import type { MaskDecodePool } from '../masks/maskDecodePool';
import type { MaskStore } from '../masks/maskStore';
import type { Outbox } from '../outbox/outbox';
import type { ImageSource } from '../pacs/source';
import type { ProjectStore } from '../projects/projectStore';
import type { RoundStore } from '../rounds/roundStore';
import type { MetricsStore } from '../rounds/metricsStore';
import type { ArtifactStore } from '../storage/artifactStore';
import type { SiteEncoderStore } from '../storage/siteEncoderStore';
import type { PoolAccess } from './poolAccess';

/** Everything the use cases work with: stores, the job queue, the sources. Built by `openContext`. */
export interface ServerContext {
  readonly config: ServerConfig;
  /** The database, SQLite or PostgreSQL. */
  readonly sql: SqlClient;
  /** Masks, SEGs, round models, entropy maps and predictions: every replica and worker reads the same. */
  readonly artifacts: ArtifactStore;
  readonly projects: ProjectStore;
  readonly rounds: RoundStore;
  /** Each round model's scores on the validation set (the learning curve). */
  readonly metrics: MetricsStore;
  readonly masks: MaskStore;
  /** Decodes uploaded masks in worker threads, off the event loop. */
  readonly maskDecoder: MaskDecodePool;
  readonly jobs: JobStore;
  /** Queues jobs and tells of their changes (they run in this process or in worker processes). */
  readonly queue: JobQueue;
  readonly outbox: Outbox;
  readonly audit: AuditLog;
  readonly pool: PoolAccess;
  readonly encoderIds: readonly string[];
  /** Site-trained encoders (train-encoder jobs): in the artefact store, copied to this machine when used. */
  readonly siteEncoders: SiteEncoderStore;
  /** The image source of a configured name (404 if none). */
  source(name: string): ImageSource;
  readonly now: () => Date;
}
