import { promises as fs } from 'node:fs';
import path from 'node:path';
import { readDicomHeader } from '@scanselect/plugin';
import { FolderIndex, walk, type FolderIndexOptions } from './folderIndex';
import { matchesFilters, type ImageSource, type SkippedInstance, type SourceFilters, type SourceInstance, type StoredInstanceRef } from './source';

/**
 * A local folder of DICOM files, searched recursively — the embedded default source, no PACS
 * needed. Files that are not DICOM or lack their UIDs are reported through `onSkip` and left
 * out; a second file with an instance UID already seen is skipped as a duplicate. Every listed
 * instance carries its `location` (its path relative to the folder), which the sync stores.
 *
 * `retrieve` needs no listing first, so rounds work right after a restart: it reads the stored
 * location — only inside the folder (no `..`, absolute paths or symbolic links out of it), and
 * only if the file still holds that instance — and otherwise looks the instance up in a re-scan
 * of the folder ({@link FolderIndex}: reads only new or changed files, one scan at a time, at
 * most one per `minRescanMs`), then fails naming what it tried.
 */
export class FolderSource implements ImageSource {
  readonly kind = 'folder' as const;
  /** Where this process last found each instance (checked again when read). */
  private readonly paths = new Map<string, string>();
  private readonly index: FolderIndex<{ readonly sopUid: string }>;

  constructor(readonly root: string, options: FolderIndexOptions = {}) {
    this.index = new FolderIndex(root, (bytes, location) => ({ sopUid: readDicomHeader(bytes, { path: location }).sopUid }), options);
  }

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
        studyUid: header.studyUid, seriesUid: header.seriesUid, sopUid: header.sopUid, location,
        modality: header.modality, bodyPart: header.bodyPart, studyDate: header.studyDate, studyDescription: header.studyDescription,
      };
      if (matchesFilters(instance, filters)) yield instance;
    }
  }

  async retrieve(ref: StoredInstanceRef): Promise<Uint8Array> {
    const { sopUid } = ref;
    const known = this.paths.get(sopUid);
    let bytes = known ? await readIfHolds(known, sopUid) : null;
    if (bytes) return bytes;
    const stored = ref.location ? await this.inside(ref.location) : null;
    bytes = stored && stored !== known ? await readIfHolds(stored, sopUid) : null;
    if (bytes) return bytes;
    // Moved, replaced or never located: look for it in the folder as it is now.
    let found = await this.index.find(sopUid);
    bytes = found ? await readIfHolds(found.file, sopUid) : null;
    if (found && !bytes) {
      await this.index.refresh(); // the index itself was out of date
      found = this.index.cached(sopUid);
      bytes = found ? await readIfHolds(found.file, sopUid) : null;
    }
    if (found && bytes) {
      this.paths.set(sopUid, found.file);
      return bytes;
    }
    const where = !ref.location ? 'no location was stored for it'
      : stored === null ? `its stored location "${ref.location}" is missing or not a file inside the folder` : `"${ref.location}" no longer holds it`;
    throw new Error(`instance ${sopUid} is not in folder ${this.root} (${where}; a search of the folder did not find it either): sync the project again if its files were removed or changed`);
  }

  /** The real path of a stored location, or null when it is not a file inside the folder (missing, `..`, absolute, a link out). */
  private async inside(location: string): Promise<string | null> {
    if (path.isAbsolute(location) || location.split(/[\\/]/).includes('..')) return null;
    const [root, file] = await Promise.all([fs.realpath(this.root).catch(() => null), fs.realpath(path.join(this.root, location)).catch(() => null)]);
    if (!root || !file || !file.startsWith(root + path.sep)) return null;
    return file;
  }
}

/** The file's bytes when it is a regular file holding this instance; null otherwise (gone, changed, not DICOM). */
async function readIfHolds(file: string, sopUid: string): Promise<Uint8Array | null> {
  try {
    if (!(await fs.stat(file)).isFile()) return null;
    const bytes = new Uint8Array(await fs.readFile(file));
    return readDicomHeader(bytes, { path: path.basename(file) }).sopUid === sopUid ? bytes : null;
  } catch {
    return null;
  }
}
