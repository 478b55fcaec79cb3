import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ArtifactStore } from './artifactStore';

/** The files of a saved self-supervised encoder, in the order they are written (metadata last: its presence means complete). */
const FILES = ['weights.bin', 'model.json', 'metadata.json'] as const;

/** A site encoder's name: `site-<project>-<12 hex digits of its pool and options>`. */
export const SITE_ENCODER_NAME = /^site-\d+-[0-9a-f]{12}$/;

/**
 * Site-trained encoders (issue 17) as the service keeps them: in the artefact store, under
 * `encoders/<name>/`, so that every worker of a cluster can read them, and copied on demand into
 * `<localDir>/<name>/` — the weights directory the `self-supervised` encoder factory reads, on
 * this machine. A name is tied to the pool and options it was trained on, so the same training is
 * never done twice (the per-pool cache) and a project that names it always gets the same weights.
 */
export class SiteEncoderStore {
  constructor(private readonly artifacts: ArtifactStore, private readonly localDir: string) {}

  /** Whether a complete encoder of that name is stored. */
  async has(name: string): Promise<boolean> {
    return SITE_ENCODER_NAME.test(name) && (await this.artifacts.exists(`encoders/${name}/metadata.json`));
  }

  /** Names of the complete stored encoders, sorted. */
  async names(): Promise<string[]> {
    const keys = await this.artifacts.list('encoders');
    return keys.flatMap((k) => {
      const m = /^encoders\/([^/]+)\/metadata\.json$/.exec(k);
      return m && SITE_ENCODER_NAME.test(m[1]!) ? [m[1]!] : [];
    });
  }

  /** The stored metadata.json of `name`, parsed. */
  async metadata(name: string): Promise<Record<string, unknown>> {
    return JSON.parse((await this.artifacts.get(`encoders/${name}/metadata.json`)).toString('utf8')) as Record<string, unknown>;
  }

  /** Stores the weights directory `dir` (as saveSelfSupervisedEncoder writes it) under `name`. */
  async put(name: string, dir: string): Promise<void> {
    if (!SITE_ENCODER_NAME.test(name)) throw new Error(`not a site encoder name: ${name}`);
    for (const file of FILES) await this.artifacts.put(`encoders/${name}/${file}`, await fs.readFile(path.join(dir, file)));
  }

  /**
   * The local weights directory of `name`, copied from the artefact store the first time. Each
   * file goes to a temporary name and is renamed, metadata last, so a crash mid-copy leaves a
   * directory the next call completes, never one that loads half-written.
   */
  async localPath(name: string): Promise<string> {
    if (!SITE_ENCODER_NAME.test(name)) throw new Error(`not a site encoder name: ${name}`);
    const dir = path.join(this.localDir, name);
    if (await fs.stat(path.join(dir, 'metadata.json')).then(() => true, () => false)) return dir;
    await fs.mkdir(dir, { recursive: true });
    for (const file of FILES) {
      const temporary = path.join(dir, `.${file}.${randomUUID()}`);
      await fs.writeFile(temporary, await this.artifacts.get(`encoders/${name}/${file}`));
      await fs.rename(temporary, path.join(dir, file));
    }
    return dir;
  }
}
