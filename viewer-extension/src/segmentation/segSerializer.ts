import * as dcmjs from 'dcmjs';

/** A naturalized dcmjs dataset (what `generateSegmentation` answers), with dcmjs's `_meta` / `_vrMap`. */
export type NaturalDataset = Record<string, unknown> & {
  readonly _meta?: Record<string, unknown>;
  readonly _vrMap?: Record<string, string>;
};

/** Explicit VR little endian, the transfer syntax when the dataset names none. */
export const EXPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2.1';
/** Segmentation Storage (BINARY / FRACTIONAL). */
export const SEGMENTATION_SOP_CLASS = '1.2.840.10008.5.1.4.1.1.66.4';

/** The transfer syntax of a dataset's `_meta`, in either dcmjs form (naturalized or denaturalized). */
export function transferSyntaxOf(dataset: NaturalDataset): string {
  const value = dataset._meta?.TransferSyntaxUID;
  if (typeof value === 'string' && value) return value;
  const nested = (value as { Value?: unknown[] } | undefined)?.Value?.[0];
  return typeof nested === 'string' && nested ? nested : EXPLICIT_VR_LITTLE_ENDIAN;
}

/**
 * DICOM Part 10 bytes of a naturalized dataset: a file meta group (media storage SOP class and
 * instance from the dataset, its transfer syntax) and the dataset. Unlike dcmjs's own
 * `datasetToDict` it leaves the input untouched (that one rewrites `_meta`) and needs no Node
 * `Buffer`, so it runs in the browser.
 */
export function datasetToPart10(dataset: NaturalDataset): Uint8Array<ArrayBuffer> {
  const sopClass = dataset.SOPClassUID;
  const sopInstance = dataset.SOPInstanceUID;
  if (typeof sopClass !== 'string' || typeof sopInstance !== 'string') throw new Error('the dataset has no SOPClassUID / SOPInstanceUID');
  const meta = {
    FileMetaInformationVersion: new Uint8Array([0, 1]).buffer,
    MediaStorageSOPClassUID: sopClass,
    MediaStorageSOPInstanceUID: sopInstance,
    TransferSyntaxUID: transferSyntaxOf(dataset),
    ImplementationClassUID: '2.25.80302813137786398554742050926734630921603366648225212145404',
    ImplementationVersionName: 'scanselect-viewer',
  };
  const body: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(dataset)) if (key !== '_meta') body[key] = value;
  const dict = new dcmjs.data.DicomDict(dcmjs.data.DicomMetaDictionary.denaturalizeDataset(meta));
  dict.dict = dcmjs.data.DicomMetaDictionary.denaturalizeDataset(body);
  return new Uint8Array(dict.write());
}
