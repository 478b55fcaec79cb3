import { promises as fs } from 'node:fs';
import path from 'node:path';

/** What a folder index knows of one file: the instance it holds (or null: not DICOM, unreadable). */
export interface IndexedFile<T> {
  /** Absolute path. */
  readonly file: string;
  /** Path relative to the folder's root. */
  readonly location: string;
  readonly value: T;
}

/** Options of {@link FolderIndex}. */
export interface FolderIndexOptions {
  /**
   * Least time between the starts of two re-scans that a lookup miss may cause [5 s]: a flood of
   * unknown UIDs costs at most one directory walk per interval, and no file reads when nothing
   * changed. The first scan is never delayed.
   */
  readonly minRescanMs?: number;
  /** Clock (milliseconds) — injectable for tests. */
  readonly now?: () => number;
}

/** Default of {@link FolderIndexOptions.minRescanMs}. */
export const MIN_RESCAN_MS = 5_000;

interface FileState<T> {
  readonly mtimeMs: number;
  readonly size: number;
  readonly value: T | null;
}

/**
 * The instances in the files under a folder, by SOP Instance UID, kept up to date cheaply: a
 * scan walks the folder and stats every file but reads only the files that are new or whose
 * modification time or size changed; scans are coalesced (one at a time, callers share it) and a
 * lookup miss re-scans at most once per `minRescanMs`. A file is parsed by `parse` (which throws,
 * or answers null, for what is not an instance); a second file with a UID already seen is left
 * out, as the sync leaves it out. Entries are in walk order (depth first, in name order).
 */
export class FolderIndex<T extends { readonly sopUid: string }> {
  private files = new Map<string, FileState<T>>();
  private entries: Array<IndexedFile<T>> = [];
  private bySop = new Map<string, IndexedFile<T>>();
  private scanning: Promise<void> | null = null;
  private lastScanStart: number | null = null;
  private readonly minRescanMs: number;
  private readonly now: () => number;

  constructor(readonly root: string, private readonly parse: (bytes: Uint8Array, location: string) => T | null, options: FolderIndexOptions = {}) {
    this.minRescanMs = options.minRescanMs ?? MIN_RESCAN_MS;
    this.now = options.now ?? Date.now;
  }

  /** Every indexed instance (scanning first if the folder was never scanned). */
  async all(): Promise<ReadonlyArray<IndexedFile<T>>> {
    if (this.lastScanStart === null) await this.refresh();
    return this.entries;
  }

  /** The instance with this UID; on a miss, after one re-scan if one is due (see the class). */
  async find(sopUid: string): Promise<IndexedFile<T> | null> {
    return (await this.findAll((e) => e.value.sopUid === sopUid))[0] ?? null;
  }

  /** The instances that match; when none does, the same again after one re-scan if one is due. */
  async findAll(match: (entry: IndexedFile<T>) => boolean): Promise<ReadonlyArray<IndexedFile<T>>> {
    const found = (await this.all()).filter(match);
    if (found.length > 0) return found;
    await this.refresh();
    return this.entries.filter(match);
  }

  /** The instance with this UID as of the last scan, without scanning. */
  cached(sopUid: string): IndexedFile<T> | null {
    return this.bySop.get(sopUid) ?? null;
  }

  /**
   * Scans now, unless a scan is running (then waits for that one) or the last one started less
   * than `minRescanMs` ago (then does nothing).
   */
  refresh(): Promise<void> {
    if (this.scanning) return this.scanning;
    const now = this.now();
    if (this.lastScanStart !== null && now - this.lastScanStart < this.minRescanMs) return Promise.resolve();
    this.lastScanStart = now;
    this.scanning = this.scan()
      .catch((error: unknown) => {
        this.lastScanStart = null; // a failed scan (folder missing …) does not count: the next lookup tries again
        throw error;
      })
      .finally(() => {
        this.scanning = null;
      });
    return this.scanning;
  }

  private async scan(): Promise<void> {
    const files = new Map<string, FileState<T>>();
    for await (const file of walk(this.root)) {
      const stat = await fs.stat(file).catch(() => null);
      if (!stat) continue; // removed while walking
      const known = this.files.get(file);
      if (known && known.mtimeMs === stat.mtimeMs && known.size === stat.size) {
        files.set(file, known);
        continue;
      }
      files.set(file, { mtimeMs: stat.mtimeMs, size: stat.size, value: await this.read(file) });
    }
    const entries: Array<IndexedFile<T>> = [];
    const bySop = new Map<string, IndexedFile<T>>();
    for (const [file, state] of files) {
      if (!state.value || bySop.has(state.value.sopUid)) continue;
      const entry = { file, location: path.relative(this.root, file), value: state.value };
      entries.push(entry);
      bySop.set(state.value.sopUid, entry);
    }
    this.files = files;
    this.entries = entries;
    this.bySop = bySop;
  }

  private async read(file: string): Promise<T | null> {
    try {
      return this.parse(new Uint8Array(await fs.readFile(file)), path.relative(this.root, file));
    } catch {
      return null; // not DICOM, or unreadable: the sync reports these; an index just leaves them out
    }
  }
}

/** Every regular file under `dir`, depth first, in name order (stable across runs); symbolic links are not followed. */
export async function* walk(dir: string): AsyncIterable<string> {
  const entries = (await fs.readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(full);
    else if (entry.isFile()) yield full;
  }
}
