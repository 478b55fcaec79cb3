import { createHash } from 'crypto';
import { promises as fs } from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { InvalidInputError } from '../core/errors';

/**
 * File-system and URL model I/O for TensorFlow.js in Node without tfjs-node (whose `file://`
 * handler is the only built-in one, and is not installed): a `tf.io` load handler that reads
 * model.json and its weight shards with `fs`, a matching save handler (used by tests to write a
 * model), and a wrapper that fingerprints whatever was loaded so cached embeddings are keyed
 * by the actual weights.
 */

/** True for `http://` and `https://` sources. */
export function isHttpUrl(source: string): boolean {
  return /^https?:\/\//i.test(source);
}

/** `dir` → `dir/model.json`; a path to a .json file is used as is. */
export async function resolveModelJsonPath(source: string): Promise<string> {
  let stat;
  try {
    stat = await fs.stat(source);
  } catch {
    throw new InvalidInputError('invalid-option', `encoder model "${source}" does not exist (give a directory with model.json, a model.json path or an http(s) URL)`);
  }
  const file = stat.isDirectory() ? path.join(source, 'model.json') : source;
  try {
    await fs.access(file);
  } catch {
    throw new InvalidInputError('invalid-option', `no model.json in "${source}"`);
  }
  return file;
}

/** Loads model.json + shards (paths in the manifest are relative to model.json's directory). */
export function fileSystemLoadHandler(modelJsonPath: string): tf.io.IOHandler {
  return {
    load: async (): Promise<tf.io.ModelArtifacts> => {
      let modelJson: tf.io.ModelJSON;
      try {
        modelJson = JSON.parse(await fs.readFile(modelJsonPath, 'utf8')) as tf.io.ModelJSON;
      } catch (e) {
        throw new InvalidInputError('parse-error', `cannot read ${modelJsonPath}: ${(e as Error).message}`);
      }
      if (!modelJson.modelTopology) throw new InvalidInputError('parse-error', `${modelJsonPath} has no modelTopology`);
      const dir = path.dirname(modelJsonPath);
      return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
        const specs: tf.io.WeightsManifestEntry[] = [];
        const buffers: ArrayBuffer[] = [];
        for (const group of manifest) {
          specs.push(...group.weights);
          for (const p of group.paths) {
            const bytes = await fs.readFile(path.join(dir, p));
            buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
          }
        }
        return [specs, tf.io.concatenateArrayBuffers(buffers)];
      });
    },
  };
}

/** Writes `model.json` + one `weights.bin` into `dir` (created if needed). */
export function fileSystemSaveHandler(dir: string): tf.io.IOHandler {
  return {
    save: async (artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> => {
      await fs.mkdir(dir, { recursive: true });
      const weights = artifacts.weightData === undefined ? new ArrayBuffer(0)
        : Array.isArray(artifacts.weightData) ? tf.io.concatenateArrayBuffers(artifacts.weightData) : artifacts.weightData;
      const modelJson = {
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
      };
      await fs.writeFile(path.join(dir, 'weights.bin'), Buffer.from(weights));
      await fs.writeFile(path.join(dir, 'model.json'), JSON.stringify(modelJson));
      return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON', weightDataBytes: weights.byteLength } };
    },
  };
}

/** Which tfjs loader a model.json needs. */
export type ModelKind = 'layers' | 'graph';

/**
 * `format` is written by current converters; older exports (like Keras-2-era layers models)
 * lack it, so fall back to the topology's shape: Keras configs have `class_name`/`model_config`,
 * TensorFlow GraphDefs have a `node` list.
 */
export function modelKind(artifacts: tf.io.ModelArtifacts): ModelKind {
  if (artifacts.format === 'graph-model') return 'graph';
  if (artifacts.format === 'layers-model') return 'layers';
  const topology = artifacts.modelTopology as { node?: unknown } | undefined;
  if (topology && !(topology instanceof ArrayBuffer) && Array.isArray(topology.node)) return 'graph';
  return 'layers';
}

/** Loaded artifacts plus a fingerprint (sha256 of topology + weights) and the model kind. */
export interface LoadedArtifacts {
  readonly handler: tf.io.IOHandler;
  readonly kind: ModelKind;
  readonly sha256: string;
}

/**
 * Loads a model's artifacts once from a path or URL and returns an in-memory handler for the
 * tfjs loaders, so the bytes can be fingerprinted and the model kind detected before building it.
 */
export async function loadModelArtifacts(source: string): Promise<LoadedArtifacts> {
  const handler = isHttpUrl(source) ? tf.io.http(source) : fileSystemLoadHandler(await resolveModelJsonPath(source));
  if (!handler.load) throw new InvalidInputError('invalid-option', `cannot load "${source}"`);
  const artifacts = await handler.load();
  const hash = createHash('sha256');
  hash.update(JSON.stringify(artifacts.modelTopology ?? null));
  hash.update(JSON.stringify(artifacts.weightSpecs ?? []));
  const data = artifacts.weightData;
  for (const buffer of data === undefined ? [] : Array.isArray(data) ? data : [data]) hash.update(new Uint8Array(buffer));
  return { handler: tf.io.fromMemory(artifacts), kind: modelKind(artifacts), sha256: hash.digest('hex') };
}
