/**
 * Tests on the real data in ../shared (absent on a user's clone: then skipped, with the reason
 * in the describe title). The largest decode (RG1, 1955×1841 lossy J2K, ~3 s) runs once.
 */
import * as fs from 'fs';
import * as path from 'path';
import { readDicomFile } from './dicom';
import { binaryMaskFromPng, JSRT_LABEL_MAPPING, labelMapFromPng, labelMapsFromNifti } from './masks';
import { niftiSlices, readNiftiFile } from './nifti';
import { readPngFile } from './png';
import { splitLungsByComponents } from './splitLungsByComponents';

const shared = path.join(__dirname, '../../../../shared');
const data = path.join(shared, 'data');
const present = fs.existsSync(data);
const maybe = present ? describe : describe.skip;
const why = present ? '' : ' (SKIPPED: ../shared/data not present on this clone)';
const samples = path.join(data, 'dicom-samples');

maybe(`real DICOM samples${why}`, () => {
  it('decodes emri_small RLE and JPEG-LS to exactly the uncompressed pixels (10 frames 64×64)', async () => {
    const dir = path.join(samples, 'pydicom-data');
    const raw = await readDicomFile(path.join(dir, 'emri_small.dcm'));
    expect(raw).toHaveLength(10);
    expect([raw[0].width, raw[0].height]).toEqual([64, 64]);
    for (const variant of ['emri_small_RLE.dcm', 'emri_small_jpeg_ls_lossless.dcm']) {
      const other = await readDicomFile(path.join(dir, variant));
      expect(other).toHaveLength(10);
      other.forEach((img, i) => expect(Buffer.from(img.data.buffer).equals(Buffer.from(raw[i].data.buffer))).toBe(true));
    }
  });

  it('decodes MR2 (JPEG 2000 lossless, 1024² 12-bit) with its spacing and RG1 (lossy J2K CR chest)', async () => {
    const [mr] = await readDicomFile(path.join(samples, 'pydicom-data', 'MR2_J2KR.dcm'));
    expect([mr.width, mr.height, mr.channels]).toEqual([1024, 1024, 1]);
    expect(mr.spacing).toEqual({ row: 0.195313, column: 0.195313, unit: 'mm' });
    const [cr] = await readDicomFile(path.join(samples, 'pydicom-data', 'RG1_J2KI.dcm'));
    expect([cr.width, cr.height]).toEqual([1841, 1955]);
    let min = Infinity;
    let max = -Infinity;
    for (const v of cr.data) {
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    // 15-bit stored, MONOCHROME1 inverted into the same 0..32767 range; a real image spans much of it.
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThanOrEqual(32767);
    expect(max - min).toBeGreaterThan(10000);
    expect(cr.photometric).toBe('MONOCHROME2');
    expect(cr.spacing).toBeNull(); // the file's Pixel Spacing is 0\0, i.e. unknown
  }, 30000);

  it('reads CT_small (HU via rescale) and MR_small with spacing', async () => {
    const dir = path.join(samples, 'debian-python3-pydicom');
    const [ct] = await readDicomFile(path.join(dir, 'CT_small.dcm'));
    expect([ct.width, ct.height]).toEqual([128, 128]);
    expect(ct.spacing).toEqual({ row: 0.661468, column: 0.661468, unit: 'mm' });
    expect(Math.min(...ct.data)).toBeLessThan(-500); // air in HU after intercept −1024
    const [mr] = await readDicomFile(path.join(dir, 'MR_small.dcm'));
    expect([mr.width, mr.height]).toEqual([64, 64]);
    expect(mr.spacing).toEqual({ row: 0.3125, column: 0.3125, unit: 'mm' });
  });
});

maybe(`real masks and volumes${why}`, () => {
  it('maps a JSRT label map to classes 0..3', () => {
    const file = path.join(data, 'jsrt', 'masks', 'JPCLN001.png');
    const m = labelMapFromPng(fs.readFileSync(file), JSRT_LABEL_MAPPING, file);
    expect([m.width, m.height, m.numClasses]).toEqual([224, 224, 4]);
    expect(new Set(m.labels)).toEqual(new Set([0, 1, 2, 3]));
    expect(() => labelMapFromPng(fs.readFileSync(file), { 0: 0, 150: 1, 200: 2 }, file)).toThrow(/value 250/);
  });

  it('thresholds a Montgomery mask and splits it into right (image left) and left lung', () => {
    const file = path.join(data, 'montgomery', 'masks', 'MCUCXR_0001_0.png');
    const binary = binaryMaskFromPng(fs.readFileSync(file));
    const split = splitLungsByComponents(binary.labels, binary.width, binary.height);
    const meanColumn = (cls: number): number => {
      let s = 0;
      let n = 0;
      split.labels.forEach((v, i) => {
        if (v === cls) {
          s += i % split.width;
          n++;
        }
      });
      return s / n;
    };
    expect(meanColumn(1)).toBeLessThan(256);
    expect(meanColumn(2)).toBeGreaterThan(256);
    const foreground = binary.labels.reduce((a, v) => a + v, 0);
    const kept = split.labels.reduce((a, v) => a + (v > 0 ? 1 : 0), 0);
    expect(kept).toBe(foreground); // exactly two components in every Montgomery mask
    const image = readPngFile(path.join(data, 'montgomery', 'cxr', 'MCUCXR_0001_0.png'));
    expect([image.width, image.height, image.channels]).toEqual([512, 512, 1]);
  });

  it('slices an IBSR volume along axis 1, the 1.5 mm axis, and its labels', () => {
    const vol = readNiftiFile(path.join(data, 'ibsr18', 'IBSR_01', 'IBSR_01.nii.gz'));
    expect(vol.dims).toEqual([256, 128, 256]);
    expect(vol.spacing[1]).toBeCloseTo(1.5, 5);
    const slices = niftiSlices(vol, 1, { indices: [64] });
    expect([slices[0].width, slices[0].height]).toEqual([256, 256]);
    expect(slices[0].spacing?.row).toBeCloseTo(vol.spacing[2], 6);
    expect(slices[0].spacing?.column).toBeCloseTo(vol.spacing[0], 6);
    expect(slices[0].spacing?.row).toBeLessThan(1.5);
    const seg = readNiftiFile(path.join(data, 'ibsr18', 'IBSR_01', 'IBSR_01_seg.nii.gz'));
    const maps = labelMapsFromNifti(seg, 1);
    expect(maps).toHaveLength(128);
    expect(new Set(maps[64].labels)).toEqual(new Set([0, 1, 2, 3]));
  });
});
