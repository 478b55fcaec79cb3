import { readPng } from '@scanselect/plugin';
import { writeSegmentation } from '../dicom';
import { readPart10 } from '../dicom/part10';
import { patientOf } from '../publish/patientOf';

/**
 * A DICOM SEG for a mask that came as a label-map PNG (a SEG upload is exported as it came): the
 * mask's classes as segments, referencing the source instance (and `frame`, the case's frame, when
 * it has several), with the instance's patient module
 * (as the SEG sent to a PACS is made) and the annotator as content creator. New UIDs each export.
 */
export function segOfCase(dicom: Uint8Array, frame: number, maskPng: Uint8Array, classes: readonly string[], annotator: string): Uint8Array {
  const { dataset } = readPart10(dicom, 'source instance');
  const text = (key: string): string => String(dataset[key] ?? '');
  const mask = readPng(maskPng);
  return writeSegmentation({
    source: {
      studyUid: text('StudyInstanceUID'), seriesUid: text('SeriesInstanceUID'), sopUid: text('SOPInstanceUID'), sopClassUid: text('SOPClassUID'),
      ...patientOf(dicom), rows: mask.height, columns: mask.width,
      ...(Number(dataset.NumberOfFrames ?? 1) > 1 && { frame }),
    },
    segments: classes.map((label, i) => ({ number: i + 1, label, value: i + 1 })),
    labelMap: Uint8Array.from(mask.data),
    contentCreator: annotator.slice(0, 64),
    seriesDescription: 'ScanSelect mask (export)',
  });
}
