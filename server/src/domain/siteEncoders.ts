import type { Job } from '../jobs/jobStore';
import { validator } from '../http/validate';
import type { ServerContext } from './context';
import { queueProjectJob } from './queueProjectJob';
import { DEFAULT_SITE_ENCODER_OPTIONS, type SiteEncoderOptions } from './trainSiteEncoder';

/** JSON Schema of a site encoder request (served in the OpenAPI document). */
export const SITE_ENCODER_REQUEST_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  properties: {
    epochs: { type: 'integer', minimum: 1, maximum: 500, default: DEFAULT_SITE_ENCODER_OPTIONS.epochs, description: 'passes over the pool' },
    seed: { type: 'integer', minimum: 0, maximum: 2147483647, default: DEFAULT_SITE_ENCODER_OPTIONS.seed },
  },
} as const;

const validateRequest = validator<SiteEncoderOptions>(SITE_ENCODER_REQUEST_SCHEMA);

/** An admin asks for the project's site encoder: a train-encoder job (or the one already queued or running). */
export function queueSiteEncoder(ctx: ServerContext, actor: string, projectId: number, body: unknown): Promise<{ job: Job; queued: boolean }> {
  const options = validateRequest(body ?? {});
  return queueProjectJob(ctx, actor, 'train-encoder', projectId, options);
}

/** A stored site encoder as the API lists it. */
export interface SiteEncoderView {
  readonly name: string;
  readonly version: string | null;
  readonly dimensions: number | null;
  readonly images: number | null;
  readonly epochs: number | null;
  readonly finalLoss: number | null;
  readonly createdAt: string | null;
}

/** Every stored site encoder with what its training did (a project's `encoder.model` names one). */
export async function listSiteEncoders(ctx: ServerContext): Promise<SiteEncoderView[]> {
  const views: SiteEncoderView[] = [];
  for (const name of await ctx.siteEncoders.names()) {
    const m = await ctx.siteEncoders.metadata(name);
    const training = (m.training ?? null) as { images?: number; epochs?: number; finalLoss?: number } | null;
    const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
    views.push({
      name, version: typeof m.version === 'string' ? m.version : null, dimensions: num(m.dimensions),
      images: num(training?.images), epochs: num(training?.epochs), finalLoss: num(training?.finalLoss), createdAt: typeof m.createdAt === 'string' ? m.createdAt : null,
    });
  }
  return views;
}
