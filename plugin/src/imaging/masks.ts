/**
 * Segmentation masks as label maps ({@link LabelMap}: one class index per pixel, 0 = background).
 * Every reader checks values strictly: a pixel value that the mapping does not know is an error
 * naming the value, because silently mapping it to background would corrupt the training labels.
 */
import { InvalidInputError } from '../core/errors';
import { niftiSlices, NiftiVolume } from './nifti';
import { readPng } from './png';
import { Image2D, LabelMap } from './types';

/** Pixel value → class index, e.g. JSRT/SCR: `{ 0: 0, 150: 1, 200: 2, 250: 3 }`. */
export type LabelValueMapping = Readonly<Record<number, number>>;

/** The JSRT (SCR) label-map convention of ../shared/data/jsrt: right lung 1, left lung 2, heart 3. */
export const JSRT_LABEL_MAPPING: LabelValueMapping = { 0: 0, 150: 1, 200: 2, 250: 3 };

function greyChannel(image: Image2D, label: string): Float32Array {
  if (image.channels === 1) return image.data;
  const n = image.width * image.height;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = image.data[i * 3];
    if (image.data[i * 3 + 1] !== r || image.data[i * 3 + 2] !== r) {
      throw new InvalidInputError('unsupported-format', `${label}: colour mask (pixel ${i} is not grey); masks must be grey or grey-palette PNGs`);
    }
    out[i] = r;
  }
  return out;
}

function classCount(mapping: LabelValueMapping): number {
  const classes = Object.values(mapping);
  for (const c of classes) {
    if (!Number.isInteger(c) || c < 0 || c > 255) throw new InvalidInputError('invalid-option', `class index ${c} must be an integer in 0..255`);
  }
  return Math.max(0, ...classes) + 1;
}

/** Maps every value of `values` through `mapping`; unknown values are an error naming the value and a pixel. */
export function mapLabelValues(values: ArrayLike<number>, width: number, height: number, mapping: LabelValueMapping, label = 'mask'): LabelMap {
  const numClasses = classCount(mapping);
  const lookup = new Map<number, number>(Object.entries(mapping).map(([k, v]) => [Number(k), v]));
  const labels = new Uint8Array(width * height);
  for (let i = 0; i < labels.length; i++) {
    const cls = lookup.get(values[i]);
    if (cls === undefined) {
      throw new InvalidInputError(
        'unknown-label-value',
        `${label}: pixel value ${values[i]} at (row ${Math.floor(i / width)}, column ${i % width}) is not in the label mapping ` +
          `{${[...lookup.keys()].join(', ')}}`,
      );
    }
    labels[i] = cls;
  }
  return { width, height, labels, numClasses };
}

/** Reads a label-map PNG (e.g. JSRT masks with {@link JSRT_LABEL_MAPPING}). */
export function labelMapFromPng(bytes: Uint8Array, mapping: LabelValueMapping, path?: string): LabelMap {
  const label = path ?? 'mask PNG';
  const image = readPng(bytes, path === undefined ? {} : { path });
  return mapLabelValues(greyChannel(image, label), image.width, image.height, mapping, label);
}

/**
 * Reads a binary mask PNG: value > `threshold` → 1, else 0. The default 127 splits the
 * anti-aliased edges of the Montgomery masks at mid-grey.
 */
export function binaryMaskFromPng(bytes: Uint8Array, threshold = 127, path?: string): LabelMap {
  const label = path ?? 'mask PNG';
  const image = readPng(bytes, path === undefined ? {} : { path });
  const grey = greyChannel(image, label);
  // 16-bit PNGs: compare on the 8-bit scale so that one threshold works for both depths.
  const max = grey.reduce((m, v) => Math.max(m, v), 0);
  const scale = max > 255 ? 255 / 65535 : 1;
  const labels = new Uint8Array(grey.length);
  for (let i = 0; i < grey.length; i++) labels[i] = grey[i] * scale > threshold ? 1 : 0;
  return { width: image.width, height: image.height, labels, numClasses: 2 };
}

/** Options of {@link labelMapFromClassPngs}. */
export interface ClassPngOptions {
  threshold?: number;
  /** What to do where two class masks are both set: 'error' (default) or 'later-wins' (the later file's class). */
  overlap?: 'error' | 'later-wins';
  paths?: string[];
}

/**
 * Combines per-class binary PNGs (file i → class i + 1, thresholded like {@link binaryMaskFromPng})
 * into one label map. All files must have the same size.
 */
export function labelMapFromClassPngs(files: readonly Uint8Array[], options: ClassPngOptions = {}): LabelMap {
  if (files.length === 0) throw new InvalidInputError('empty-input', 'no class mask files given');
  if (files.length > 254) throw new InvalidInputError('invalid-option', `at most 254 classes, got ${files.length}`);
  let out: LabelMap | undefined;
  files.forEach((bytes, k) => {
    const path = options.paths?.[k];
    const mask = binaryMaskFromPng(bytes, options.threshold ?? 127, path);
    if (!out) out = { width: mask.width, height: mask.height, labels: new Uint8Array(mask.labels.length), numClasses: files.length + 1 };
    if (mask.width !== out.width || mask.height !== out.height) {
      throw new InvalidInputError('invalid-option', `class mask ${k} (${path ?? 'file ' + k}) is ${mask.width}×${mask.height}, expected ${out.width}×${out.height}`);
    }
    for (let i = 0; i < mask.labels.length; i++) {
      if (!mask.labels[i]) continue;
      const previous = out.labels[i];
      if (previous !== 0 && options.overlap !== 'later-wins') {
        throw new InvalidInputError(
          'mask-overlap',
          `class masks ${previous - 1} and ${k} overlap at (row ${Math.floor(i / out.width)}, column ${i % out.width}); ` +
            `pass overlap: 'later-wins' to let the later class win`,
        );
      }
      out.labels[i] = k + 1;
    }
  });
  if (!out) throw new InvalidInputError('empty-input', 'no class mask files given');
  return out;
}

/**
 * Slices a NIfTI label volume (e.g. IBSR `_seg`) into label maps along `axis` (same convention
 * as {@link niftiSlices}). Without a mapping, values must already be integers 0..255 and
 * `numClasses` is the volume's max + 1.
 */
export function labelMapsFromNifti(volume: NiftiVolume, axis: 0 | 1 | 2, mapping?: LabelValueMapping): LabelMap[] {
  let identity = mapping;
  if (!identity) {
    let max = 0;
    for (const v of volume.data) {
      if (!Number.isInteger(v) || v < 0 || v > 255) {
        throw new InvalidInputError('unknown-label-value', `${volume.path ?? 'NIfTI label volume'}: value ${v} is not an integer label in 0..255`);
      }
      if (v > max) max = v;
    }
    identity = Object.fromEntries(Array.from({ length: max + 1 }, (_, i) => [i, i]));
  }
  const m = identity;
  return niftiSlices(volume, axis).map((s) => mapLabelValues(s.data, s.width, s.height, m, `${volume.path ?? 'NIfTI'} slice ${s.source.slice}`));
}
