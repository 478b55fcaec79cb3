import { MODEL_FILE_NAMES, modelFromFiles, modelToFiles, type ModelFileName, type ModelFiles, type TrainedModel } from '@scanselect/plugin';
import type { ArtifactStore } from './artifactStore';

/**
 * Puts a trained model into the store, one key per file under the folder `modelKey`
 * (`artifactKeys.model`), so any worker or replica can load it. The metadata goes last; a model
 * counts as stored once the round that names it is recorded, after this resolves.
 */
export async function putModel(store: ArtifactStore, modelKey: string, trained: TrainedModel): Promise<void> {
  const files = await modelToFiles(trained);
  for (const name of MODEL_FILE_NAMES) await store.put(`${modelKey}/${name}`, files[name]);
}

/** The model stored under `modelKey` (`ArtifactNotFoundError` when one of its files is missing). */
export async function getModel(store: ArtifactStore, modelKey: string): Promise<TrainedModel> {
  const files: Partial<Record<ModelFileName, Uint8Array>> = {};
  for (const name of MODEL_FILE_NAMES) files[name] = await store.get(`${modelKey}/${name}`);
  return modelFromFiles(files as ModelFiles, modelKey);
}
