/** DICOM objects the ScanSelect server writes and reads (dcmjs underneath). */
export { DicomObjectError, type DicomObjectErrorCode } from './dicomObjectError';
export { newUid, isValidUid, MAX_UID_LENGTH } from './uid';
export { readTransferSyntax } from './part10';
export { writeSecondaryCapture, SECONDARY_CAPTURE_SOP_CLASS, type SecondaryCaptureSpec } from './secondaryCapture';
export {
  buildKeyObjectSelection,
  readKeyObjectSelection,
  KEY_OBJECT_SELECTION_SOP_CLASS,
  type KeyObjectItem,
  type KeyObjectSelectionSpec,
  type KeyObjectReference,
  type KeyObjectSelection,
} from './keyObjectSelection';
export {
  readSegmentation,
  segmentationToLabelMap,
  SEGMENTATION_SOP_CLASS,
  LABEL_MAP_SEGMENTATION_SOP_CLASS,
  type Segmentation,
  type SegmentationFrame,
  type SegmentationType,
  type SegmentInfo,
} from './segmentation';
export { writeSegmentation, type SegmentationSource, type SegmentSpec, type SegmentationSpec } from './writeSegmentation';
export type { Code } from './part10';
export {
  writeMrSeries,
  writeEnhancedMr,
  MR_IMAGE_SOP_CLASS,
  CT_IMAGE_SOP_CLASS,
  ENHANCED_MR_IMAGE_SOP_CLASS,
  VOLUME_ORIENTATION_TOLERANCE,
  type VolumeSpec,
} from './mrVolume';
export { volumeFromNifti, readNiftiAffine, type NiftiAffine, type NiftiMatrix, type VolumeFromNifti, type VolumeFromNiftiOptions } from './niftiVolume';
