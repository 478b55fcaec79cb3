import { ScanSelectError } from '@scanselect/plugin';

/** Machine-readable kinds of problem with a DICOM object read or written by the server. */
export type DicomObjectErrorCode =
  /** No "DICM" marker, or the file meta group cannot be read. */
  | 'not-dicom'
  /** dcmjs could not parse the data set (truncated or corrupt). */
  | 'parse-error'
  /** The object is DICOM but not a Segmentation. */
  | 'not-segmentation'
  /** The object is DICOM but not a Key Object Selection document. */
  | 'not-key-object-selection'
  /** A required attribute is missing or has an invalid value. */
  | 'missing-attribute'
  /** A frame or content item whose referenced instance cannot be determined. */
  | 'no-reference'
  /** Pixel Data is absent, too short or has a layout this reader does not handle. */
  | 'bad-pixel-data'
  /** Encapsulated (compressed) or big-endian transfer syntax; the message names it. */
  | 'unsupported-transfer-syntax'
  /** The caller's specification of an object to write is invalid. */
  | 'invalid-spec';

/** A DICOM object could not be read or written; `code` says why, the message says where. */
export class DicomObjectError extends ScanSelectError {
  readonly code: DicomObjectErrorCode;

  constructor(code: DicomObjectErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}
