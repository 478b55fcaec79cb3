/**
 * A tfjs layers model as bytes and back — `model.json` (topology + weights manifest) and
 * `weights.bin` — through tfjs's in-memory handlers (`io.withSaveHandler`, `io.fromMemory`), with
 * the checks a file read from disk needs. Shared by the U-Net's model files (modelFiles.ts) and
 * the site-trained encoder's (encoders/selfSupervised/selfSupervisedStore.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { InvalidInputError } from '../core/errors';

/** `model.json` (UTF-8) and `weights.bin` of a model. */
export interface LayersModelBytes {
  readonly modelJson: Uint8Array;
  readonly weights: Uint8Array;
}

export async function layersModelToBytes(model: tfl.LayersModel): Promise<LayersModelBytes> {
  let saved: LayersModelBytes | undefined;
  await model.save(tf.io.withSaveHandler(async (artifacts) => {
    if (artifacts.modelTopology instanceof ArrayBuffer) throw new Error('binary (GraphDef) topologies are not supported');
    const modelJson: tf.io.ModelJSON = {
      modelTopology: artifacts.modelTopology ?? {},
      format: artifacts.format,
      generatedBy: artifacts.generatedBy,
      convertedBy: artifacts.convertedBy,
      weightsManifest: [{ paths: ['weights.bin'], weights: artifacts.weightSpecs ?? [] }],
    };
    saved = { modelJson: new TextEncoder().encode(JSON.stringify(modelJson)), weights: new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData)) };
    return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
  }));
  if (!saved) throw new Error('tfjs saved no model artifacts');
  return saved;
}

/**
 * Loads what {@link layersModelToBytes} wrote. `names` name the two files in messages.
 * @throws InvalidInputError `parse-error`: not a layers-model JSON, weights of another size than
 *   the manifest describes, a dtype other than `dtypes`, or a network tfjs cannot build.
 */
export async function layersModelFromBytes(
  bytes: LayersModelBytes, names: { modelJson: string; weights: string; where: string }, dtypes: readonly string[] = ['float32', 'int32', 'bool'],
): Promise<tfl.LayersModel> {
  const modelJson = parseJsonBytes(bytes.modelJson, names.modelJson) as Partial<tf.io.ModelJSON> | null;
  if (typeof modelJson !== 'object' || modelJson === null || typeof modelJson.modelTopology !== 'object' || !Array.isArray(modelJson.weightsManifest)) {
    throw new InvalidInputError('parse-error', `${names.modelJson} is not a tfjs layers-model JSON (no modelTopology / weightsManifest)`);
  }
  const specs = modelJson.weightsManifest.flatMap((group) => group.weights);
  const other = specs.find((spec) => !dtypes.includes(spec.dtype));
  if (other) throw new InvalidInputError('parse-error', `${names.modelJson}: unsupported weight dtype ${other.dtype}`);
  const { weights } = bytes;
  const expected = specs.reduce((sum, spec) => sum + spec.shape.reduce((a, b) => a * b, 1) * (spec.dtype === 'bool' ? 1 : 4), 0);
  if (weights.byteLength !== expected) throw new InvalidInputError('parse-error', `${names.weights} has ${weights.byteLength} bytes, the manifest describes ${expected}`);
  try {
    return await tfl.loadLayersModel(tf.io.fromMemory({
      modelTopology: modelJson.modelTopology,
      format: modelJson.format,
      generatedBy: modelJson.generatedBy,
      convertedBy: modelJson.convertedBy,
      weightSpecs: specs,
      weightData: weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer,
    }));
  } catch (error) {
    throw new InvalidInputError('parse-error', `cannot load the network in ${names.where}: ${(error as Error).message}`);
  }
}

/** UTF-8 JSON, or InvalidInputError `parse-error` naming `file`. */
export function parseJsonBytes(bytes: Uint8Array, file: string): unknown {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as unknown;
  } catch (error) {
    throw new InvalidInputError('parse-error', `${file} is not valid JSON: ${(error as Error).message}`);
  }
}
