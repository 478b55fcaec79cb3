/**
 * A trained segmentation model as the bytes of three named files, and back — no file system, so
 * the caller keeps them where it likes (a directory: `modelStore.ts`; a server's artefact store):
 *
 * - `model.json`: the standard tfjs "layers-model" JSON (topology + weights manifest naming
 *   `weights.bin`), so a directory of these files also loads in any tfjs with `file://` or HTTP;
 * - `weights.bin`: the float32 weights, in manifest order;
 * - `metadata.json`: what ScanSelect needs to reuse and audit the model ({@link ModelMetadata}).
 *
 * Through tfjs's in-memory handlers (`io.withSaveHandler`, `io.fromMemory`).
 */
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { InvalidInputError } from '../core/errors';
import { resolveAttentionUnetConfig } from './attentionUnet';
import { layersModelFromBytes, layersModelToBytes, parseJsonBytes } from './layersModelBytes';
import type { TrainedModel } from './train';

/** Version of the files and metadata written by {@link modelToFiles}. */
export const MODEL_FORMAT_VERSION = 1;
const MODEL_KIND = 'scanselect-attention-unet';

/** The files of a saved model, in the order they are best written (the metadata, which says what the model is, last). */
export const MODEL_FILE_NAMES = ['weights.bin', 'model.json', 'metadata.json'] as const;
export type ModelFileName = (typeof MODEL_FILE_NAMES)[number];
/** A saved model: the bytes of each of its files. */
export type ModelFiles = Readonly<Record<ModelFileName, Uint8Array>>;

/** Contents of `metadata.json`. */
export interface ModelMetadata {
  readonly formatVersion: number;
  readonly kind: typeof MODEL_KIND;
  readonly classes: number;
  readonly inputSize: number;
  readonly depth: number;
  readonly baseChannels: number;
  readonly dropout: number;
  /** Run seed that fixed the initial weights, shuffling and dropout (paper section 4.1.2). */
  readonly seed: number;
  /** Ids of the labelled images the model was trained on. */
  readonly trainingIds: readonly string[];
  /** tfjs backend used for training. */
  readonly backend: string;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  /** Mean loss of the last epoch (null when none was recorded). */
  readonly finalLoss: number | null;
  readonly lossHistory: readonly number[];
  readonly trainingSeconds: number;
  /** ISO 8601 time of saving. */
  readonly createdAt: string;
  readonly tfjsVersion: string;
}

/** The files of `trained`. */
export async function modelToFiles(trained: TrainedModel): Promise<ModelFiles> {
  const saved = await layersModelToBytes(trained.model);
  const { config } = trained;
  const metadata: ModelMetadata = {
    formatVersion: MODEL_FORMAT_VERSION,
    kind: MODEL_KIND,
    classes: config.classes,
    inputSize: config.inputSize,
    depth: config.depth,
    baseChannels: config.baseChannels,
    dropout: config.dropout,
    seed: config.seed,
    trainingIds: [...trained.ids],
    backend: trained.backend,
    epochs: trained.epochs,
    batchSize: trained.batchSize,
    learningRate: trained.learningRate,
    finalLoss: Number.isFinite(trained.finalLoss) ? trained.finalLoss : null,
    lossHistory: [...trained.lossHistory],
    trainingSeconds: trained.seconds,
    createdAt: new Date().toISOString(),
    tfjsVersion: tf.version_core,
  };
  return { 'weights.bin': saved.weights, 'model.json': saved.modelJson, 'metadata.json': utf8(JSON.stringify(metadata, null, 2) + '\n') };
}

/**
 * The model of files written by {@link modelToFiles}; `where` names them in errors (a directory,
 * a key). Throws {@link InvalidInputError} `parse-error` when a file is corrupt, of another format
 * version, or disagrees with the metadata.
 */
export async function modelFromFiles(files: ModelFiles, where: string): Promise<TrainedModel> {
  const name = (file: ModelFileName): string => path.join(where, file);
  const metadata = parseMetadata(parseJsonBytes(files['metadata.json'], name('metadata.json')), name('metadata.json'));
  const model = await layersModelFromBytes({ modelJson: files['model.json'], weights: files['weights.bin'] }, { modelJson: name('model.json'), weights: name('weights.bin'), where });
  const config = resolveAttentionUnetConfig(metadata);
  const inShape = model.inputs[0]?.shape;
  const outShape = model.outputs[0]?.shape;
  if (inShape?.[1] !== config.inputSize || outShape?.[3] !== config.classes) {
    model.dispose();
    throw new InvalidInputError(
      'parse-error',
      `${where}: the network maps ${String(inShape)} → ${String(outShape)}, but metadata says ${config.inputSize}×${config.inputSize} images and ${config.classes} classes`,
    );
  }
  return {
    model,
    config,
    epochs: metadata.epochs,
    batchSize: metadata.batchSize,
    learningRate: metadata.learningRate,
    lossHistory: [...metadata.lossHistory],
    finalLoss: metadata.finalLoss ?? Number.NaN,
    ids: [...metadata.trainingIds],
    backend: metadata.backend,
    seconds: metadata.trainingSeconds,
    dispose: () => {
      model.dispose();
    },
  };
}

function parseMetadata(raw: unknown, file: string): ModelMetadata {
  if (typeof raw !== 'object' || raw === null) throw new InvalidInputError('parse-error', `${file} is not a JSON object`);
  const m = raw as Partial<Record<keyof ModelMetadata, unknown>>;
  if (m.kind !== MODEL_KIND) throw new InvalidInputError('parse-error', `${file}: kind is ${JSON.stringify(m.kind)}, expected "${MODEL_KIND}"`);
  if (m.formatVersion !== MODEL_FORMAT_VERSION) {
    throw new InvalidInputError('parse-error', `${file}: format version ${JSON.stringify(m.formatVersion)} is not supported (this build reads version ${MODEL_FORMAT_VERSION})`);
  }
  const numeric: (keyof ModelMetadata)[] = ['classes', 'inputSize', 'depth', 'baseChannels', 'dropout', 'seed', 'epochs', 'batchSize', 'learningRate', 'trainingSeconds'];
  for (const key of numeric) {
    if (typeof m[key] !== 'number' || !Number.isFinite(m[key])) throw new InvalidInputError('parse-error', `${file}: ${key} must be a finite number, got ${JSON.stringify(m[key])}`);
  }
  if (!Array.isArray(m.trainingIds) || !m.trainingIds.every((id) => typeof id === 'string')) {
    throw new InvalidInputError('parse-error', `${file}: trainingIds must be an array of strings`);
  }
  if (!Array.isArray(m.lossHistory) || !m.lossHistory.every((v) => typeof v === 'number')) {
    throw new InvalidInputError('parse-error', `${file}: lossHistory must be an array of numbers`);
  }
  if (m.finalLoss !== null && typeof m.finalLoss !== 'number') throw new InvalidInputError('parse-error', `${file}: finalLoss must be a number or null`);
  if (typeof m.backend !== 'string' || typeof m.createdAt !== 'string' || typeof m.tfjsVersion !== 'string') {
    throw new InvalidInputError('parse-error', `${file}: backend, createdAt and tfjsVersion must be strings`);
  }
  return m as ModelMetadata;
}

function utf8(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}
