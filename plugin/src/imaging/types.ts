/**
 * Shared types of the imaging readers: every reader (DICOM, PNG, JPEG, NIfTI) produces the same
 * {@link Image2D}, so that preprocessing and the encoders never need to know where pixels came from.
 */

/** Physical size of one pixel. `row` is the distance between rows (vertical), `column` between columns. */
export interface PixelSpacing {
  row: number;
  column: number;
  unit: 'mm';
}

/** Where an image came from; enough to find it again and to report it. */
export interface ImageSource {
  format: 'dicom' | 'png' | 'jpeg' | 'nifti';
  path?: string;
  /** 0-based frame index inside a multi-frame DICOM object. */
  frame?: number;
  /** 0-based slice index along the slicing axis of a NIfTI volume. */
  slice?: number;
  sopInstanceUid?: string;
}

/**
 * One 2-D image with real-valued samples.
 *
 * `data` is row-major and channel-last: sample (row r, column c, channel k) is at
 * `(r * width + c) * channels + k`. Grey images are oriented so that higher = brighter
 * (DICOM MONOCHROME1 is inverted on read).
 */
export interface Image2D {
  width: number;
  height: number;
  channels: 1 | 3;
  data: Float32Array;
  /** Millimetres per pixel, or null when the source does not say (PNG, JPEG, DICOM without spacing). */
  spacing: PixelSpacing | null;
  /** Photometric interpretation of `data` (after conversion), e.g. 'MONOCHROME2' or 'RGB'. */
  photometric?: string;
  source: ImageSource;
}

/** A label map: one class index per pixel, row-major, values 0..numClasses−1 (0 = background). */
export interface LabelMap {
  width: number;
  height: number;
  labels: Uint8Array;
  /** Number of classes including background (max label + 1 of the mapping used, not of the data). */
  numClasses: number;
}
