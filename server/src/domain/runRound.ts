import type { SqlExecutor } from '../db/sqlClient';
import {
  predictBatch,
  writeGrayPng,
  runAcquisition,
  runColdStart,
  trainSegmentation,
  type EmbeddedPool,
  type SelectionRun,
  type TrainedModel,
} from '@scanselect/plugin';
import { conflict } from '../appError';
import type { Project } from '../projects/projectStore';
import type { ImageSource } from '../pacs/source';
import type { MaskStore } from '../masks/maskStore';
import { priorityOfRank, type NewItem, type Round, type RoundReport, type RoundStore } from '../rounds/roundStore';
import { artifactKeys } from '../storage/artifactKeys';
import type { ArtifactStore } from '../storage/artifactStore';
import { putModel } from '../storage/storedModel';
import { candidatePool, type CaseSlice } from './candidatePool';
import type { PoolAccess } from './poolAccess';
import { withoutIds } from './poolFilter';
import { roundAlpha, type RoundAlpha } from './roundAlpha';
import { mostUncertainSlice, typicalSlice, volumeEntropy, volumeView, withChosenSlices } from './volumeUnit';

/** What a round needs around the engine. */
export interface RoundDeps {
  readonly rounds: RoundStore;
  readonly masks: MaskStore;
  readonly pool: PoolAccess;
  /** Where the round's model, entropy maps and predictions go, for every replica and worker to read. */
  readonly artifacts: ArtifactStore;
  /** Called with the new round once it is stored (e.g. to push the worklist to the PACS). */
  readonly onRound?: (project: Project, round: Round, tx: SqlExecutor) => Promise<void>;
}

/** One run of a round job. */
export interface RoundRequest {
  readonly project: Project;
  readonly source: ImageSource;
  readonly jobId: number | null;
  readonly signal?: AbortSignal;
  readonly onProgress?: (fraction: number, stage: string) => void;
}

/** Images predicted per chunk (their inputs are loaded per chunk, bounding memory). */
const PREDICT_CHUNK = 32;

/**
 * A selection round (method paper, section 3): the cold start (eqs. 1–4) while nothing is
 * labelled, otherwise train an Attention U-Net from scratch on the labelled set → predict every
 * case not yet selected → entropy (eqs. 5–7) → acquisition by S = α·D̃ + (1−α)·H̃ (eqs. 8–10).
 * Never selects beyond the remaining budget nor a case selected before. Validation cases are
 * taken out of the pool first: never trained on, never candidates, not in the map's diversity
 * reference, not in the budget. The project's selection unit (candidatePool.ts) then decides the
 * candidates — every image, or the slices of its volumes — and the per-volume cap both selections
 * keep to. Idempotent per job: a job replayed after a crash that had already stored its round
 * returns that round.
 */
export async function runRound(deps: RoundDeps, request: RoundRequest): Promise<Round> {
  const { project, jobId } = request;
  const existing = (await deps.rounds.list(project.id)).find((r) => jobId !== null && r.jobId === jobId);
  if (existing) return existing;
  const settings = project.settings;
  const validation = new Set(await deps.rounds.validationIds(project.id));
  const pool = withoutIds(await deps.pool.pool(project.id, settings.encoder.id), validation);
  const selected = await deps.rounds.selectedIds(project.id);
  const remaining = settings.budget.total - selected.length;
  if (remaining <= 0) throw conflict('budget-exhausted', `project "${project.name}" has used its whole budget of ${settings.budget.total} cases`);
  if (pool.ids.length === 0) throw conflict('empty-pool', `project "${project.name}" has no embedded images yet: run a sync first`);
  const poolIds = new Set(pool.ids);
  // Masks of the selected cases only: a validation case's mask is what round models are scored on.
  const labelled = (await deps.masks.list(project.id)).filter((m) => poolIds.has(m.sopUid) && !validation.has(m.sopUid));
  const report = (fraction: number, stage: string): void => request.onProgress?.(fraction, stage);
  // The selection unit's candidates (image, or slices of volumes) and its per-volume cap.
  const slices = await deps.pool.slices(project.id);
  const unit = candidatePool(pool, slices, settings.selection, new Set(selected));
  if (unit.pool.ids.length === 0) {
    throw conflict('no-volumes', `project "${project.name}" selects slices of volumes, and none of its synced series forms a volume (see the sync status)`);
  }
  const cap = unit.maxPerGroup === undefined ? {} : { groups: unit.groups, maxPerGroup: unit.maxPerGroup };

  if (settings.selection.unit === 'volume') return volumeRound(deps, request, unit.pool, slices, new Set(selected), labelled, remaining, unit.notes);

  if (selected.length === 0) {
    const count = Math.min(settings.budget.coldStart, remaining, unit.pool.ids.length);
    report(0.05, 'cold start: projection and clustering');
    const run = await runColdStart(unit.pool, { budget: count, seed: settings.seed, projection: settings.projection, ...cap, onProgress: (e) => report(0.05 + 0.9 * e.fraction, `cold start: ${e.stage}`) });
    return store(deps, request, 'coldstart', run, unit.pool.ids, { strategy: run.report.strategy, poolSize: unit.pool.ids.length, k: run.report.k, notes: [...unit.notes, ...run.report.notes] }, null);
  }
  if (labelled.length === 0) throw conflict('no-masks', `no masks yet for project "${project.name}": label cases of the worklist first`);
  const taken = new Set(selected);
  const candidates = unit.pool.ids.filter((id) => !taken.has(id));
  const count = Math.min(settings.budget.perRound, remaining, candidates.length);
  if (count === 0) throw conflict('pool-exhausted', `every case of project "${project.name}" has been selected`);

  const trained = await train(deps, request, labelled.map((m) => ({ sopUid: m.sopUid, labelFile: m.labelFile })), report);
  try {
    const entropy = await predictEntropy(deps, request, trained, candidates, report);
    report(0.9, 'acquisition');
    const alpha = await roundAlpha(deps, project);
    const run = await runAcquisition(unit.pool, { entropy: entropy.means, labelled: selected, count, alpha: alpha.alpha, seed: settings.seed, projection: settings.projection, ...cap });
    const modelKey = await storeRoundArtifacts(deps, project, trained, run, entropy);
    const training = { images: labelled.length, epochs: trained.epochs, finalLoss: trained.finalLoss, seconds: trained.seconds, backend: trained.backend };
    return store(deps, request, 'active', run, unit.pool.ids, { strategy: run.report.strategy, poolSize: unit.pool.ids.length, k: null, notes: [...unit.notes, ...notesOf(alpha), ...run.report.notes], training }, modelKey);
  } finally {
    trained.dispose();
  }
}

/**
 * A round of the `volume` unit (volumeUnit.ts): volumes are chosen — by the cold start on their
 * mean embeddings, or by eq. (10) on their mean slice entropy — and each gives one slice.
 */
async function volumeRound(
  deps: RoundDeps, request: RoundRequest, slicePool: EmbeddedPool, slices: Map<string, CaseSlice>, selected: ReadonlySet<string>,
  labelled: ReadonlyArray<{ sopUid: string; labelFile: string }>, remaining: number, notes: readonly string[],
): Promise<Round> {
  const { project } = request;
  const settings = project.settings;
  const report = (fraction: number, stage: string): void => request.onProgress?.(fraction, stage);
  const view = volumeView(slicePool, slices, selected);
  const open = view.pool.ids.filter((key) => !view.chosen.includes(key) && view.members.get(key)!.length > 0);
  const unitNotes = [...notes, `selection unit volume: ${view.pool.ids.length} volume(s), ${open.length} not chosen yet`];
  if (selected.size === 0) {
    const count = Math.min(settings.budget.coldStart, remaining, open.length);
    report(0.05, 'cold start on the volumes: projection and clustering');
    const run = await runColdStart(view.pool, { budget: count, seed: settings.seed, projection: settings.projection, onProgress: (e) => report(0.05 + 0.9 * e.fraction, `cold start: ${e.stage}`) });
    const { cols, data } = view.pool.embeddings;
    const sliceOf = new Map(run.report.selected.map((e) => {
      const row = view.pool.ids.indexOf(e.id);
      return [e.id, typicalSlice(slicePool, view.members.get(e.id)!, data.subarray(row * cols, (row + 1) * cols))];
    }));
    const chosen = withChosenSlices(run, view.pool.ids, sliceOf);
    return store(deps, request, 'coldstart', chosen.run, chosen.mapIds, { strategy: run.report.strategy, poolSize: view.pool.ids.length, k: run.report.k, notes: [...unitNotes, ...run.report.notes] }, null);
  }
  if (labelled.length === 0) throw conflict('no-masks', `no masks yet for project "${project.name}": label cases of the worklist first`);
  const count = Math.min(settings.budget.perRound, remaining, open.length);
  if (count === 0) throw conflict('pool-exhausted', `every volume of project "${project.name}" has given a slice (the slice unit selects several per volume)`);
  const trained = await train(deps, request, labelled.map((m) => ({ sopUid: m.sopUid, labelFile: m.labelFile })), report);
  try {
    const entropy = await predictEntropy(deps, request, trained, open.flatMap((key) => view.members.get(key)!), report);
    report(0.9, 'acquisition of volumes');
    const byVolume = new Map(open.map((key) => [key, volumeEntropy(view.members.get(key)!, entropy.means)]));
    const alpha = await roundAlpha(deps, project);
    const run = await runAcquisition(view.pool, { entropy: byVolume, labelled: view.chosen, count, alpha: alpha.alpha, seed: settings.seed, projection: settings.projection });
    const sliceOf = new Map(run.report.selected.map((e) => [e.id, mostUncertainSlice(view.members.get(e.id)!, entropy.means)]));
    const chosen = withChosenSlices(run, view.pool.ids, sliceOf, view.selectedSlice);
    const modelKey = await storeRoundArtifacts(deps, project, trained, chosen.run, entropy);
    const training = { images: labelled.length, epochs: trained.epochs, finalLoss: trained.finalLoss, seconds: trained.seconds, backend: trained.backend };
    return store(deps, request, 'active', chosen.run, chosen.mapIds, { strategy: run.report.strategy, poolSize: view.pool.ids.length, k: null, notes: [...unitNotes, ...notesOf(alpha), ...run.report.notes], training }, modelKey);
  } finally {
    trained.dispose();
  }
}

/** The round's model, and each selected case's entropy map and predicted mask; stored before the round that names them. */
async function storeRoundArtifacts(deps: RoundDeps, project: RoundRequest['project'], trained: TrainedModel, run: SelectionRun, entropy: Awaited<ReturnType<typeof predictEntropy>>): Promise<string> {
  const number = ((await deps.rounds.latest(project.id))?.number ?? -1) + 1;
  // A crash in between leaves keys a rerun of the job overwrites.
  const modelKey = artifactKeys.model(project.id, number);
  await putModel(deps.artifacts, modelKey, trained);
  const size = project.settings.model.inputSize;
  for (const entry of run.report.selected) {
    await deps.artifacts.put(artifactKeys.entropy(project.id, number, entry.id), bytesOf(entropy.maps.get(entry.id)!));
    // The model's mask, for a radiologist who wants to start from it rather than from nothing.
    await deps.artifacts.put(artifactKeys.prediction(project.id, number, entry.id), writeGrayPng(entropy.predicted.get(entry.id)!, size, size));
  }
  return modelKey;
}

async function train(deps: RoundDeps, request: RoundRequest, labelled: Array<{ sopUid: string; labelFile: string }>, report: (f: number, s: string) => void): Promise<TrainedModel> {
  const { project, source } = request;
  const { model, classes } = { model: project.settings.model, classes: project.settings.classes.length + 1 };
  report(0.02, `loading ${labelled.length} labelled images`);
  const images: Float32Array[] = [];
  const masks: Uint8Array[] = [];
  for (const item of labelled) {
    images.push(await deps.pool.modelInput(project.id, source, item.sopUid, model.inputSize));
    masks.push(await deps.pool.labelMap(item.labelFile, model.inputSize));
  }
  return trainSegmentation({ images, masks, size: model.inputSize }, {
    classes, epochs: model.epochs, batchSize: model.batchSize, learningRate: model.learningRate, seed: project.settings.seed, depth: model.depth,
    baseChannels: model.baseChannels, dropout: model.dropout, signal: request.signal, ids: labelled.map((l) => l.sopUid),
    onProgress: (p) => report(0.05 + 0.6 * (p.epoch / p.epochs), `training: epoch ${p.epoch}/${p.epochs}, loss ${p.loss.toFixed(4)}`),
  });
}

async function predictEntropy(deps: RoundDeps, request: RoundRequest, trained: TrainedModel, candidates: readonly string[], report: (f: number, s: string) => void) {
  const { project, source } = request;
  const size = project.settings.model.inputSize;
  const means = new Map<string, number>();
  const maps = new Map<string, Float32Array>();
  const predicted = new Map<string, Uint8Array>();
  for (let start = 0; start < candidates.length; start += PREDICT_CHUNK) {
    if (request.signal?.aborted) throw request.signal.reason instanceof Error ? request.signal.reason : new Error('aborted');
    const ids = candidates.slice(start, start + PREDICT_CHUNK);
    const inputs: Float32Array[] = [];
    for (const id of ids) inputs.push(await deps.pool.modelInput(project.id, source, id, size));
    predictBatch(trained.model, inputs, size).forEach((p, i) => {
      means.set(ids[i]!, p.meanEntropy); // eq. (6)
      maps.set(ids[i]!, p.entropyMap); // eq. (5)
      predicted.set(ids[i]!, p.mask);
    });
    report(0.65 + 0.25 * Math.min(1, (start + ids.length) / candidates.length), `predicting the pool: ${Math.min(candidates.length, start + ids.length)}/${candidates.length}`);
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  return { means, maps, predicted };
}

/** Stores the round; `poolIds` are the map's rows in order; `modelKey` the folder key of its model. */
function store(deps: RoundDeps, request: RoundRequest, kind: Round['kind'], run: SelectionRun, poolIds: readonly string[], report: RoundReport, modelKey: string | null): Promise<Round> {
  // A job cancelled while it chose (the cold start does not look at the signal) stores nothing.
  if (request.signal?.aborted) return Promise.reject(request.signal.reason instanceof Error ? request.signal.reason : new Error('aborted'));
  const selected = run.report.selected;
  const items: NewItem[] = selected.map((s) => ({
    sopUid: s.id, rank: s.rank, priority: priorityOfRank(s.rank, selected.length), reason: s.reason, cluster: s.cluster,
    entropy: s.entropy ?? null, diversity: s.diversity ?? null, score: s.score ?? null, x: s.x, y: s.y,
  }));
  const onRound = deps.onRound;
  return deps.rounds.insert({
    projectId: request.project.id, kind, jobId: request.jobId, alpha: kind === 'active' ? (run.report.alpha ?? null) : null, report,
    mapIds: poolIds, map: Float32Array.from(run.map.data), modelDir: modelKey, items,
  }, onRound ? (round, tx) => onRound(request.project, round, tx) : undefined);
}

function notesOf(alpha: RoundAlpha): string[] {
  return alpha.note === null ? [] : [alpha.note];
}

function bytesOf(values: Float32Array): Uint8Array {
  return new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
}
