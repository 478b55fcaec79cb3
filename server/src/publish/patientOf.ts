import { readPart10, str } from '../dicom/part10';

/** The patient of a source instance, copied into the objects ScanSelect stores next to it. */
export interface PatientModule {
  readonly patientId: string;
  readonly patientName: string;
}

/**
 * Reads the patient's id and name from a source instance, so that a SEG or KO stored back in
 * the PACS files under the same patient. Used only in memory at delivery time: ScanSelect keeps
 * no patient identifiers in its database or logs.
 */
export function patientOf(bytes: Uint8Array): PatientModule {
  const { dataset } = readPart10(bytes, 'source instance');
  const name = dataset.PatientName as unknown;
  const patientName = typeof name === 'string' ? name : Array.isArray(name) ? String((name[0] as { Alphabetic?: string })?.Alphabetic ?? '') : String((name as { Alphabetic?: string } | undefined)?.Alphabetic ?? '');
  return { patientId: str(dataset, 'PatientID') ?? '', patientName };
}
