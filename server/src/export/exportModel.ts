/**
 * Export of one round's segmentation model as a ZIP archive: the TensorFlow.js files the artefact
 * store keeps (`model.json` — a tfjs layers model whose manifest names `weights.bin` —,
 * `weights.bin` and ScanSelect's `metadata.json`), loadable as a folder with the engine's
 * `loadModel` or `scanselect predict --model`, plus `scanselect.json`: project, round, classes,
 * input size and the training summary of the round's report.
 */
import { MODEL_FILE_NAMES, type ModelFileName } from '@scanselect/plugin';
import { AppError } from '../appError';
import type { ServerContext } from '../domain/context';
import { classList } from './classList';
import { ArtifactNotFoundError } from '../storage/artifactStore';
import { sanitisedName } from './downloadName';
import { ZipStream, type Download } from './zipStream';

/**
 * Prepares the download of round `round`'s model of project `projectId` for `actor` (an admin)
 * and audits `export.model` with `{ round }`.
 *
 * @throws AppError 404 `not-found` for an unknown project or round, a round without a model (the
 *   cold start trains none) or a model whose files are missing from the store.
 */
export async function prepareModelExport(ctx: ServerContext, projectId: number, round: number, actor: string): Promise<Download> {
  const project = await ctx.projects.get(projectId);
  const stored = await ctx.rounds.round(projectId, round);
  if (!stored) throw new AppError(404, 'not-found', `no round ${round} in project ${projectId}`);
  if (!stored.modelDir) throw new AppError(404, 'not-found', `round ${round} has no model (${stored.kind === 'coldstart' ? 'the cold start trains none' : 'none was stored'})`);
  const files = {} as Record<ModelFileName, Uint8Array>;
  for (const name of MODEL_FILE_NAMES) {
    try {
      files[name] = await ctx.artifacts.get(`${stored.modelDir}/${name}`);
    } catch (error) {
      if (error instanceof ArtifactNotFoundError) throw new AppError(404, 'not-found', `the stored model of round ${round} is missing its ${name}`);
      throw error;
    }
  }
  const metadata = JSON.parse(Buffer.from(files['metadata.json']).toString('utf8')) as { inputSize?: number; classes?: number };
  const training = stored.report.training;
  const summary = {
    project: project.name,
    round,
    kind: stored.kind,
    createdAt: stored.createdAt,
    format: 'tfjs-layers-model',
    files: [...MODEL_FILE_NAMES],
    classes: classList(project.settings),
    background: 0,
    inputSize: metadata.inputSize ?? project.settings.model.inputSize,
    training: training ? { images: training.images, epochs: training.epochs, finalLoss: training.finalLoss, seconds: training.seconds, backend: training.backend } : null,
    exportedAt: ctx.now().toISOString(),
    exportedBy: actor,
  };
  await ctx.audit.record(actor, 'export.model', projectId, { round });
  return {
    fileName: `${sanitisedName(project.name)}-round-${round}-model.zip`,
    write: async (sink) => {
      const zip = new ZipStream(sink);
      for (const name of ['model.json', 'weights.bin', 'metadata.json'] as const) await zip.add(name, files[name], true);
      await zip.add('scanselect.json', new TextEncoder().encode(`${JSON.stringify(summary, null, 2)}\n`), true);
      await zip.end();
    },
  };
}
