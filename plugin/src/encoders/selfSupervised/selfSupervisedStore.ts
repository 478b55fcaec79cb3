/**
 * Saving and loading a site-trained encoder as a directory, so that a service can keep one per
 * pool and train only when the pool changes:
 *
 * - `model.json` + `weights.bin`: the representation network in the standard tfjs layers-model
 *   format (written with `io.withSaveHandler`, read with `io.fromMemory`, as models/modelFiles.ts
 *   does for the segmentation network; that module's metadata is the U-Net's, hence this one);
 * - `metadata.json` ({@link SelfSupervisedEncoderMetadata}): kind, format version, the encoder
 *   version (checked on load against the weights read back) and what the training did.
 *
 * Each file is written to a temporary name and renamed, weights first and metadata last, so a
 * crash never leaves a half-written file under its final name.
 */
import { promises as fs } from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { layersModelFromBytes, layersModelToBytes, parseJsonBytes } from '../../models/layersModelBytes';
import { InvalidInputError } from '../../core/errors';
import { SelfSupervisedEncoder } from './selfSupervisedEncoder';
import type { SelfSupervisedTrainingSummary } from './trainSelfSupervised';

export const SELF_SUPERVISED_FORMAT_VERSION = 1;
const KIND = 'scanselect-self-supervised-encoder';
const FILE_NAMES = ['weights.bin', 'model.json', 'metadata.json'] as const;
type FileName = (typeof FILE_NAMES)[number];

/** Contents of `metadata.json`. */
export interface SelfSupervisedEncoderMetadata {
  readonly formatVersion: number;
  readonly kind: typeof KIND;
  /** The encoder's version string; the weights must hash to it. */
  readonly version: string;
  readonly inputSize: number;
  readonly dimensions: number;
  /** What the training did; null when the encoder was built from a network of unknown origin. */
  readonly training: SelfSupervisedTrainingSummary | null;
  /** ISO 8601 time of saving. */
  readonly createdAt: string;
  readonly tfjsVersion: string;
}

/** Writes `encoder` to `dir` (created if needed; an encoder saved there before is replaced). */
export async function saveSelfSupervisedEncoder(encoder: SelfSupervisedEncoder, dir: string): Promise<void> {
  const saved = await layersModelToBytes(encoder.network);
  const metadata: SelfSupervisedEncoderMetadata = {
    formatVersion: SELF_SUPERVISED_FORMAT_VERSION,
    kind: KIND,
    version: encoder.version,
    inputSize: encoder.inputSize,
    dimensions: encoder.dimensions(),
    training: encoder.training ?? null,
    createdAt: new Date().toISOString(),
    tfjsVersion: tf.version_core,
  };
  await fs.mkdir(dir, { recursive: true });
  await writeAtomically(path.join(dir, 'weights.bin'), saved.weights);
  await writeAtomically(path.join(dir, 'model.json'), saved.modelJson);
  await writeAtomically(path.join(dir, 'metadata.json'), new TextEncoder().encode(JSON.stringify(metadata, null, 2) + '\n'));
}

/**
 * Reads an encoder written by {@link saveSelfSupervisedEncoder}. Throws {@link InvalidInputError}:
 * `invalid-option` when `dir` or one of its files is missing (the message says how to train
 * one), `parse-error` when a file is corrupt, of another kind or format version, or the weights do
 * not hash to the saved version.
 */
export async function loadSelfSupervisedEncoder(dir: string, options: { batchSize?: number } = {}): Promise<SelfSupervisedEncoder> {
  const stat = await fs.stat(dir).catch(() => null);
  if (!stat?.isDirectory()) throw new InvalidInputError('invalid-option', `no self-supervised encoder at ${dir}: not a directory. ${HOW_TO_TRAIN}`);
  const files: Partial<Record<FileName, Uint8Array>> = {};
  for (const name of FILE_NAMES) {
    files[name] = await fs.readFile(path.join(dir, name)).catch(() => {
      throw new InvalidInputError('invalid-option', `${dir} is not a saved self-supervised encoder: ${name} is missing or unreadable. ${HOW_TO_TRAIN}`);
    });
  }
  const metadataFile = path.join(dir, 'metadata.json');
  const metadata = parseMetadata(parseJsonBytes(files['metadata.json']!, metadataFile), metadataFile);
  const network = await layersModelFromBytes({ modelJson: files['model.json']!, weights: files['weights.bin']! },
    { modelJson: path.join(dir, 'model.json'), weights: path.join(dir, 'weights.bin'), where: dir }, ['float32']);
  let encoder: SelfSupervisedEncoder;
  try {
    encoder = await SelfSupervisedEncoder.create(network, { batchSize: options.batchSize, training: metadata.training ?? undefined });
  } catch (error) {
    network.dispose();
    throw error;
  }
  if (encoder.version !== metadata.version || encoder.dimensions() !== metadata.dimensions || encoder.inputSize !== metadata.inputSize) {
    encoder.dispose();
    throw new InvalidInputError('parse-error', `${dir}: the weights give encoder ${encoder.version} (${encoder.inputSize}², ${encoder.dimensions()}-d), but metadata.json says ${metadata.version} (${metadata.inputSize}², ${metadata.dimensions}-d)`);
  }
  return encoder;
}

/** How to get weights, for error messages. */
export const HOW_TO_TRAIN = 'Train one on the unlabelled pool with trainSelfSupervised(images, { seed }), wrap it with SelfSupervisedEncoder.create(training.representation, { training: training.summary }) and save it with saveSelfSupervisedEncoder(encoder, DIR) (docs/encoders.md, "Site-trained encoder").';

function parseMetadata(raw: unknown, file: string): SelfSupervisedEncoderMetadata {
  if (typeof raw !== 'object' || raw === null) throw new InvalidInputError('parse-error', `${file} is not a JSON object`);
  const m = raw as Partial<Record<keyof SelfSupervisedEncoderMetadata, unknown>>;
  if (m.kind !== KIND) throw new InvalidInputError('parse-error', `${file}: kind is ${JSON.stringify(m.kind)}, expected "${KIND}"`);
  if (m.formatVersion !== SELF_SUPERVISED_FORMAT_VERSION) {
    throw new InvalidInputError('parse-error', `${file}: format version ${JSON.stringify(m.formatVersion)} is not supported (this build reads version ${SELF_SUPERVISED_FORMAT_VERSION})`);
  }
  if (typeof m.version !== 'string') throw new InvalidInputError('parse-error', `${file}: version must be a string`);
  for (const key of ['inputSize', 'dimensions'] as const) {
    if (!Number.isInteger(m[key])) throw new InvalidInputError('parse-error', `${file}: ${key} must be an integer, got ${JSON.stringify(m[key])}`);
  }
  if (m.training !== null && (typeof m.training !== 'object' || m.training === undefined)) throw new InvalidInputError('parse-error', `${file}: training must be an object or null`);
  return m as SelfSupervisedEncoderMetadata;
}

async function writeAtomically(file: string, contents: Uint8Array): Promise<void> {
  const tmp = `${file}.${process.pid}.tmp`;
  await fs.writeFile(tmp, contents);
  await fs.rename(tmp, file);
}
