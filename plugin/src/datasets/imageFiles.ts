import { promises as fs } from 'node:fs';
import path from 'node:path';
import { InvalidInputError } from '../core/errors';
import { readDicom } from '../imaging/dicom';
import { readJpeg } from '../imaging/jpeg';
import { mapLabelValues, type LabelValueMapping } from '../imaging/masks';
import { niftiSlices, readNifti } from '../imaging/nifti';
import { readPng } from '../imaging/png';
import { toGrayscale } from '../imaging/toGrayscale';
import type { Image2D, LabelMap } from '../imaging/types';

/** Image formats recognised by file name (DICOM also by its `DICM` preamble). */
export type ImageFileFormat = 'dicom' | 'png' | 'jpeg' | 'nifti';

/** One image file found under the inputs. */
export interface ImageFile {
  /** Path relative to the folder it was found in, without its extension (`sub/case-01`). */
  readonly id: string;
  readonly path: string;
  readonly format: ImageFileFormat;
}

/** One 2-D image read from a file, with its id (frames and slices get a suffix). */
export interface IdentifiedImage {
  /** `case-01`, `case-01#f2` (frame 2 of a multi-frame DICOM), `vol#z40` (slice 40 of a volume). */
  readonly id: string;
  /** Grey image (RGB converted with BT.601 luma). */
  readonly image: Image2D;
}

/** Options of {@link readImageFile}. */
export interface ReadImageOptions {
  /** NIfTI volumes: the axis to slice along (default 2). */
  readonly niftiAxis?: 0 | 1 | 2;
}

const EXTENSIONS: ReadonlyArray<readonly [string, ImageFileFormat]> = [
  ['.nii.gz', 'nifti'], ['.nii', 'nifti'], ['.dcm', 'dicom'], ['.dicom', 'dicom'], ['.png', 'png'], ['.jpg', 'jpeg'], ['.jpeg', 'jpeg'],
];

/**
 * The image files named by `inputs` (files, or folders searched recursively), sorted by id.
 * Files without a known extension are taken as DICOM when they carry the `DICM` preamble and
 * skipped otherwise. Two files with the same id (e.g. `a.png` and `a.dcm`) are an error.
 */
export async function listImageFiles(inputs: readonly string[]): Promise<ImageFile[]> {
  if (inputs.length === 0) throw new InvalidInputError('empty-input', 'no image files or folders given');
  const found: ImageFile[] = [];
  for (const input of inputs) {
    let stat;
    try {
      stat = await fs.stat(input);
    } catch {
      throw new InvalidInputError('empty-input', `cannot read "${input}" (no such file or folder)`);
    }
    if (stat.isDirectory()) await walk(input, input, found);
    else {
      const file = await classify(input, path.dirname(input));
      if (!file) throw new InvalidInputError('unsupported-format', `"${input}" is not a DICOM, PNG, JPEG or NIfTI file`);
      found.push(file);
    }
  }
  found.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (let i = 1; i < found.length; i++) {
    if (found[i]!.id === found[i - 1]!.id) {
      throw new InvalidInputError('duplicate-id', `two files have the id "${found[i]!.id}": ${found[i - 1]!.path} and ${found[i]!.path}`);
    }
  }
  return found;
}

async function walk(root: string, dir: string, out: ImageFile[]): Promise<void> {
  const entries = await fs.readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) await walk(root, full, out);
    else if (entry.isFile()) {
      const file = await classify(full, root);
      if (file) out.push(file);
    }
  }
}

async function classify(file: string, root: string): Promise<ImageFile | null> {
  const lower = file.toLowerCase();
  const rel = path.relative(root, file).split(path.sep).join('/');
  for (const [ext, format] of EXTENSIONS) {
    if (lower.endsWith(ext)) return { id: rel.slice(0, rel.length - ext.length), path: file, format };
  }
  if (path.extname(file) === '' && (await hasDicomPreamble(file))) return { id: rel, path: file, format: 'dicom' };
  return null;
}

async function hasDicomPreamble(file: string): Promise<boolean> {
  const handle = await fs.open(file, 'r');
  try {
    const buf = Buffer.alloc(4);
    const { bytesRead } = await handle.read(buf, 0, 4, 128);
    return bytesRead === 4 && buf.toString('latin1') === 'DICM';
  } finally {
    await handle.close();
  }
}

/** Reads every 2-D image of a file as grey images with ids. */
export async function readImageFile(file: ImageFile, options: ReadImageOptions = {}): Promise<IdentifiedImage[]> {
  const bytes = new Uint8Array(await fs.readFile(file.path));
  let images: Image2D[];
  switch (file.format) {
    case 'dicom':
      images = await readDicom(bytes, { path: file.path });
      break;
    case 'png':
      images = [readPng(bytes, { path: file.path })];
      break;
    case 'jpeg':
      images = [readJpeg(bytes, { path: file.path })];
      break;
    case 'nifti':
      images = niftiSlices(readNifti(bytes, { path: file.path }), options.niftiAxis ?? 2);
      break;
  }
  const suffix = (image: Image2D, index: number): string => {
    if (images.length === 1) return '';
    if (image.source.slice !== undefined) return `#z${image.source.slice}`;
    return `#f${(image.source.frame ?? index) + 1}`;
  };
  return images.map((image, index) => ({ id: file.id + suffix(image, index), image: image.channels === 3 ? toGrayscale(image) : image }));
}

/** Options of {@link readMaskFile}. */
export interface ReadMaskOptions {
  /** Number of classes including background. */
  readonly classes: number;
  /** Pixel value of each class, in class order (e.g. `[0, 150, 200, 250]` for JSRT). */
  readonly values?: readonly number[];
}

/**
 * Reads a mask PNG as a label map. With `values`, pixel value values[c] is class c. Without:
 * values below `classes` are class ids as they are; a two-class mask whose values are not
 * 0/1 (a 0/255 or anti-aliased binary mask) is thresholded at 127.
 */
export async function readMaskFile(file: string, options: ReadMaskOptions): Promise<LabelMap> {
  const { classes } = options;
  if (!Number.isInteger(classes) || classes < 2 || classes > 256) throw new InvalidInputError('invalid-option', `classes must be an integer in [2, 256], got ${classes}`);
  const image = readPng(new Uint8Array(await fs.readFile(file)), { path: file });
  const grey = image.channels === 3 ? toGrayscale(image) : image;
  const values = grey.data;
  if (options.values) {
    if (options.values.length !== classes) throw new InvalidInputError('invalid-option', `${options.values.length} mask values given for ${classes} classes`);
    const mapping: Record<number, number> = {};
    options.values.forEach((v, c) => (mapping[v] = c));
    return mapLabelValues(values, grey.width, grey.height, mapping as LabelValueMapping, file);
  }
  let max = 0;
  for (let i = 0; i < values.length; i++) if (values[i]! > max) max = values[i]!;
  const labels = new Uint8Array(values.length);
  if (max < classes) {
    for (let i = 0; i < values.length; i++) labels[i] = values[i]!;
  } else if (classes === 2) {
    for (let i = 0; i < values.length; i++) labels[i] = values[i]! > 127 ? 1 : 0;
  } else {
    throw new InvalidInputError('unknown-label-value', `${file}: pixel value ${max} is not a class id below ${classes}; give the value of each class (e.g. --mask-values 0,150,200,250)`);
  }
  return { width: grey.width, height: grey.height, labels, numClasses: classes };
}
