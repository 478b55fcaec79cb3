import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ArtifactNotFoundError, assertArtifactKey, type ArtifactStore } from './artifactStore';

/** Temporary files start with `~`, which no key segment may contain: never listed, never read. */
const TEMP_PREFIX = '~';

/**
 * The artefact store of one machine: each key is the file at that relative path under `root` (the
 * data directory — the layout releases before the store wrote). The embedded default: a single
 * server, or replicas that mount one shared file system that honours fsync and rename.
 */
export class FileArtifactStore implements ArtifactStore {
  constructor(readonly root: string) {}

  /**
   * Writes a temporary file beside the target, flushes it to disk, renames it over the target and
   * flushes the directory — and the parents of any directory it had to create — so the new name
   * survives a power cut too. Concurrent puts of one key each write their own temporary file; the
   * last rename wins, whole.
   */
  async put(key: string, bytes: Uint8Array): Promise<void> {
    const target = this.file(key);
    const dir = path.dirname(target);
    const created = await fs.mkdir(dir, { recursive: true });
    const temp = path.join(dir, `${TEMP_PREFIX}${randomUUID()}.tmp`);
    try {
      const handle = await fs.open(temp, 'wx');
      try {
        await handle.writeFile(bytes);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await fs.rename(temp, target);
    } catch (error) {
      await fs.rm(temp, { force: true });
      throw error;
    }
    for (const d of directoriesToSync(dir, created)) await syncDirectory(d);
  }

  async get(key: string): Promise<Buffer> {
    try {
      return await fs.readFile(this.file(key));
    } catch (error) {
      if (isMissing(error)) throw new ArtifactNotFoundError(key);
      throw error;
    }
  }

  async exists(key: string): Promise<boolean> {
    const stat = await fs.stat(this.file(key)).catch((error: unknown) => {
      if (isMissing(error)) return null;
      throw error;
    });
    return stat?.isFile() ?? false;
  }

  async delete(key: string): Promise<void> {
    const file = this.file(key);
    try {
      await fs.unlink(file);
    } catch (error) {
      if (isMissing(error)) return;
      throw error;
    }
    await syncDirectory(path.dirname(file));
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    const walk = async (dir: string, keyPrefix: string): Promise<void> => {
      const entries = await fs.readdir(dir, { withFileTypes: true }).catch((error: unknown) => {
        if (isMissing(error)) return [];
        throw error;
      });
      for (const entry of entries) {
        if (entry.name.startsWith(TEMP_PREFIX)) continue;
        const key = `${keyPrefix}/${entry.name}`;
        if (entry.isDirectory()) await walk(path.join(dir, entry.name), key);
        else if (entry.isFile()) keys.push(key);
      }
    };
    await walk(this.file(prefix), prefix);
    return keys.sort();
  }

  private file(key: string): string {
    return path.join(this.root, ...assertArtifactKey(key).split('/'));
  }
}

/**
 * The directories whose entries a put changed: the target's, and — when `mkdir` created
 * directories, `created` being the first — the parent of each one it created.
 */
function directoriesToSync(dir: string, created: string | undefined): string[] {
  const dirs = [dir];
  if (created === undefined) return dirs;
  for (let d = dir; d !== created && path.dirname(d) !== d; d = path.dirname(d)) dirs.push(path.dirname(d));
  dirs.push(path.dirname(created));
  return [...new Set(dirs)];
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await fs.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** No such file, or a path through a file or onto a directory: either way, no artefact there. */
function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | null)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR';
}
