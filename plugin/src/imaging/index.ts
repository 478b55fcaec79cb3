/** Public surface of the imaging readers (to be re-exported by plugin/src/index.ts). */
export type { Image2D, ImageSource, LabelMap, PixelSpacing } from './types';
export { readDicom, readDicomFile, readDicomHeader } from './dicom';
export type { ReadDicomOptions, DicomHeader } from './dicom';
export { readDicomGeometry, type DicomGeometry, type FrameGeometry, type ReadDicomGeometryOptions } from './dicomGeometry';
export { listTransferSyntaxes, transferSyntaxInfo } from './transferSyntaxes';
export type { TransferSyntaxInfo, PixelDecoderKind } from './transferSyntaxes';
export { readPng, readPngFile, writeGrayPng } from './png';
export type { ReadPngOptions } from './png';
export { readJpeg, readJpegFile } from './jpeg';
export type { ReadJpegOptions } from './jpeg';
export { toGrayscale } from './toGrayscale';
export { readNifti, readNiftiFile, niftiSlices } from './nifti';
export type { NiftiVolume, ReadNiftiOptions, NiftiSliceOptions } from './nifti';
export {
  JSRT_LABEL_MAPPING,
  mapLabelValues,
  labelMapFromPng,
  binaryMaskFromPng,
  labelMapFromClassPngs,
  labelMapsFromNifti,
} from './masks';
export type { LabelValueMapping, ClassPngOptions } from './masks';
export { splitLungsByComponents } from './splitLungsByComponents';
export { resizeBilinear, resizeNearest, zScore, preprocessImage } from './preprocess';
export type { PreprocessedImage, TargetSize } from './preprocess';
export { decodeRleFrame } from './rleDecode';
export type { RleFrameGeometry } from './rleDecode';
export { seriesGeometry, ORIENTATION_TOLERANCE, DUPLICATE_TOLERANCE_MM, GAP_FACTOR, SPACING_UNIFORMITY } from './seriesGeometry';
export type { SliceGeometry, SeriesVolume, SeriesGeometryRefusal, SeriesGeometryProblem } from './seriesGeometry';
