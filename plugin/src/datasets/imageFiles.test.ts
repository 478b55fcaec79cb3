import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PNG } from 'pngjs';
import { listImageFiles, readImageFile, readMaskFile } from './imageFiles';

function png(width: number, height: number, value: (i: number) => number, rgb = false): Buffer {
  const p = new PNG({ width, height, colorType: rgb ? 2 : 0, inputColorType: rgb ? 2 : 0, inputHasAlpha: false });
  const data = Buffer.alloc(width * height * (rgb ? 3 : 1));
  for (let i = 0; i < width * height; i++) {
    if (rgb) data.fill(value(i), 3 * i, 3 * i + 3);
    else data[i] = value(i);
  }
  p.data = data;
  return PNG.sync.write(p, { colorType: rgb ? 2 : 0, inputColorType: rgb ? 2 : 0, inputHasAlpha: false });
}

describe('image folders', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'scanselect-files-'));
    await fs.mkdir(path.join(dir, 'sub'));
    await fs.writeFile(path.join(dir, 'b.png'), png(4, 3, (i) => i * 10));
    await fs.writeFile(path.join(dir, 'sub', 'a.PNG'), png(2, 2, () => 7, true));
    await fs.writeFile(path.join(dir, 'notes.txt'), 'not an image');
    await fs.writeFile(path.join(dir, '.hidden.png'), png(1, 1, () => 0));
    await fs.writeFile(path.join(dir, 'noext'), Buffer.concat([Buffer.alloc(128), Buffer.from('DICM')]));
    await fs.writeFile(path.join(dir, 'mask01.png'), png(3, 1, (i) => [0, 1, 2][i]!));
    await fs.writeFile(path.join(dir, 'mask255.png'), png(3, 1, (i) => [0, 128, 255][i]!));
    await fs.writeFile(path.join(dir, 'jsrt.png'), png(4, 1, (i) => [0, 150, 200, 250][i]!));
  });
  afterAll(() => fs.rm(dir, { recursive: true, force: true }));

  it('finds images recursively, sorted by id, recognising DICOM without an extension', async () => {
    const files = await listImageFiles([dir]);
    expect(files.map((f) => [f.id, f.format])).toEqual([
      ['b', 'png'], ['jsrt', 'png'], ['mask01', 'png'], ['mask255', 'png'], ['noext', 'dicom'], ['sub/a', 'png'],
    ]);
  });

  it('reads grey images with ids, converting RGB', async () => {
    const files = await listImageFiles([path.join(dir, 'sub', 'a.PNG'), path.join(dir, 'b.png')]);
    const [a] = await readImageFile(files.find((f) => f.id === 'a')!);
    expect(a!.id).toBe('a');
    expect(a!.image.channels).toBe(1);
    expect(Array.from(a!.image.data)).toEqual([7, 7, 7, 7]);
  });

  it('rejects missing inputs, non-images and duplicate ids', async () => {
    await expect(listImageFiles([path.join(dir, 'nope')])).rejects.toThrow(/cannot read/);
    await expect(listImageFiles([path.join(dir, 'notes.txt')])).rejects.toThrow(/not a DICOM, PNG, JPEG or NIfTI/);
    await expect(listImageFiles([path.join(dir, 'b.png'), path.join(dir, 'b.png')])).rejects.toThrow(/two files have the id "b"/);
    await expect(listImageFiles([])).rejects.toThrow(/no image files/);
  });

  it('reads masks as class ids, thresholded binaries, or with a value per class', async () => {
    expect(Array.from((await readMaskFile(path.join(dir, 'mask01.png'), { classes: 3 })).labels)).toEqual([0, 1, 2]);
    expect(Array.from((await readMaskFile(path.join(dir, 'mask255.png'), { classes: 2 })).labels)).toEqual([0, 1, 1]);
    expect(Array.from((await readMaskFile(path.join(dir, 'jsrt.png'), { classes: 4, values: [0, 150, 200, 250] })).labels)).toEqual([0, 1, 2, 3]);
    await expect(readMaskFile(path.join(dir, 'jsrt.png'), { classes: 4 })).rejects.toThrow(/--mask-values/);
    await expect(readMaskFile(path.join(dir, 'jsrt.png'), { classes: 3, values: [0, 150, 200] })).rejects.toThrow(/pixel value 250/);
    await expect(readMaskFile(path.join(dir, 'mask01.png'), { classes: 1 })).rejects.toThrow(/classes must be/);
  });
});
