/**
 * One labelled case as the files of the data-set export: its source image and its label map, as
 * PNG or as NIfTI-1. Runs in a worker thread (caseEncodeWorker.ts): decoding a radiograph and
 * deflating it takes long enough to hold the API's event loop.
 *
 * PNG (`images/<case>.png`): 16-bit grey at the image's own size (the case's frame of a
 * multi-frame instance, as the model sees it). Intensity: the values the model's input is computed from —
 * the modality LUT (Rescale Slope/Intercept) applied, MONOCHROME1 inverted so that higher is
 * brighter, colour reduced to BT.601 luma — mapped linearly from the image's own minimum and
 * maximum to 0 … 65535 (a constant image is all 0). No VOI window: the project uses none; its
 * model input is a per-image z-score of these values, which this per-image linear map leaves
 * unchanged (up to rounding), so the PNG gives the model the input it was trained on.
 *
 * NIfTI (`images/<case>.nii.gz`): the stored pixel values, untouched, in the integer datatype of
 * the DICOM's Bits Allocated and Pixel Representation (uint8/int8, uint16/int16, uint32/int32),
 * with Rescale Slope/Intercept as scl_slope/scl_inter, so that a reader applying them gets the
 * modality values; MONOCHROME1 is mirrored within the stored range (higher is brighter, as in the
 * PNG). Colour images are written as float32 luma. Pixel spacing when the DICOM gives one.
 *
 * Masks: the accepted label map (value = class index) as stored (PNG), or as uint8 NIfTI with the
 * image's spacing. Its size must be the image's.
 */
import { readDicom, readPng, toGrayscale, type Image2D } from '@scanselect/plugin';
import { num, readPart10 } from '../dicom/part10';
import { integerDatatype, writeNifti2dGz, type NiftiDatatype } from './nifti';
import { writeGray16Png } from './writeGray16Png';

/** The export's image formats. */
export type ExportFormat = 'png' | 'nifti';
export const EXPORT_FORMATS: readonly ExportFormat[] = ['png', 'nifti'];

/** What to encode: the source instance as retrieved, and the stored label-map PNG. */
export interface CaseEncodeRequest {
  readonly format: ExportFormat;
  /** Names the case in errors (never a UID). */
  readonly label: string;
  readonly dicom: Uint8Array;
  /** The frame (1-based) of the instance that is the case (1 for a single-frame one). */
  readonly frame: number;
  readonly maskPng: Uint8Array;
}

/** The two files of a case (PNG or `.nii.gz` bytes) and the image's size. */
export interface EncodedCase {
  readonly image: Uint8Array;
  readonly mask: Uint8Array;
  readonly width: number;
  readonly height: number;
}

/** The files of one case; see the module comment. */
export async function encodeCase(request: CaseEncodeRequest): Promise<EncodedCase> {
  const { format, label, dicom, frame, maskPng } = request;
  if (format === 'png') {
    const image = frameOf(await readDicom(dicom, { path: label }), frame, label);
    const mask = pngSize(maskPng, label);
    checkSameSize(image, mask, label);
    return { image: writeGray16Png(linear16(toGrayscale(image).data), image.width, image.height), mask: maskPng, width: image.width, height: image.height };
  }
  const stored = frameOf(await readDicom(dicom, { path: label, applyRescale: false }), frame, label);
  const labels = readPng(maskPng, { path: `${label} mask` });
  checkSameSize(stored, labels, label);
  const description = 'ScanSelect export';
  const mask = writeNifti2dGz({ width: labels.width, height: labels.height, data: labels.data, datatype: 'uint8', spacing: stored.spacing, description });
  if (stored.channels === 3) {
    // No integer type holds luma: float32 (colour samples are never rescaled, so these are the stored values' luma).
    const grey = toGrayscale(stored);
    return { image: writeNifti2dGz({ width: grey.width, height: grey.height, data: grey.data, datatype: 'float32', spacing: grey.spacing, description }), mask, width: grey.width, height: grey.height };
  }
  const pixel = pixelModuleOf(dicom, label);
  const image = writeNifti2dGz({
    width: stored.width, height: stored.height, data: stored.data, datatype: pixel.datatype, spacing: stored.spacing,
    slope: pixel.slope, intercept: pixel.intercept, description,
  });
  return { image, mask, width: stored.width, height: stored.height };
}

/** Linear map of the values from their minimum … maximum to 0 … 65535. */
export function linear16(values: Float32Array): Uint16Array {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const out = new Uint16Array(values.length);
  if (!(max > min)) return out;
  const scale = 65535 / (max - min);
  for (let i = 0; i < values.length; i++) out[i] = Math.round((values[i]! - min) * scale);
  return out;
}

/** The datatype of the stored values and the modality rescale, from the DICOM header. */
function pixelModuleOf(dicom: Uint8Array, label: string): { datatype: NiftiDatatype; slope: number; intercept: number } {
  const { dataset } = readPart10(dicom, label);
  const bits = num(dataset, 'BitsAllocated') ?? 16;
  const slope = num(dataset, 'RescaleSlope') ?? 1;
  return { datatype: integerDatatype(bits, num(dataset, 'PixelRepresentation') === 1), slope: slope === 0 ? 1 : slope, intercept: num(dataset, 'RescaleIntercept') ?? 0 };
}

function frameOf(frames: Image2D[], number: number, label: string): Image2D {
  const frame = frames[number - 1];
  if (!frame) throw new Error(`${label}: the source instance has ${frames.length} frame(s), not frame ${number}`);
  return frame;
}

/** Width and height from a PNG's IHDR, without decoding it. */
function pngSize(png: Uint8Array, label: string): { width: number; height: number } {
  if (png.length < 24) throw new Error(`${label}: the stored mask is not a PNG`);
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

function checkSameSize(image: { width: number; height: number }, mask: { width: number; height: number }, label: string): void {
  if (image.width !== mask.width || image.height !== mask.height) {
    throw new Error(`${label}: the stored mask is ${mask.width} × ${mask.height}, the source image ${image.width} × ${image.height}`);
  }
}
