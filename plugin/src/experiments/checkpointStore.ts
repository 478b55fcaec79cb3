import { promises as fs } from 'node:fs';
import path from 'node:path';
import { InvalidInputError } from '../core/errors';

/** Identifies one finished unit of an experiment: (data set, run, setting). */
export interface CheckpointKey {
  readonly dataset: string;
  readonly run: number;
  /** `settingKey(setting)`. */
  readonly setting: string;
}

/**
 * Stores each finished (data set, run, setting) result as its own JSON file as soon as it
 * finishes, so that a rerun continues where the last one stopped. Writes go to a temporary file
 * renamed into place, so a crash never leaves a half-written result; an unreadable file counts
 * as not done (and is redone).
 */
export class CheckpointStore<T> {
  constructor(readonly dir: string) {}

  /** The file of a key: DIR/<dataset>/run-<r>/<setting>.json with unsafe characters replaced. */
  fileOf(key: CheckpointKey): string {
    if (!Number.isInteger(key.run) || key.run < 1) throw new InvalidInputError('invalid-option', `run must be a positive integer, got ${key.run}`);
    return path.join(this.dir, safe(key.dataset), `run-${key.run}`, `${safe(key.setting)}.json`);
  }

  /** The stored result, or null when there is none (or it cannot be read). */
  async get(key: CheckpointKey): Promise<T | null> {
    try {
      const parsed = JSON.parse(await fs.readFile(this.fileOf(key), 'utf8')) as { key: CheckpointKey; result: T };
      const same = parsed.key && parsed.key.dataset === key.dataset && parsed.key.run === key.run && parsed.key.setting === key.setting;
      return same ? parsed.result : null;
    } catch {
      return null;
    }
  }

  /** Stores a result durably (temp file + rename). */
  async set(key: CheckpointKey, result: T): Promise<void> {
    const file = this.fileOf(key);
    await fs.mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await fs.writeFile(tmp, JSON.stringify({ key, result, savedAt: new Date().toISOString() }, null, 2) + '\n');
    await fs.rename(tmp, file);
  }

  /** Every stored result of a data set, in file-name order. */
  async list(dataset: string): Promise<Array<{ key: CheckpointKey; result: T }>> {
    const root = path.join(this.dir, safe(dataset));
    let runs: string[];
    try {
      runs = (await fs.readdir(root)).filter((d) => /^run-\d+$/.test(d)).sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)));
    } catch {
      return [];
    }
    const out: Array<{ key: CheckpointKey; result: T }> = [];
    for (const run of runs) {
      for (const name of (await fs.readdir(path.join(root, run))).filter((f) => f.endsWith('.json')).sort()) {
        try {
          const parsed = JSON.parse(await fs.readFile(path.join(root, run, name), 'utf8')) as { key: CheckpointKey; result: T };
          if (parsed.key && parsed.key.dataset === dataset) out.push({ key: parsed.key, result: parsed.result });
        } catch {
          // A damaged file is a unit to redo, not a reason to stop listing.
        }
      }
    }
    return out;
  }
}

function safe(text: string): string {
  return text.replace(/[^A-Za-z0-9._=+()-]/g, '_');
}
