import { DicomWebClient, type DicomJson, type InstanceRef } from './dicomWebClient';
import { matchesFilters, type ImageSource, type SkippedInstance, type SourceFilters, type SourceInstance } from './source';

const first = (row: DicomJson, tag: string): string | null => {
  const v = row[tag]?.Value?.[0];
  return typeof v === 'string' && v !== '' ? v : null;
};

/**
 * A DICOMweb PACS as a project's source: studies found by QIDO-RS with the study-level filters
 * (paged, `pageSize` at a time), their instances listed per study, then every filter — body part
 * included, which QIDO-RS does not offer at study level — checked on each instance's own
 * attributes.
 */
export class DicomWebSource implements ImageSource {
  readonly kind = 'dicomweb' as const;

  constructor(readonly client: DicomWebClient, private readonly pageSize = 100) {}

  async *list(filters: SourceFilters, onSkip?: (skipped: SkippedInstance) => void): AsyncIterable<SourceInstance> {
    // Orthanc 1.10's DICOMweb answers every page after the first with nothing when the search
    // has ModalitiesInStudy (measured: 250 DX studies, pages of 100 → 100, 0, 0). When a page
    // past a full one comes back empty, the studies are listed again without that key (each
    // instance's modality is checked here anyway), skipping those already listed. A PACS that
    // pages correctly pays for this only when the matching studies fill their last page exactly.
    let studyFilters: SourceFilters = filters;
    const listed = new Set<string>();
    let previousFull = false;
    for (let offset = 0; ; offset += this.pageSize) {
      const studies = await this.client.searchStudies(studyFilters, { limit: this.pageSize, offset });
      if (studies.length === 0 && offset > 0 && previousFull && studyFilters.modality) {
        studyFilters = { ...studyFilters, modality: undefined };
        offset = -this.pageSize;
        continue;
      }
      previousFull = studies.length === this.pageSize;
      for (const study of studies) {
        const studyUid = first(study, '0020000D');
        if (!studyUid) {
          onSkip?.({ location: 'QIDO-RS study', reason: 'a study without StudyInstanceUID' });
          continue;
        }
        if (listed.has(studyUid)) continue;
        listed.add(studyUid);
        for (const row of await this.client.searchInstanceRows(studyUid)) {
          const seriesUid = first(row, '0020000E');
          const sopUid = first(row, '00080018');
          if (!seriesUid || !sopUid) {
            onSkip?.({ location: `study ${studyUid}`, reason: 'an instance without series or instance UID' });
            continue;
          }
          const instance: SourceInstance = {
            studyUid, seriesUid, sopUid,
            modality: first(row, '00080060') ?? first(study, '00080061'),
            bodyPart: first(row, '00180015'),
            studyDate: first(row, '00080020') ?? first(study, '00080020'),
            studyDescription: first(row, '00081030') ?? first(study, '00081030'),
          };
          if (matchesFilters(instance, filters)) yield instance;
        }
      }
      if (studies.length < this.pageSize) return;
    }
  }

  retrieve(ref: InstanceRef): Promise<Uint8Array> {
    return this.client.retrieveInstance(ref);
  }
}
