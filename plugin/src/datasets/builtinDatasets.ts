import { existsSync, promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { InvalidInputError } from '../core/errors';
import { reportProgress, type ProgressCallback } from '../core/progress';
import { binaryMaskFromPng, JSRT_LABEL_MAPPING, labelMapFromPng, labelMapsFromNifti } from '../imaging/masks';
import { niftiSlices, readNifti } from '../imaging/nifti';
import { readPng } from '../imaging/png';
import { preprocessImage, resizeBilinear, resizeNearest } from '../imaging/preprocess';
import { splitLungsByComponents } from '../imaging/splitLungsByComponents';
import { toGrayscale } from '../imaging/toGrayscale';
import type { Image2D, LabelMap, PixelSpacing } from '../imaging/types';
import { listImageFiles, readImageFile, readMaskFile } from './imageFiles';

/** One labelled image of an experiment data set, ready for the model and the encoders. */
export interface LabelledImage {
  readonly id: string;
  /** size × size, grey, z-scored (eq. 11). */
  readonly image: Float32Array;
  /** size × size label map. */
  readonly mask: Uint8Array;
  /** Millimetres per pixel of the size × size grid, or null (PNG sets). */
  readonly spacing: PixelSpacing | null;
  /** The grey image at the encoders' input size (not z-scored). */
  readonly encoderInput: { readonly width: number; readonly height: number; readonly data: Float32Array };
  /** The volume (subject) the image is a slice of, where it is one: slices of one volume are not independent. */
  readonly volume?: string;
}

/** How the paper scores a data set (section 4.3). */
export type DiceKind = 'per-class' | 'image-level';

/** A labelled data set of the reproduction harness. */
export interface ExperimentDataset {
  readonly id: string;
  readonly description: string;
  /** Class names, background first. */
  readonly classNames: readonly string[];
  readonly dice: DiceKind;
  load(options: { size: number; encoderSize?: number; onProgress?: ProgressCallback }): Promise<LabelledImage[]>;
}

/** Slices kept per IBSR subject: 10 subjects × 13 = 130 images, the size of the paper's SynthStrip set (131). */
export const IBSR_SLICES_PER_SUBJECT = 13;
/** A slice "contains brain" when at least this fraction of its pixels is labelled tissue. */
export const IBSR_MIN_BRAIN_FRACTION = 0.05;

/**
 * The data sets of issue 4, read from `sharedDataDir` (`../shared/data` of the repository), or a
 * user's folder: `montgomery`, `jsrt`, `ibsr18`, `folder:PATH` (PATH/images + PATH/masks, label-map
 * or binary PNG masks; the classes are read from PATH/classes.txt, one name per line, background
 * first, or default to background + foreground).
 */
export function experimentDataset(spec: string, sharedDataDir: string): ExperimentDataset {
  if (spec === 'montgomery') return montgomery(path.join(sharedDataDir, 'montgomery'));
  if (spec === 'jsrt') return jsrt(path.join(sharedDataDir, 'jsrt'));
  if (spec === 'ibsr18') return ibsr18(path.join(sharedDataDir, 'ibsr18'));
  if (spec.startsWith('folder:')) return folder(spec.slice('folder:'.length));
  throw new InvalidInputError('invalid-option', `unknown data set "${spec}"; valid: montgomery, jsrt, ibsr18, folder:PATH`);
}

function requireDir(dir: string, what: string): void {
  if (!existsSync(dir)) throw new InvalidInputError('empty-input', `${what}: ${dir} is absent (the shared data folder is needed; see ../shared/README.md)`);
}

async function pngPairs(dir: string, imageSub: string, maskSub: string): Promise<string[]> {
  requireDir(dir, path.basename(dir));
  const names = (await fs.readdir(path.join(dir, imageSub))).filter((f) => f.toLowerCase().endsWith('.png')).sort();
  if (names.length === 0) throw new InvalidInputError('empty-input', `no PNG images in ${path.join(dir, imageSub)}`);
  for (const name of names) {
    if (!existsSync(path.join(dir, maskSub, name))) throw new InvalidInputError('unknown-id', `no mask ${path.join(dir, maskSub, name)} for image ${name}`);
  }
  return names;
}

function labelled(id: string, image: Image2D, mask: LabelMap, size: number, encoderSize: number): LabelledImage {
  if (mask.width !== image.width || mask.height !== image.height) {
    throw new InvalidInputError('ragged-rows', `mask of "${id}" is ${mask.width}×${mask.height}, its image ${image.width}×${image.height}`);
  }
  const prepared = preprocessImage(image, size);
  const grey = resizeBilinear(toGrayscale(image), { width: encoderSize, height: encoderSize });
  return {
    id,
    image: prepared.data,
    mask: resizeNearest(mask.labels, mask.width, mask.height, { width: size, height: size }),
    spacing: prepared.spacing,
    encoderInput: { width: grey.width, height: grey.height, data: grey.data },
  };
}

/**
 * A data set of image PNGs in `dir/imageSub` with same-named mask PNGs in `dir/maskSub`;
 * `readMask` turns a mask file's bytes into the label map.
 */
function pngDataset(
  base: Omit<ExperimentDataset, 'load'>, dir: string, imageSub: string, maskSub: string, readMask: (bytes: Uint8Array, name: string) => LabelMap,
): ExperimentDataset {
  return {
    ...base,
    async load({ size, encoderSize = 256, onProgress }) {
      const names = await pngPairs(dir, imageSub, maskSub);
      const out: LabelledImage[] = [];
      for (let k = 0; k < names.length; k++) {
        reportProgress(onProgress, `load:${base.id}`, k / names.length);
        const name = names[k]!;
        const image = readPng(new Uint8Array(await fs.readFile(path.join(dir, imageSub, name))), { path: name });
        const mask = readMask(new Uint8Array(await fs.readFile(path.join(dir, maskSub, name))), name);
        out.push(labelled(name.replace(/\.png$/i, ''), image, mask, size, encoderSize));
      }
      return out;
    },
  };
}

/** Montgomery: one binary mask of both lungs, split into right/left lung by connected components. */
function montgomery(dir: string): ExperimentDataset {
  return pngDataset(
    {
      id: 'montgomery',
      description: 'Montgomery County chest X-rays (138), lungs split into the patient\'s right and left lung',
      classNames: ['background', 'right lung', 'left lung'],
      dice: 'per-class',
    },
    dir, 'cxr', 'masks',
    (bytes, name) => {
      const binary = binaryMaskFromPng(bytes, 127, name);
      return splitLungsByComponents(binary.labels, binary.width, binary.height);
    },
  );
}

/** JSRT with SCR label maps: right lung 150, left lung 200, heart 250. */
function jsrt(dir: string): ExperimentDataset {
  return pngDataset(
    {
      id: 'jsrt',
      description: 'JSRT chest X-rays (247) with SCR labels: right lung, left lung, heart',
      classNames: ['background', 'right lung', 'left lung', 'heart'],
      dice: 'per-class',
    },
    dir, 'images', 'masks',
    (bytes, name) => labelMapFromPng(bytes, JSRT_LABEL_MAPPING, name),
  );
}

/**
 * IBSR18: 2-D slices along the 1.5 mm axis (array axis 1) of the labelled subjects. Of each
 * subject's slices that contain brain (≥ 5 % of pixels labelled), 13 evenly spaced ones are kept,
 * 130 images in all for 10 subjects — the size of the paper's SynthStrip 2-D set.
 */
function ibsr18(dir: string): ExperimentDataset {
  return {
    id: 'ibsr18',
    description: 'IBSR18 T1 brain MRI: 13 evenly spaced brain slices per labelled subject (1.5 mm axis), CSF / grey / white matter',
    classNames: ['background', 'CSF', 'grey matter', 'white matter'],
    dice: 'image-level',
    async load({ size, encoderSize = 256, onProgress }) {
      requireDir(dir, 'ibsr18');
      const subjects = (await fs.readdir(dir)).filter((d) => /^IBSR_\d+$/.test(d)).sort();
      const out: LabelledImage[] = [];
      for (let s = 0; s < subjects.length; s++) {
        reportProgress(onProgress, 'load:ibsr18', s / subjects.length, subjects[s]);
        const subject = subjects[s]!;
        const volume = readNifti(new Uint8Array(await fs.readFile(path.join(dir, subject, `${subject}.nii.gz`))), { path: subject });
        const seg = readNifti(new Uint8Array(await fs.readFile(path.join(dir, subject, `${subject}_seg.nii.gz`))), { path: `${subject}_seg` });
        const labels = labelMapsFromNifti(seg, 1);
        const brain = labels
          .map((m, z) => ({ z, fraction: m.labels.reduce((a, v) => a + (v > 0 ? 1 : 0), 0) / m.labels.length }))
          .filter((x) => x.fraction >= IBSR_MIN_BRAIN_FRACTION)
          .map((x) => x.z);
        const picks = evenlySpaced(brain, IBSR_SLICES_PER_SUBJECT);
        const images = niftiSlices(volume, 1, { indices: picks });
        picks.forEach((z, k) => out.push({ ...labelled(`${subject}#z${z}`, images[k]!, { ...labels[z]!, numClasses: 4 }, size, encoderSize), volume: subject }));
      }
      return out;
    },
  };
}

/** `count` items of `items` at evenly spaced positions (all of them when there are fewer). */
export function evenlySpaced<T>(items: readonly T[], count: number): T[] {
  if (items.length <= count) return [...items];
  return Array.from({ length: count }, (_, k) => items[Math.round(((k + 0.5) * items.length) / count - 0.5)]!);
}

/** A user's folder: PATH/images and PATH/masks (named alike), classes from PATH/classes.txt. */
function folder(root: string): ExperimentDataset {
  const classFile = path.join(root, 'classes.txt');
  const names = existsSync(classFile)
    ? readFileSync(classFile, 'utf8').split(/\r?\n/).map((l) => l.trim()).filter(Boolean)
    : ['background', 'foreground'];
  if (names.length < 2) throw new InvalidInputError('invalid-option', `${classFile} must name at least two classes (background first)`);
  return {
    id: `folder:${root}`,
    description: `images and masks under ${root}`,
    classNames: names,
    dice: 'per-class',
    async load({ size, encoderSize = 256, onProgress }) {
      requireDir(path.join(root, 'images'), 'folder data set');
      requireDir(path.join(root, 'masks'), 'folder data set');
      const files = await listImageFiles([path.join(root, 'images')]);
      const masks = new Map((await listImageFiles([path.join(root, 'masks')])).map((f) => [f.id, f]));
      const out: LabelledImage[] = [];
      for (let k = 0; k < files.length; k++) {
        reportProgress(onProgress, 'load:folder', k / files.length);
        for (const { id, image } of await readImageFile(files[k]!)) {
          const maskFile = masks.get(id);
          if (!maskFile) throw new InvalidInputError('unknown-id', `no mask for image "${id}" in ${path.join(root, 'masks')}`);
          out.push(labelled(id, image, await readMaskFile(maskFile.path, { classes: names.length }), size, encoderSize));
        }
      }
      return out;
    },
  };
}
