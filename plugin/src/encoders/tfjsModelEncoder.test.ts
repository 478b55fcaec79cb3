import { existsSync, promises as fs, readFileSync } from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tfl from '@tensorflow/tfjs-layers';
import { PNG } from 'pngjs';
import { InvalidInputError } from '../core/errors';
import { initCompute } from '../compute/backend';
import { createTfjsModelEncoder } from './tfjsModelEncoder';
import { fileSystemSaveHandler } from './tfjsModelIo';
import { phantom, rings, rowDistance } from './testImages';
import { GrayImage } from './types';

/** Saves a tiny seeded CNN classifier: conv → conv → GAP → dense(5, softmax). */
async function saveTinyModel(dir: string): Promise<void> {
  const init = (seed: number): ReturnType<typeof tfl.initializers.glorotUniform> => tfl.initializers.glorotUniform({ seed });
  const model = tfl.sequential({
    layers: [
      tfl.layers.conv2d({ inputShape: [32, 32, 3], filters: 4, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(1), name: 'conv_a' }),
      tfl.layers.conv2d({ filters: 6, kernelSize: 3, strides: 2, padding: 'same', activation: 'relu', kernelInitializer: init(2), name: 'conv_b' }),
      tfl.layers.globalAveragePooling2d({ name: 'gap' }),
      tfl.layers.dense({ units: 5, activation: 'softmax', kernelInitializer: init(3), name: 'classifier' }),
    ],
  });
  await model.save(fileSystemSaveHandler(dir));
  model.dispose();
}

describe('tfjs-model encoder with a tiny layers model saved in the test', () => {
  let dir: string;
  beforeAll(async () => {
    await initCompute({ backend: 'cpu' });
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'scanselect-tfjs-'));
    await saveTinyModel(dir);
  });
  afterAll(async () => { await fs.rm(dir, { recursive: true, force: true }); });

  it('loads from a directory, picks the last 4-D layer, pools to its channels', async () => {
    const enc = await createTfjsModelEncoder({ model: dir, backend: 'cpu' });
    expect(enc.featureLayer).toBe('conv_b');
    expect(enc.inputSize).toEqual([32, 32]);
    expect(enc.dimensions()).toBe(6);
    const e = await enc.embed([phantom(50), rings(40), { width: 70, height: 20, data: new Float32Array(1400).fill(3) }]);
    expect(e.length).toBe(18);
    expect(e.every(Number.isFinite)).toBe(true);
    enc.dispose();
  });

  it('is deterministic and batch-independent; version tracks weights and options', async () => {
    const images = [phantom(40), phantom(40, 2, 1), rings(40)];
    const a = await createTfjsModelEncoder({ model: path.join(dir, 'model.json'), batchSize: 1, backend: 'cpu' });
    const b = await createTfjsModelEncoder({ model: dir, batchSize: 3, backend: 'cpu' });
    const ea = await a.embed(images);
    const eb = await b.embed(images);
    for (let i = 0; i < ea.length; i++) expect(eb[i]).toBeCloseTo(ea[i], 5);
    expect(Array.from(await a.embed(images))).toEqual(Array.from(ea));
    expect(a.version).toBe(b.version);
    const c = await createTfjsModelEncoder({ model: dir, featureLayer: 'conv_a', normalization: 'zero-one', backend: 'cpu' });
    const caffe = await createTfjsModelEncoder({ model: dir, normalization: 'caffe', backend: 'cpu' });
    expect((await caffe.embed(images)).every(Number.isFinite)).toBe(true);
    expect(caffe.version).not.toBe(a.version);
    caffe.dispose();
    expect(c.dimensions()).toBe(4);
    expect(c.version).not.toBe(a.version);
    for (const enc of [a, b, c]) enc.dispose();
  });

  it('reports progress per batch and rejects unknown layers', async () => {
    const enc = await createTfjsModelEncoder({ model: dir, batchSize: 2, backend: 'cpu' });
    const fractions: number[] = [];
    await enc.embed([phantom(20), phantom(21), phantom(22)], (p) => fractions.push(p.fraction));
    expect(fractions).toEqual([0, 2 / 3, 1]);
    enc.dispose();
    await expect(createTfjsModelEncoder({ model: dir, featureLayer: 'nope', backend: 'cpu' })).rejects.toThrow(/no layer "nope"/);
    await expect(createTfjsModelEncoder({ model: path.join(dir, 'missing') })).rejects.toThrow(InvalidInputError);
  });
});

const SHARED = path.resolve(__dirname, '../../../../shared');
const DARKNET = path.join(SHARED, 'models/darknet-tiny-imagenet/tfjs');
const CXR = path.join(SHARED, 'data/montgomery/cxr');
const haveShared = existsSync(path.join(DARKNET, 'model.json')) && existsSync(CXR);
if (!haveShared) {
  console.warn(`SKIPPED: real-model tfjs encoder tests need ${DARKNET} and ${CXR} (../shared is not part of user clones)`);
}
const describeShared = haveShared ? describe : describe.skip;

function readPng(file: string): GrayImage {
  const png = PNG.sync.read(readFileSync(file));
  const data = new Float32Array(png.width * png.height);
  for (let i = 0; i < data.length; i++) data[i] = png.data[4 * i];
  return { width: png.width, height: png.height, data };
}

function shift(image: GrayImage, dx: number, dy: number): GrayImage {
  const { width, height } = image;
  const data = new Float32Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) {
    const sx = Math.min(width - 1, Math.max(0, x - dx));
    const sy = Math.min(height - 1, Math.max(0, y - dy));
    data[y * width + x] = image.data[sy * width + sx];
  }
  return { width, height, data };
}

describeShared('tfjs-model encoder with the real Tiny Darknet ImageNet model (../shared)', () => {
  it('picks the 128-channel map before the 1000-way classifier conv; similar scans are closer', async () => {
    const enc = await createTfjsModelEncoder({ model: DARKNET });
    // conv2d_16 is the 1×1 conv to the 1000 ImageNet classes; the feature map is the block before it.
    expect(enc.featureLayer).toBe('leaky_re_lu_15');
    expect(enc.dimensions()).toBe(128);
    expect(enc.inputSize).toEqual([224, 224]);
    const a = readPng(path.join(CXR, 'MCUCXR_0001_0.png'));
    const b = readPng(path.join(CXR, 'MCUCXR_0002_0.png'));
    const images = [a, shift(a, 6, 4), b, rings(256)];
    const e = await enc.embed(images);
    expect(e.length).toBe(4 * 128);
    expect(e.every(Number.isFinite)).toBe(true);
    const d = (i: number, j: number): number => rowDistance(e, 128, i, j);
    expect(d(0, 1)).toBeLessThan(d(0, 2)); // a shifted copy is closer than another patient
    expect(d(0, 2)).toBeLessThan(d(0, 3)); // another chest X-ray is closer than a synthetic pattern
    expect(Array.from(await enc.embed(images))).toEqual(Array.from(e));
    enc.dispose();
  }, 120000);
});
