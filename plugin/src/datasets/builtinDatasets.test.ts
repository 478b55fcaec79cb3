import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { evenlySpaced, experimentDataset, IBSR_SLICES_PER_SUBJECT } from './builtinDatasets';

const sharedData = path.join(__dirname, '..', '..', '..', '..', 'shared', 'data');
const withShared = existsSync(sharedData) ? describe : describe.skip;
if (!existsSync(sharedData)) {
  console.log(`builtinDatasets.test: ${sharedData} is absent — the real data sets are not tested here`);
}

function grey(width: number, height: number, value: (i: number) => number): Buffer {
  const png = new PNG({ width, height, colorType: 0, inputColorType: 0, inputHasAlpha: false });
  png.data = Buffer.from(Array.from({ length: width * height }, (_, i) => value(i)));
  return PNG.sync.write(png, { colorType: 0, inputColorType: 0, inputHasAlpha: false });
}

describe('experiment data sets', () => {
  it('spaces picks evenly', () => {
    expect(evenlySpaced([1, 2, 3], 5)).toEqual([1, 2, 3]);
    expect(evenlySpaced([0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 5)).toEqual([1, 3, 5, 7, 9]);
    expect(evenlySpaced(Array.from({ length: 100 }, (_, i) => i), 4)).toEqual([12, 37, 62, 87]);
  });

  it('rejects an unknown data set and a missing folder', async () => {
    expect(() => experimentDataset('mnist', sharedData)).toThrow(/unknown data set "mnist"; valid: montgomery, jsrt, ibsr18, folder:PATH/);
    await expect(experimentDataset('montgomery', '/nowhere').load({ size: 32 })).rejects.toThrow(/\/nowhere\/montgomery is absent/);
  });

  it('reads a user folder with classes.txt', async () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'scanselect-folder-'));
    try {
      mkdirSync(path.join(root, 'images'));
      mkdirSync(path.join(root, 'masks'));
      writeFileSync(path.join(root, 'classes.txt'), 'background\ntumour\nedema\n');
      for (const id of ['a', 'b']) {
        writeFileSync(path.join(root, 'images', `${id}.png`), grey(8, 8, (i) => i * 3));
        writeFileSync(path.join(root, 'masks', `${id}.png`), grey(8, 8, (i) => (i < 16 ? 1 : i < 32 ? 2 : 0)));
      }
      const ds = experimentDataset(`folder:${root}`, sharedData);
      expect(ds.classNames).toEqual(['background', 'tumour', 'edema']);
      const images = await ds.load({ size: 4, encoderSize: 16 });
      expect(images.map((x) => x.id)).toEqual(['a', 'b']);
      expect(Array.from(images[0]!.mask)).toEqual([1, 1, 1, 1, 2, 2, 2, 2, 0, 0, 0, 0, 0, 0, 0, 0]);
      expect(images[0]!.encoderInput.data).toHaveLength(256);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

withShared('experiment data sets on ../shared/data', () => {
  it('montgomery: 138 images, three classes with both lungs', async () => {
    const ds = experimentDataset('montgomery', sharedData);
    const images = await ds.load({ size: 32, encoderSize: 32 });
    expect(images).toHaveLength(138);
    expect(ds.classNames).toHaveLength(3);
    const classes = new Set(images[0]!.mask);
    expect([...classes].sort()).toEqual([0, 1, 2]);
  }, 120_000);

  it('jsrt: 247 images, four classes', async () => {
    const images = await experimentDataset('jsrt', sharedData).load({ size: 32, encoderSize: 32 });
    expect(images).toHaveLength(247);
    expect([...new Set(images[0]!.mask)].sort()).toEqual([0, 1, 2, 3]);
  }, 120_000);

  it('ibsr18: 13 brain slices per subject with mm spacing', async () => {
    const images = await experimentDataset('ibsr18', sharedData).load({ size: 32, encoderSize: 32 });
    expect(images).toHaveLength(10 * IBSR_SLICES_PER_SUBJECT);
    expect(images[0]!.id).toMatch(/^IBSR_01#z\d+$/);
    expect(images[0]!.spacing).not.toBeNull();
    for (const x of images.slice(0, 13)) expect(x.mask.some((v) => v > 0)).toBe(true);
  }, 120_000);
});
