import { promises as fs } from 'node:fs';
import path from 'node:path';
import { readDicomHeader } from '@scanselect/plugin';
import type { InstanceRef } from './dicomWebClient';
import { walk } from './folderIndex';
import { matchesFilters, type ImageSource, type SkippedInstance, type SourceFilters, type SourceInstance } from './source';

/**
 * A local folder of DICOM files, searched recursively — the embedded default source, no PACS
 * needed. Files that are not DICOM or lack their UIDs are reported through `onSkip` and left
 * out; a second file with an instance UID already seen is skipped as a duplicate.
 */
export class FolderSource implements ImageSource {
  readonly kind = 'folder' as const;
  private readonly paths = new Map<string, string>();

  constructor(readonly root: string) {}

  async *list(filters: SourceFilters, onSkip?: (skipped: SkippedInstance) => void): AsyncIterable<SourceInstance> {
    const seen = new Set<string>();
    for await (const file of walk(this.root)) {
      const location = path.relative(this.root, file);
      let header;
      try {
        header = readDicomHeader(await fs.readFile(file), { path: location });
      } catch (error) {
        onSkip?.({ location, reason: (error as Error).message });
        continue;
      }
      if (seen.has(header.sopUid)) {
        onSkip?.({ location, reason: `${location}: duplicate of instance ${header.sopUid} already listed` });
        continue;
      }
      seen.add(header.sopUid);
      this.paths.set(header.sopUid, file);
      const instance: SourceInstance = {
        studyUid: header.studyUid, seriesUid: header.seriesUid, sopUid: header.sopUid,
        modality: header.modality, bodyPart: header.bodyPart, studyDate: header.studyDate, studyDescription: header.studyDescription,
      };
      if (matchesFilters(instance, filters)) yield instance;
    }
  }

  async retrieve(ref: InstanceRef): Promise<Uint8Array> {
    const file = this.paths.get(ref.sopUid);
    if (!file) throw new Error(`instance ${ref.sopUid} is not in folder ${this.root} (list it first)`);
    return new Uint8Array(await fs.readFile(file));
  }
}
