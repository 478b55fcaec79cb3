import { promises as fs } from 'node:fs';
import path from 'node:path';

/**
 * A bounded on-disk cache of model inputs (size × size float32, z-scored), so that a round does
 * not fetch every pool image from the PACS again. Not a copy of the archive: it holds at most
 * `maxBytes`, evicting the least recently used files, and anything evicted is fetched again.
 * Node-local on purpose, outside the artefact store: never the only copy of anything, and a shared
 * one would turn each hit into a network read (docs/server.md, "Artefacts").
 */
export class PixelCache {
  private readonly entries = new Map<string, number>();
  private total = 0;
  private loaded = false;

  constructor(private readonly dir: string, private readonly maxBytes: number) {}

  async get(key: PixelKey): Promise<Float32Array | null> {
    await this.load();
    const file = this.file(key);
    if (!this.entries.has(file)) return null;
    try {
      const bytes = await fs.readFile(file);
      if (bytes.byteLength !== key.size * key.size * 4) return null;
      this.touch(file, bytes.byteLength);
      return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
    } catch {
      this.forget(file);
      return null;
    }
  }

  async put(key: PixelKey, data: Float32Array): Promise<void> {
    await this.load();
    if (data.byteLength > this.maxBytes) return;
    const file = this.file(key);
    await fs.mkdir(path.dirname(file), { recursive: true });
    await fs.writeFile(file, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    this.touch(file, data.byteLength);
    while (this.total > this.maxBytes) {
      const oldest = this.entries.keys().next().value as string;
      this.forget(oldest);
      await fs.rm(oldest, { force: true });
    }
  }

  /** Bytes held now. */
  async size(): Promise<number> {
    await this.load();
    return this.total;
  }

  private file(key: PixelKey): string {
    return path.join(this.dir, String(key.projectId), String(key.size), `${key.sopUid.replace(/[^0-9A-Za-z.]/g, '_')}.f32`);
  }

  /** Map order is recency order: re-inserting moves an entry to the end. */
  private touch(file: string, bytes: number): void {
    this.forget(file);
    this.entries.set(file, bytes);
    this.total += bytes;
  }

  private forget(file: string): void {
    const bytes = this.entries.get(file);
    if (bytes === undefined) return;
    this.entries.delete(file);
    this.total -= bytes;
  }

  /** At first use, index what an earlier process left, oldest first. */
  private async load(): Promise<void> {
    if (this.loaded) return;
    this.loaded = true;
    const found: Array<{ file: string; bytes: number; mtime: number }> = [];
    const walk = async (dir: string): Promise<void> => {
      const names = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
      for (const entry of names) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) await walk(full);
        else if (entry.name.endsWith('.f32')) {
          const stat = await fs.stat(full);
          found.push({ file: full, bytes: stat.size, mtime: stat.mtimeMs });
        }
      }
    };
    await walk(this.dir);
    found.sort((a, b) => a.mtime - b.mtime);
    for (const f of found) this.touch(f.file, f.bytes);
  }
}

/** What a cached model input is the input of. */
export interface PixelKey {
  readonly projectId: number;
  readonly sopUid: string;
  readonly size: number;
}
