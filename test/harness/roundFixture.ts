/**
 * A project's stores on a test database, with a small synthetic pool, for unit tests of the round
 * use cases without a server: instances with embeddings (three clusters), their model inputs
 * already in the pixel cache (the source is never read) and a label map per case in the artefact
 * store, which `label` turns into an accepted mask. Every model input and label map a use case
 * reads is recorded.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { clusteredEmbeddings, createRng, writeGrayPng } from '@scanselect/plugin';
import { AuditLog } from '../../server/src/audit/auditLog';
import type { ServerContext } from '../../server/src/domain/context';
import { PoolAccess } from '../../server/src/domain/poolAccess';
import type { RoundDeps } from '../../server/src/domain/runRound';
import { validator } from '../../server/src/http/validate';
import { JobStore } from '../../server/src/jobs/jobStore';
import { MaskStore } from '../../server/src/masks/maskStore';
import type { ImageSource } from '../../server/src/pacs/source';
import { PROJECT_SETTINGS_SCHEMA, type ProjectSettings } from '../../server/src/projects/projectConfig';
import { ProjectStore, type Project } from '../../server/src/projects/projectStore';
import { MetricsStore } from '../../server/src/rounds/metricsStore';
import { RoundStore } from '../../server/src/rounds/roundStore';
import { artifactKeys } from '../../server/src/storage/artifactKeys';
import { FileArtifactStore } from '../../server/src/storage/fileArtifactStore';
import { PixelCache } from '../../server/src/storage/pixelCache';
import { openTestSqlClient } from './testDatabase';

/** Side of the synthetic model inputs and label maps. */
export const FIXTURE_SIZE = 32;

export interface RoundFixture {
  /** The stores and the pool (no job queue, no sources: the use cases that need only these). */
  readonly ctx: ServerContext;
  readonly project: Project;
  /** The pool's SOP Instance UIDs, in the order they were written. */
  readonly ids: readonly string[];
  /** A source that must not be read (every input is cached). */
  readonly source: ImageSource;
  /** What was read: the ids of model inputs, the keys of label maps. */
  readonly reads: { modelInput: string[]; labelMap: string[] };
  /** What `runRound` needs, reading through the recording pool. */
  readonly roundDeps: RoundDeps;
  /** Submits the case's label map as its mask (as `submitMask` records it) and marks it labelled. */
  label(sopUid: string): Promise<string>;
  dispose(): Promise<void>;
}

/** Opens a fixture of `count` cases; `settings` overrides the project's (budget, seed …). */
export async function openRoundFixture(count: number, settings: Record<string, unknown> = {}): Promise<RoundFixture> {
  const { sql, dispose } = await openTestSqlClient();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'scanselect-rounds-'));
  const artifacts = new FileArtifactStore(path.join(dir, 'artifacts'));
  const cache = new PixelCache(path.join(dir, 'cache'), 64 * 1024 * 1024);
  const realPool = new PoolAccess(sql, artifacts, cache);
  const reads = { modelInput: [] as string[], labelMap: [] as string[] };
  const pool = Object.assign(Object.create(realPool) as PoolAccess, {
    modelInput: (projectId: number, source: ImageSource, sopUid: string, size: number) => {
      reads.modelInput.push(sopUid);
      return realPool.modelInput(projectId, source, sopUid, size);
    },
    labelMap: (key: string, size: number) => {
      reads.labelMap.push(key);
      return realPool.labelMap(key, size);
    },
  });
  const projects = new ProjectStore(sql);
  const rounds = new RoundStore(sql);
  const masks = new MaskStore(sql);
  const ctx = {
    sql, artifacts, projects, rounds, masks, pool, metrics: new MetricsStore(sql), jobs: new JobStore(sql), audit: new AuditLog(sql), now: () => new Date(),
  } as unknown as ServerContext;
  const base = {
    source: 'synthetic', classes: ['lung'], projection: 'pca', seed: 42, budget: { coldStart: 6, perRound: 3, total: 12 }, autoRetrainQuota: 0,
    model: { inputSize: FIXTURE_SIZE, epochs: 1, depth: 2, baseChannels: 2, batchSize: 4 },
  };
  const project = await projects.create('fixture', validator<ProjectSettings>(PROJECT_SETTINGS_SCHEMA)({ ...base, ...settings }));
  const synthetic = clusteredEmbeddings({ n: count, dimensions: 4, clusters: 3, idPrefix: 'x' }, createRng(11));
  const ids = synthetic.ids.map((_id, i) => `1.2.826.0.1.3680043.10.1.${i + 1}`);
  const rng = createRng(5);
  for (let i = 0; i < count; i++) {
    const row = synthetic.embeddings.data.slice(i * 4, i * 4 + 4);
    const embedding = Buffer.from(Float32Array.from(row).buffer);
    await sql.run(`INSERT INTO instances (project_id, sop_uid, study_uid, series_uid, status, encoder, embedding, synced_at)
      VALUES (@projectId, @sopUid, @studyUid, @seriesUid, 'embedded', @encoder, @embedding, @at)`,
    { projectId: project.id, sopUid: ids[i]!, studyUid: `${ids[i]}.1`, seriesUid: `${ids[i]}.2`, encoder: project.settings.encoder.id, embedding, at: new Date().toISOString() });
    // A bright disc of random centre on a dark background; the disc is the class.
    const cx = 8 + rng.nextInt(16);
    const cy = 8 + rng.nextInt(16);
    const input = new Float32Array(FIXTURE_SIZE * FIXTURE_SIZE);
    const labels = new Uint8Array(FIXTURE_SIZE * FIXTURE_SIZE);
    for (let y = 0; y < FIXTURE_SIZE; y++) {
      for (let x = 0; x < FIXTURE_SIZE; x++) {
        const inside = (x - cx) ** 2 + (y - cy) ** 2 <= 36;
        input[y * FIXTURE_SIZE + x] = (inside ? 1 : -1) + 0.1 * rng.nextGaussian();
        labels[y * FIXTURE_SIZE + x] = inside ? 1 : 0;
      }
    }
    await cache.put({ projectId: project.id, sopUid: ids[i]!, size: FIXTURE_SIZE }, input);
    await artifacts.put(artifactKeys.mask(project.id, ids[i]!, 'truth', 'png'), writeGrayPng(labels, FIXTURE_SIZE, FIXTURE_SIZE));
  }
  const source = { retrieve: () => Promise.reject(new Error('the fixture\'s source is never read')) } as unknown as ImageSource;
  return {
    ctx, project, ids, source, reads,
    roundDeps: { rounds, masks, pool, artifacts },
    label: async (sopUid) => {
      const labelFile = artifactKeys.mask(project.id, sopUid, 'truth', 'png');
      const item = await rounds.item(project.id, sopUid);
      const round = (await rounds.round(project.id, item.round))!;
      await masks.put({ projectId: project.id, sopUid, roundId: round.id, format: 'png', labelFile, segFile: null, segSopUid: null, submittedBy: 'tester', createdAt: new Date().toISOString() });
      await rounds.markLabelled(project.id, sopUid);
      return labelFile;
    },
    dispose: async () => {
      await dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
