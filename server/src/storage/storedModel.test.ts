import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { initCompute, loadModel, predictBatch, trainSegmentation, type TrainedModel } from '@scanselect/plugin';
import { artifactKeys } from './artifactKeys';
import { ArtifactNotFoundError } from './artifactStore';
import { FileArtifactStore } from './fileArtifactStore';
import { getModel, putModel } from './storedModel';

const size = 8;
let root: string;
let trained: TrainedModel;
const images = [0, 1].map((k) => Float32Array.from({ length: size * size }, (_, i) => Math.sin(i * (k + 1))));
const masks = [0, 1].map((k) => Uint8Array.from({ length: size * size }, (_, i) => ((i + k) % 3 === 0 ? 1 : 0)));

beforeAll(async () => {
  await initCompute({ backend: 'cpu' });
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'scanselect-stored-model-'));
  trained = await trainSegmentation({ images, masks, size }, { classes: 2, depth: 2, baseChannels: 2, epochs: 1, seed: 5, ids: ['a', 'b'] });
}, 60_000);
afterAll(async () => {
  trained.dispose();
  await fs.rm(root, { recursive: true, force: true });
});

describe('putModel / getModel', () => {
  it('stores a round model under its key and loads it in another store instance, predicting the same', async () => {
    const key = artifactKeys.model(1, 2);
    await putModel(new FileArtifactStore(root), key, trained);
    const other = new FileArtifactStore(root);
    expect(await other.list(key)).toEqual(['rounds/1/2/model/metadata.json', 'rounds/1/2/model/model.json', 'rounds/1/2/model/weights.bin']);
    const loaded = await getModel(other, key);
    try {
      expect(loaded.ids).toEqual(['a', 'b']);
      const expected = predictBatch(trained.model, images, size);
      predictBatch(loaded.model, images, size).forEach((p, i) => expect(Array.from(p.probabilities)).toEqual(Array.from(expected[i]!.probabilities)));
    } finally {
      loaded.dispose();
    }
    // The file store's layout is a model directory, as data directories before the store held.
    const fromDirectory = await loadModel(path.join(root, 'rounds', '1', '2', 'model'));
    fromDirectory.dispose();
  });

  it('says which file of a model is missing', async () => {
    const store = new FileArtifactStore(root);
    const key = artifactKeys.model(1, 3);
    await putModel(store, key, trained);
    await store.delete(`${key}/weights.bin`);
    await expect(getModel(store, key)).rejects.toEqual(new ArtifactNotFoundError(`${key}/weights.bin`));
  });
});
