import { InvalidInputError } from '../core/errors';
import type { ProgressCallback } from '../core/progress';
import { reportProgress } from '../core/progress';
import { promises as fs } from 'node:fs';
import { labelMapFromClassPngs } from '../imaging/masks';
import { preprocessImage, resizeNearest } from '../imaging/preprocess';
import type { LabelMap, PixelSpacing } from '../imaging/types';
import { listImageFiles, readImageFile, readMaskFile, type ImageFile } from './imageFiles';

/** One image prepared for the segmentation model (and its mask when there is one). */
export interface SegmentationSample {
  readonly id: string;
  /** size × size, grey, z-scored (eq. 11). */
  readonly image: Float32Array;
  /** size × size label map, when masks were given. */
  readonly mask?: Uint8Array;
  /** Millimetres per pixel of the size × size grid, when the source says. */
  readonly spacing: PixelSpacing | null;
  readonly originalWidth: number;
  readonly originalHeight: number;
}

/** Options of {@link loadSegmentationSamples}. */
export interface LoadSamplesOptions {
  /** Image files and/or folders. */
  readonly images: readonly string[];
  /** Folder of mask PNGs named like the images (same relative path, any of .png). */
  readonly masks?: string;
  /**
   * Instead of `masks`: one folder of binary PNGs per foreground class (folder i → class i + 1),
   * each named like the images; a pixel set in two classes' masks is an error.
   */
  readonly classMasks?: readonly string[];
  /** Only these ids, in this order (default: every image found, sorted). */
  readonly ids?: readonly string[];
  /** Side S of the model's grid. */
  readonly size: number;
  /** Classes including background (needed with masks). */
  readonly classes?: number;
  /** Pixel value of each class in the mask files (e.g. 0,150,200,250). */
  readonly maskValues?: readonly number[];
  readonly niftiAxis?: 0 | 1 | 2;
  readonly onProgress?: ProgressCallback;
}

/**
 * Reads images (and masks) for training, prediction or evaluation: every image is made grey,
 * resized to S × S (bilinear) and z-scored; every mask is resized with nearest neighbour. With
 * `ids`, an id that has no image (or no mask) is an error naming it.
 */
export async function loadSegmentationSamples(options: LoadSamplesOptions): Promise<SegmentationSample[]> {
  const files = await listImageFiles(options.images);
  if (options.masks !== undefined && options.classMasks !== undefined) throw new InvalidInputError('invalid-option', 'give masks or per-class masks, not both');
  const maskFiles = options.masks === undefined ? null : indexById(await listImageFiles([options.masks]));
  if (maskFiles && options.classes === undefined) throw new InvalidInputError('invalid-option', 'masks need the number of classes');
  const classMaskFiles = options.classMasks === undefined ? null : await Promise.all(options.classMasks.map(async (dir) => indexById(await listImageFiles([dir]))));
  if (classMaskFiles && options.classes !== undefined && options.classes !== classMaskFiles.length + 1) {
    throw new InvalidInputError('invalid-option', `${classMaskFiles.length} per-class mask folders make ${classMaskFiles.length + 1} classes, not ${options.classes}`);
  }
  const wanted = options.ids ? new Set(options.ids) : null;
  const samples = new Map<string, SegmentationSample>();
  for (let f = 0; f < files.length; f++) {
    reportProgress(options.onProgress, 'read', f / files.length, files[f]!.id);
    const file = files[f]!;
    // A file's images have ids file.id or file.id#…; skip files none of whose ids are wanted.
    if (wanted && !wanted.has(file.id) && ![...wanted].some((id) => id.startsWith(`${file.id}#`))) continue;
    for (const { id, image } of await readImageFile(file, options.niftiAxis === undefined ? {} : { niftiAxis: options.niftiAxis })) {
      if (wanted && !wanted.has(id)) continue;
      const prepared = preprocessImage(image, options.size);
      let mask: Uint8Array | undefined;
      const labelMap = maskFiles
        ? await readMaskFile(maskFileFor(maskFiles, id, options.masks!).path, { classes: options.classes!, ...(options.maskValues && { values: options.maskValues }) })
        : classMaskFiles
          ? await readClassMasks(classMaskFiles, id, options.classMasks!)
          : null;
      if (labelMap) {
        if (labelMap.width !== image.width || labelMap.height !== image.height) {
          throw new InvalidInputError('ragged-rows', `mask of "${id}" is ${labelMap.width}×${labelMap.height}, its image ${image.width}×${image.height}`);
        }
        mask = resizeNearest(labelMap.labels, labelMap.width, labelMap.height, { width: options.size, height: options.size });
      }
      samples.set(id, {
        id,
        image: prepared.data,
        ...(mask && { mask }),
        spacing: prepared.spacing,
        originalWidth: prepared.originalWidth,
        originalHeight: prepared.originalHeight,
      });
    }
  }
  reportProgress(options.onProgress, 'read', 1);
  if (!options.ids) return [...samples.values()];
  const missing = options.ids.filter((id) => !samples.has(id));
  if (missing.length > 0) {
    throw new InvalidInputError('unknown-id', `no image for ${missing.length} id(s): ${missing.slice(0, 5).map((m) => `"${m}"`).join(', ')}${missing.length > 5 ? ', …' : ''}`);
  }
  return options.ids.map((id) => samples.get(id)!);
}

function maskFileFor(files: ReadonlyMap<string, ImageFile>, id: string, where: string): ImageFile {
  const file = files.get(id);
  if (!file) throw new InvalidInputError('unknown-id', `no mask for image "${id}" in ${where}`);
  return file;
}

async function readClassMasks(folders: ReadonlyArray<ReadonlyMap<string, ImageFile>>, id: string, dirs: readonly string[]): Promise<LabelMap> {
  const files = folders.map((folder, c) => maskFileFor(folder, id, dirs[c]!));
  const bytes = await Promise.all(files.map(async (f) => new Uint8Array(await fs.readFile(f.path))));
  return labelMapFromClassPngs(bytes, { paths: files.map((f) => f.path) });
}

function indexById(files: readonly ImageFile[]): Map<string, ImageFile> {
  return new Map(files.map((f) => [f.id, f]));
}
