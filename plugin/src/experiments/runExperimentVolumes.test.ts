/**
 * runExperiment with a per-volume cap (and a volume penalty), on a tiny data set of "volumes" the test makes: 4 volumes of
 * 8 slices each. Slices of one volume sit close together in the embedding space, so the uncapped
 * cold start tends to take several from one volume and the capped one may not.
 */
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { ExperimentDataset, LabelledImage } from '../datasets/builtinDatasets';
import type { Encoder } from '../encoders/types';
import { CheckpointStore } from './checkpointStore';
import { paperSettings, settingKey } from './protocol';
import { runExperiment, type StoredResult } from './runExperiment';

const SIZE = 16;

function slice(volume: number, z: number, withVolume: boolean): LabelledImage {
  const image = new Float32Array(SIZE * SIZE);
  const mask = new Uint8Array(SIZE * SIZE);
  const r = 3 + ((volume + z) % 4);
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const inside = (x - 8) ** 2 + (y - 8) ** 2 < r * r;
      image[y * SIZE + x] = inside ? 1 : -1;
      mask[y * SIZE + x] = inside ? 1 : 0;
    }
  }
  // Embedding input: the volume's level plus a small slice-dependent ramp.
  const data = Float32Array.from({ length: 4 }, (_, i) => 10 * volume + 0.1 * z + i);
  return { id: `v${volume}#z${z}`, image, mask, spacing: null, encoderInput: { width: 2, height: 2, data }, ...(withVolume && { volume: `v${volume}` }) };
}

const dataset = (withVolume: boolean): ExperimentDataset => ({
  id: 'volumes', description: 'test volumes', classNames: ['background', 'disk'], dice: 'per-class',
  load: async () => Array.from({ length: 32 }, (_, i) => slice(Math.floor(i / 8), i % 8, withVolume)),
});

const encoder: Encoder = {
  id: 'identity', description: 'the 4 input values', version: '1', dimensions: () => 4,
  embed: async (images) => Float32Array.from(images.flatMap((image) => Array.from(image.data))),
  dispose: () => undefined,
};

let dir: string;
beforeAll(async () => {
  await tf.setBackend('cpu');
});
beforeEach(() => (dir = mkdtempSync(path.join(os.tmpdir(), 'scanselect-volumes-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('runExperiment with a per-volume cap', () => {
  const settings = paperSettings({ budgets: [4], activeLearning: [[4, 4]], maxPerVolume: 2 });
  const common = { datasetKey: 'volumes', runs: 1, settings, size: SIZE, epochs: 1, dropout: 0, encoder, depth: 2, baseChannels: 2 };

  it('adds the capped settings and keeps every capped selection to at most 2 slices per volume', async () => {
    expect(settings.map(settingKey).filter((k) => k.includes('perVolume'))).toEqual([
      'cold-start:coldstart:B=4:perVolume=2', 'active-learning:alpha=0.3:B=8(4+4):perVolume=2',
    ]);
    const store = new CheckpointStore<StoredResult>(dir);
    const outcome = await runExperiment({ ...common, dataset: dataset(true), store });
    expect(outcome.results).toHaveLength(settings.length);
    const stored = async (setting: string) => (await store.get({ dataset: 'volumes', run: 1, setting }))!;
    const perVolume = (ids: readonly string[]): number => Math.max(...['v0', 'v1', 'v2', 'v3'].map((v) => ids.filter((id) => id.startsWith(`${v}#`)).length));
    const cold = await stored('cold-start:coldstart:B=4:perVolume=2');
    expect(cold.selected).toHaveLength(4);
    expect(perVolume(cold.selected)).toBeLessThanOrEqual(2);
    const round = await stored('active-learning:alpha=0.3:B=8(4+4):perVolume=2');
    expect(round.coldStart).toEqual(cold.selected); // the capped cold start is the capped round's B₀
    expect(perVolume(round.acquired!)).toBeLessThanOrEqual(2);
    expect(new Set(round.selected).size).toBe(8);
  }, 300_000); // ten trainings of a tiny U-Net on tfjs's cpu backend: slow on a loaded machine

  it('runs the volume-penalty settings: the penalised cold start is the penalised round\'s B₀', async () => {
    const penalised = paperSettings({ budgets: [4], activeLearning: [[4, 4]], alphas: [0.3], volumePenalty: 1 });
    const store = new CheckpointStore<StoredResult>(dir);
    const outcome = await runExperiment({ ...common, settings: penalised, dataset: dataset(true), store });
    expect(outcome.results).toHaveLength(penalised.length);
    const stored = async (setting: string) => (await store.get({ dataset: 'volumes', run: 1, setting }))!;
    const cold = await stored('cold-start:coldstart:B=4:volumePenalty=1');
    const round = await stored('active-learning:alpha=0.3:B=8(4+4):volumePenalty=1');
    expect(cold.selected).toHaveLength(4);
    expect(round.coldStart).toEqual(cold.selected);
    expect(new Set(round.selected).size).toBe(8);
  }, 300_000);

  it('refuses a cap on data whose images are not slices of known volumes', async () => {
    const store = new CheckpointStore<StoredResult>(dir);
    await expect(runExperiment({ ...common, dataset: dataset(false), store })).rejects.toThrow(/per-volume cap or penalty needs data of volumes; "v0#z0" of volumes/);
  });
});
