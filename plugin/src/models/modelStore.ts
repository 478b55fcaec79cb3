/**
 * Saving and loading trained segmentation models on the local file system: a saved model is a
 * directory holding the files of `modelFiles.ts` (`model.json`, `weights.bin`, `metadata.json`).
 * Each file is written to a temporary name and renamed, so a crash never leaves a half-written
 * file under the final name.
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import { InvalidInputError } from '../core/errors';
import { MODEL_FILE_NAMES, modelFromFiles, modelToFiles, type ModelFileName, type ModelFiles } from './modelFiles';
import type { TrainedModel } from './train';

export { MODEL_FORMAT_VERSION, type ModelMetadata } from './modelFiles';

/** Writes `trained` to `dir` (created if needed; existing model files are replaced). */
export async function saveModel(trained: TrainedModel, dir: string): Promise<void> {
  const files = await modelToFiles(trained);
  await fs.mkdir(dir, { recursive: true });
  for (const name of MODEL_FILE_NAMES) await writeAtomically(path.join(dir, name), files[name]);
}

/**
 * Reads a model written by {@link saveModel}. Throws {@link InvalidInputError} with code
 * `invalid-option` when `dir` or one of its files is missing, and `parse-error` when a file is
 * corrupt, of another format version, or disagrees with the metadata.
 */
export async function loadModel(dir: string): Promise<TrainedModel> {
  const stat = await fs.stat(dir).catch(() => null);
  if (!stat?.isDirectory()) throw new InvalidInputError('invalid-option', `no saved model at ${dir}: not a directory`);
  const files: Partial<Record<ModelFileName, Uint8Array>> = {};
  for (const name of MODEL_FILE_NAMES) {
    files[name] = await fs.readFile(path.join(dir, name)).catch(() => {
      throw new InvalidInputError('invalid-option', `${dir} is not a saved model: ${name} is missing or unreadable`);
    });
  }
  return modelFromFiles(files as ModelFiles, dir);
}

async function writeAtomically(file: string, contents: Uint8Array): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, contents);
  await fs.rename(tmp, file);
}
