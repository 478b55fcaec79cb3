/** The masks an annotator would send for the demo's phantoms, for tests through the HTTP API. */
import { promises as fs } from 'node:fs';
import { readPng } from '@scanselect/plugin';
import type { PhantomCase } from '../../server/src/demo/phantomDataset';
import { SECONDARY_CAPTURE_SOP_CLASS, writeSegmentation } from '../../server/src/dicom';

/** A phantom's ground truth as a BINARY DICOM SEG of its instance, segment i + 1 named `classes[i]`. */
export async function phantomSeg(phantom: PhantomCase, classes: readonly string[]): Promise<Uint8Array> {
  const truth = readPng(await fs.readFile(phantom.truthFile));
  return writeSegmentation({
    source: { studyUid: phantom.studyUid, seriesUid: phantom.seriesUid, sopUid: phantom.sopUid, sopClassUid: SECONDARY_CAPTURE_SOP_CLASS, patientId: phantom.patientId, patientName: 'Phantom^Chest', rows: truth.height, columns: truth.width },
    segments: classes.map((label, i) => ({ number: i + 1, label, value: i + 1 })),
    labelMap: Uint8Array.from(truth.data),
  });
}
