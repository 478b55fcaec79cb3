/**
 * Saving and loading trained segmentation models on the local file system. A saved model is a
 * directory with three files:
 *
 * - `model.json`: the standard tfjs "layers-model" JSON (topology + weights manifest), so the
 *   directory also loads in any tfjs with `file://` (tfjs-node) or over HTTP;
 * - `weights.bin`: the float32 weights, in manifest order;
 * - `metadata.json`: what ScanSelect needs to reuse and audit the model ({@link ModelMetadata}).
 *
 * `tf.io.fileSystem` exists only in tfjs-node, which is not a dependency, so the files are written
 * through a small custom `tf.io.IOHandler` over Node's `fs`. Each file is written to a temporary
 * name and renamed, so a crash never leaves a half-written file under the final name.
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidInputError } from '../core/errors';
import { resolveAttentionUnetConfig } from './attentionUnet';
import type { TrainedModel } from './train';

/** Version of the directory layout and metadata written by {@link saveModel}. */
export const MODEL_FORMAT_VERSION = 1;
const MODEL_KIND = 'scanselect-attention-unet';
const MODEL_FILE = 'model.json';
const WEIGHTS_FILE = 'weights.bin';
const METADATA_FILE = 'metadata.json';

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

/** Writes `trained` to `dir` (created if needed; existing model files are replaced). */
export async function saveModel(trained: TrainedModel, dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  await trained.model.save(fileSystemHandler(dir));
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
  await writeAtomically(path.join(dir, METADATA_FILE), JSON.stringify(metadata, null, 2) + '\n');
}

/**
 * Reads a model written by {@link saveModel}. Throws {@link InvalidInputError} with code
 * `invalid-option` when `dir` or one of its files is missing, and `parse-error` when a file is
 * corrupt, of another format version, or disagrees with the metadata.
 */
export async function loadModel(dir: string): Promise<TrainedModel> {
  const stat = await fs.stat(dir).catch(() => null);
  if (!stat?.isDirectory()) throw new InvalidInputError('invalid-option', `no saved model at ${dir}: not a directory`);
  const metadata = parseMetadata(await readText(path.join(dir, METADATA_FILE)), dir);
  let model: tfl.LayersModel;
  try {
    model = await tfl.loadLayersModel(fileSystemHandler(dir));
  } catch (error) {
    if (error instanceof InvalidInputError) throw error;
    throw new InvalidInputError('parse-error', `cannot load the network in ${dir}: ${(error as Error).message}`);
  }
  const config = resolveAttentionUnetConfig(metadata);
  const inShape = model.inputs[0]?.shape;
  const outShape = model.outputs[0]?.shape;
  if (inShape?.[1] !== config.inputSize || outShape?.[3] !== config.classes) {
    model.dispose();
    throw new InvalidInputError(
      'parse-error',
      `${dir}: the network maps ${String(inShape)} → ${String(outShape)}, but metadata says ${config.inputSize}×${config.inputSize} images and ${config.classes} classes`,
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

/** A `tf.io.IOHandler` reading and writing `model.json` + `weights.bin` in `dir` with Node's fs. */
export function fileSystemHandler(dir: string): tf.io.IOHandler {
  return {
    save: async (artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> => {
      if (artifacts.modelTopology instanceof ArrayBuffer) throw new Error('binary (GraphDef) topologies are not supported');
      const weights = tf.io.CompositeArrayBuffer.join(artifacts.weightData);
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology ?? {},
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: [WEIGHTS_FILE], weights: artifacts.weightSpecs ?? [] }],
      };
      await writeAtomically(path.join(dir, WEIGHTS_FILE), new Uint8Array(weights));
      await writeAtomically(path.join(dir, MODEL_FILE), JSON.stringify(modelJson));
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    },
    load: async (): Promise<tf.io.ModelArtifacts> => {
      const modelJson = parseJson(await readText(path.join(dir, MODEL_FILE)), path.join(dir, MODEL_FILE)) as Partial<tf.io.ModelJSON>;
      if (typeof modelJson !== 'object' || modelJson === null || typeof modelJson.modelTopology !== 'object' || !Array.isArray(modelJson.weightsManifest)) {
        throw new InvalidInputError('parse-error', `${path.join(dir, MODEL_FILE)} is not a tfjs layers-model JSON (no modelTopology / weightsManifest)`);
      }
      const specs = modelJson.weightsManifest.flatMap((group) => group.weights);
      const bytes = await fs.readFile(path.join(dir, WEIGHTS_FILE)).catch(() => {
        throw new InvalidInputError('invalid-option', `${dir} is not a saved model: ${WEIGHTS_FILE} is missing`);
      });
      const expected = specs.reduce((sum, spec) => sum + spec.shape.reduce((a, b) => a * b, 1) * bytesPerElement(spec.dtype), 0);
      if (bytes.byteLength !== expected) {
        throw new InvalidInputError('parse-error', `${path.join(dir, WEIGHTS_FILE)} has ${bytes.byteLength} bytes, the manifest describes ${expected}`);
      }
      return {
        modelTopology: modelJson.modelTopology,
        format: modelJson.format,
        generatedBy: modelJson.generatedBy,
        convertedBy: modelJson.convertedBy,
        weightSpecs: specs,
        weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
      };
    },
  };
}

function bytesPerElement(dtype: string): number {
  if (dtype === 'float32' || dtype === 'int32') return 4;
  if (dtype === 'bool') return 1;
  throw new InvalidInputError('parse-error', `unsupported weight dtype ${dtype}`);
}

function parseMetadata(text: string, dir: string): ModelMetadata {
  const file = path.join(dir, METADATA_FILE);
  const raw = parseJson(text, file);
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

async function readText(file: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch {
    throw new InvalidInputError('invalid-option', `${path.dirname(file)} is not a saved model: ${path.basename(file)} is missing or unreadable`);
  }
}

function parseJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new InvalidInputError('parse-error', `${file} is not valid JSON: ${(error as Error).message}`);
  }
}

async function writeAtomically(file: string, contents: string | Uint8Array): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, contents);
  await fs.rename(tmp, file);
}
