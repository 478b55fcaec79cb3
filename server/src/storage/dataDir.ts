import { promises as fs } from 'node:fs';
import path from 'node:path';

/**
 * Where the server keeps its files, all under one data directory: the SQLite database, accepted
 * masks, each round's model and entropy maps, the outbox's DICOM payloads and the bounded pixel
 * cache. Paths stored in the database are relative to it, so the directory can be moved.
 */
export class DataDir {
  constructor(readonly root: string) {}

  get database(): string {
    return path.join(this.root, 'scanselect.db');
  }

  /**
   * Where one submission of a case's mask is stored: a new name per submission (`submission`,
   * unique), so that a refused or concurrent upload never overwrites a mask already accepted.
   */
  maskFile(projectId: number, sopUid: string, submission: string, extension: 'png' | 'seg.dcm'): string {
    return path.join('masks', String(projectId), `${safeName(sopUid)}.${safeName(submission)}.${extension}`);
  }

  roundDir(projectId: number, round: number): string {
    return path.join('rounds', String(projectId), String(round));
  }

  entropyFile(projectId: number, round: number, sopUid: string): string {
    return path.join(this.roundDir(projectId, round), 'entropy', `${safeName(sopUid)}.f32`);
  }

  /** The round model's predicted label map of a selected case (model input size, PNG). */
  predictionFile(projectId: number, round: number, sopUid: string): string {
    return path.join(this.roundDir(projectId, round), 'prediction', `${safeName(sopUid)}.png`);
  }

  outboxFile(name: string): string {
    return path.join('outbox', safeName(name));
  }

  cacheDir(): string {
    return path.join(this.root, 'cache');
  }

  /** Absolute path of a stored relative one. */
  resolve(relative: string): string {
    return path.join(this.root, relative);
  }

  /** Deletes a stored file (no error when it is already gone). */
  async remove(relative: string): Promise<void> {
    await fs.rm(this.resolve(relative), { force: true });
  }

  async read(relative: string): Promise<Buffer> {
    return fs.readFile(this.resolve(relative));
  }

  /**
   * Writes a file so that it survives a crash or power cut once this resolves: write to a
   * temporary name, flush to disk, rename over the target, flush the directory.
   */
  async writeDurably(relative: string, bytes: Uint8Array): Promise<void> {
    const target = this.resolve(relative);
    await fs.mkdir(path.dirname(target), { recursive: true });
    const temp = `${target}.${process.pid}.tmp`;
    const handle = await fs.open(temp, 'w');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await fs.rename(temp, target);
    const dir = await fs.open(path.dirname(target), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }
}

/** A UID or name as a file name: UIDs are digits and dots already; anything else is replaced. */
function safeName(name: string): string {
  const safe = name.replace(/[^A-Za-z0-9._-]/g, '_');
  if (safe === '' || safe === '.' || safe === '..') throw new Error(`"${name}" cannot be a file name`);
  return safe;
}
