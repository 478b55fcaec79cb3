import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_SELF_SUPERVISED_INPUT_SIZE, resizeBilinear, saveSelfSupervisedEncoder, SelfSupervisedEncoder, trainSelfSupervised, type GrayImage } from '@scanselect/plugin';
import { AppError } from '../appError';
import type { ImageSource } from '../pacs/source';
import type { Project } from '../projects/projectStore';
import type { SiteEncoderStore } from '../storage/siteEncoderStore';
import type { ServerContext } from './context';

/** What an admin may choose for a site encoder's training (the rest are the trainer's defaults). */
export interface SiteEncoderOptions {
  /** Passes over the pool (default 20). */
  readonly epochs: number;
  readonly seed: number;
}

export const DEFAULT_SITE_ENCODER_OPTIONS: SiteEncoderOptions = { epochs: 20, seed: 42 };

/** A `train-encoder` job's result. */
export interface SiteEncoderResult {
  /** The name a project's `encoder.model` uses (with `encoder.id: self-supervised`). */
  readonly name: string;
  /** True when an encoder of this pool and these options was stored already (nothing trained). */
  readonly reused: boolean;
  readonly images: number;
  readonly epochs: number;
  readonly seconds: number | null;
  readonly finalLoss: number | null;
}

/**
 * Trains the site encoder (SimCLR, no labels) on a project's synced pool, as a worker job: every
 * embedded instance at the encoder's input size (the pixel cache, else the source), then
 * `trainSelfSupervised` with the job's stop signal and progress, then the weights into the
 * artefact store as `site-<project>-<hash>` (siteEncoderStore.ts). The hash covers the pool's
 * instances, the options and the size they are read at, so the same pool and options give the same name, and a second job
 * returns the stored encoder without training (`reused`). A project then uses it with
 * `encoder: { id: "self-supervised", model: <name> }`: a new project, since a synced project's
 * encoder is fixed (its embeddings came from it).
 */
export async function trainSiteEncoder(
  ctx: ServerContext, store: SiteEncoderStore,
  request: { project: Project; source: ImageSource; options: SiteEncoderOptions; signal: AbortSignal; progress: (fraction: number, stage: string) => void },
): Promise<SiteEncoderResult> {
  const { project, options, signal, progress } = request;
  const rows = await ctx.sql.all<{ sop_uid: string }>("SELECT sop_uid FROM instances WHERE project_id = @id AND status = 'embedded' ORDER BY sop_uid", { id: project.id });
  if (rows.length < 2) throw new AppError(409, 'pool-too-small', `project "${project.name}" has ${rows.length} synced instance(s); a site encoder learns from at least 2 (sync first)`);
  const read = project.settings.encoder.inputSize;
  const hash = createHash('sha256').update(JSON.stringify({ pool: rows.map((r) => r.sop_uid), options, read, format: 1 })).digest('hex');
  const name = `site-${project.id}-${hash.slice(0, 12)}`;
  if (await store.has(name)) {
    const training = (await store.metadata(name)).training as { images?: number; epochs?: number; seconds?: number; finalLoss?: number } | null;
    return { name, reused: true, images: training?.images ?? rows.length, epochs: training?.epochs ?? options.epochs, seconds: null, finalLoss: null };
  }
  // Read at the encoder's input size, as the sync resizes what it embeds, then brought to the
  // network's side at once: the same chain of resizings as at embedding time, and 16 KB per
  // image in memory whatever the pool's size (the intensities' scale does not matter: training
  // and embedding both normalise each image).
  const side = DEFAULT_SELF_SUPERVISED_INPUT_SIZE;
  const images: GrayImage[] = [];
  for (const [i, row] of rows.entries()) {
    if (signal.aborted) throw signal.reason ?? new Error('aborted');
    const data = await ctx.pool.modelInput(project.id, request.source, row.sop_uid, read);
    const small = resizeBilinear({ width: read, height: read, channels: 1, data, spacing: null, source: { format: 'png' } }, side);
    images.push({ width: side, height: side, data: small.data });
    if (i % 10 === 0) progress(0.2 * (i / rows.length), `read ${i} of ${rows.length} images`);
  }
  const training = await trainSelfSupervised(images, {
    seed: options.seed, epochs: options.epochs, signal,
    onProgress: (p) => progress(0.2 + 0.75 * (p.epoch / p.epochs), `epoch ${p.epoch}/${p.epochs}, loss ${p.loss.toFixed(3)}`),
  });
  const encoder = await SelfSupervisedEncoder.create(training.representation, { training: training.summary });
  const scratch = await mkdtemp(path.join(os.tmpdir(), 'scanselect-site-encoder-'));
  try {
    await saveSelfSupervisedEncoder(encoder, scratch);
    await store.put(name, scratch);
  } finally {
    encoder.dispose();
    await rm(scratch, { recursive: true, force: true });
  }
  progress(1, `stored ${name}`);
  const s = training.summary;
  return { name, reused: false, images: s.images, epochs: s.epochs, seconds: s.seconds, finalLoss: s.finalLoss };
}
