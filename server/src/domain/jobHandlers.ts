import { createEncoder, createEncoderRegistry } from '@scanselect/plugin';
import { AppError } from '../appError';
import type { JobHandler } from '../jobs/jobRunner';
import type { Project } from '../projects/projectStore';
import { syncProject } from '../sync/syncProject';
import type { ServerContext } from './context';
import { failureReason } from './failureReason';
import { queueRound, roundDue } from './queueRound';
import { runRound, type RoundDeps } from './runRound';
import { describeScoring, scoreRounds } from './scoreRounds';
import { DEFAULT_SITE_ENCODER_OPTIONS, trainSiteEncoder, type SiteEncoderOptions } from './trainSiteEncoder';

/** How many distinct reasons for skipped files a sync job's result lists. */
const MAX_SKIP_REASONS = 20;

/** Payload of a sync job queued by the schedule: queue a round afterwards when one is due. */
interface SyncPayload {
  readonly then?: 'round-if-due';
}

/**
 * The job kinds the server runs: `sync` (list the source → embed what is new), `train-encoder`
 * (the site encoder on the synced pool: trainSiteEncoder.ts) and `round`
 * (cold start or active-learning round → worklist, then every round model not yet scored on the
 * labelled validation cases is scored: the learning curve). Both are resumable after a crash: a
 * sync skips what it stored, a round is computed again from the same seed (or returned if stored).
 */
export function jobHandlers(ctx: ServerContext, roundDeps: Omit<RoundDeps, 'rounds' | 'masks' | 'pool' | 'artifacts'>): Record<string, JobHandler> {
  const registry = createEncoderRegistry();
  return {
    sync: async (job, { signal, progress }) => {
      const project = await ctx.projects.get(job.projectId!);
      const { encoder: settings } = project.settings;
      const encoderOptions = { model: await modelLocation(ctx, settings.model), featureLayer: settings.featureLayer, normalization: settings.normalization, inputSize: settings.inputSize };
      const encoder = await createEncoder(registry, settings.id, encoderOptions);
      try {
        let seen = 0;
        // Files or PACS rows that are no instance at all (not DICOM, no UIDs) have no row of their
        // own: the job's result counts them by reason (not by location: every role reads job
        // results, and a file's name may name a patient).
        const skipped = new Map<string, number>();
        const report = await syncProject({
          sql: ctx.sql, projectId: project.id, source: ctx.source(project.settings.source), filters: project.settings.filters, encoder, encoderId: settings.id, encoderOptions,
          inputSize: settings.inputSize, signal,
          onSkip: (s) => {
            const reason = failureReason(s.reason.split(s.location).join('a file')); // grouped as the sync status groups failures, UIDs removed
            if (skipped.has(reason) || skipped.size < MAX_SKIP_REASONS) skipped.set(reason, (skipped.get(reason) ?? 0) + 1);
          },
          onInstance: (r) => {
            seen++;
            progress(1 - 1 / (1 + seen / 50), `synced ${r.embedded} new, ${r.failed} failed, ${r.listed} listed`);
          },
        });
        const payload = (job.payload ?? {}) as SyncPayload;
        // A cancelled sync keeps what it embedded but queues nothing after it.
        const round = !signal.aborted && payload.then === 'round-if-due' && (await roundDue(ctx, project.id)) ? (await queueRound(ctx, 'schedule', project.id, 'nightly schedule')).job.id : null;
        return { ...report, skippedReasons: [...skipped].map(([reason, count]) => ({ reason, count })), queuedRoundJob: round };
      } finally {
        encoder.dispose();
      }
    },
    'train-encoder': async (job, { signal, progress }) => {
      const project = await ctx.projects.get(job.projectId!);
      const payload = (job.payload ?? {}) as Partial<SiteEncoderOptions>;
      return trainSiteEncoder(ctx, ctx.siteEncoders, {
        project, source: ctx.source(project.settings.source), signal, progress,
        options: { ...DEFAULT_SITE_ENCODER_OPTIONS, ...payload },
      });
    },
    round: async (job, { signal, progress }) => {
      const project = await ctx.projects.get(job.projectId!);
      const round = await runRound(
        { rounds: ctx.rounds, masks: ctx.masks, pool: ctx.pool, artifacts: ctx.artifacts, ...roundDeps },
        { project, source: ctx.source(project.settings.source), jobId: job.id, signal, onProgress: progress },
      );
      return { round: round.number, kind: round.kind, size: round.size, scoring: await scoreQuietly(ctx, project, signal, progress) };
    },
  };
}

/**
 * Scores the round models on the validation set, as one line for the job's result. The round is
 * stored by then: a failure to score is that line, not a failed round (the next round job tries
 * again, since the scores stay stale). Only a stop of the worker (abort) ends the job.
 */
async function scoreQuietly(ctx: ServerContext, project: Project, signal: AbortSignal, progress: (fraction: number, stage: string) => void): Promise<string> {
  try {
    return describeScoring(await scoreRounds(ctx, { project, source: ctx.source(project.settings.source), signal, onProgress: progress }));
  } catch (error) {
    if (signal.aborted) throw error;
    return `failed: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/**
 * Where a project's encoder model is: only a model the server configuration names, or a site
 * encoder a train-encoder job stored (copied to this machine on first use). A project stored
 * before names were required, or whose model was removed, fails here with a clear error instead
 * of reading an arbitrary path or URL.
 */
async function modelLocation(ctx: ServerContext, name: string | undefined): Promise<string | undefined> {
  if (name === undefined) return undefined;
  const location = Object.hasOwn(ctx.config.models, name) ? ctx.config.models[name] : undefined;
  if (location !== undefined) return location;
  if (await ctx.siteEncoders.has(name)) return ctx.siteEncoders.localPath(name);
  throw new AppError(400, 'unknown-model', `encoder.model "${name.slice(0, 64)}" is not a configured model or a stored site encoder (the server configuration's "models" names them)`);
}
