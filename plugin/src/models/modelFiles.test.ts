import '@tensorflow/tfjs-backend-cpu';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { InvalidInputError } from '../core/errors';
import { syntheticDisks } from './__fixtures__/syntheticDisks';
import { predictBatch } from './inference';
import { MODEL_FILE_NAMES, modelFromFiles, modelToFiles, type ModelFiles } from './modelFiles';
import { saveModel } from './modelStore';
import { trainSegmentation, type TrainedModel } from './train';

const size = 8;
const disks = syntheticDisks(2, size, 3);
let trained: TrainedModel;

beforeAll(async () => {
  await tf.setBackend('cpu');
  trained = await trainSegmentation(
    { images: disks.images, masks: disks.masks, size },
    { classes: 2, depth: 2, baseChannels: 2, dropout: 0.15, epochs: 1, seed: 7, ids: ['scan-a', 'scan-b'] },
  );
}, 60_000);
afterAll(() => trained.dispose());

/** Each file copied into the middle of a larger buffer, as a database driver or network read may hand it over. */
function offsetCopies(files: ModelFiles): ModelFiles {
  const copy = (bytes: Uint8Array): Uint8Array => {
    const backing = new Uint8Array(bytes.byteLength + 11);
    backing.set(bytes, 5);
    return backing.subarray(5, 5 + bytes.byteLength);
  };
  return { 'weights.bin': copy(files['weights.bin']), 'model.json': copy(files['model.json']), 'metadata.json': copy(files['metadata.json']) };
}

describe('modelToFiles / modelFromFiles', () => {
  it('round-trips weights and predictions through bytes alone', async () => {
    const files = await modelToFiles(trained);
    expect(Object.keys(files).sort()).toEqual([...MODEL_FILE_NAMES].sort());
    expect(JSON.parse(new TextDecoder().decode(files['metadata.json']))).toMatchObject({ seed: 7, trainingIds: ['scan-a', 'scan-b'], classes: 2, inputSize: size });
    const before = tf.memory().numTensors;
    const loaded = await modelFromFiles(offsetCopies(files), 'rounds/1/2/model');
    expect(loaded.config).toEqual(trained.config);
    expect(loaded.model.getWeights().map((w) => Array.from(w.dataSync()))).toEqual(trained.model.getWeights().map((w) => Array.from(w.dataSync())));
    const p0 = predictBatch(trained.model, disks.images, size);
    predictBatch(loaded.model, disks.images, size).forEach((p, i) => expect(Array.from(p.probabilities)).toEqual(Array.from(p0[i]!.probabilities)));
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reads the files saveModel wrote to a directory, and writes the same network', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'scanselect-model-files-'));
    try {
      await saveModel(trained, dir);
      const read = async (name: string): Promise<Uint8Array> => fs.readFile(path.join(dir, name));
      const files = { 'weights.bin': await read('weights.bin'), 'model.json': await read('model.json'), 'metadata.json': await read('metadata.json') };
      const fresh = await modelToFiles(trained);
      expect(Buffer.compare(files['weights.bin'], fresh['weights.bin'])).toBe(0);
      expect(Buffer.compare(files['model.json'], fresh['model.json'])).toBe(0);
      const loaded = await modelFromFiles(files, dir);
      expect(loaded.ids).toEqual(['scan-a', 'scan-b']);
      loaded.dispose();
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('names where the files came from when they are corrupt', async () => {
    const files = await modelToFiles(trained);
    const where = 'rounds/1/2/model';
    await expect(modelFromFiles({ ...files, 'weights.bin': files['weights.bin'].subarray(4) }, where)).rejects.toThrow(`${where}/weights.bin has`);
    await expect(modelFromFiles({ ...files, 'model.json': new TextEncoder().encode('{"modelTopology": ') }, where)).rejects.toThrow(`${where}/model.json is not valid JSON`);
    await expect(modelFromFiles({ ...files, 'metadata.json': new Uint8Array([0xff, 0xfe]) }, where)).rejects.toThrow(InvalidInputError);
    const metadata = JSON.parse(new TextDecoder().decode(files['metadata.json'])) as Record<string, unknown>;
    const other = new TextEncoder().encode(JSON.stringify({ ...metadata, classes: 3 }));
    await expect(modelFromFiles({ ...files, 'metadata.json': other }, where)).rejects.toThrow(`${where}: the network maps`);
  });
});
