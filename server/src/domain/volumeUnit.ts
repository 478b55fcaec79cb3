/**
 * The `volume` selection unit: volumes are chosen, then one slice inside each. A volume's
 * embedding is the mean of its candidate slices' embeddings; the cold start (eqs. 1–4) runs on
 * these, and each chosen volume gives its most typical slice (the one nearest the volume's mean
 * in the embedding space: no model exists yet to say which is most informative). An active-learning
 * round scores every candidate slice of the volumes not yet chosen, scores each volume by the mean
 * of its slices' entropies (eq. 6 over the volume), acquires volumes by S = α·D̃ + (1−α)·H̃
 * (eq. 10) with the volumes already chosen as the diversity reference, and gives each acquired
 * volume its most uncertain slice. A volume is chosen at most once: after that its other slices
 * are not candidates (the slice unit is for several slices per volume).
 */
import type { EmbeddedPool, SelectionRun } from '@scanselect/plugin';
import type { CaseSlice } from './candidatePool';

/** The volumes of a pool of slices, as the selection sees them. */
export interface VolumeView {
  /** One row per volume not yet chosen or chosen: id = the volume's key (its middle slice), embedding = the mean of its slices'. */
  readonly pool: EmbeddedPool;
  /** Key → the volume's candidate slices (not selected), in slice order. */
  readonly members: ReadonlyMap<string, readonly string[]>;
  /** Keys of the volumes a slice was already selected from. */
  readonly chosen: readonly string[];
  /** Key of a chosen volume → the slice selected from it (the first along the normal, if several). */
  readonly selectedSlice: ReadonlyMap<string, string>;
}

/**
 * The volumes of `slicePool` (slices of volumes only, as the slice unit's candidate pool gives
 * them); `selected` are the cases already selected.
 */
export function volumeView(slicePool: EmbeddedPool, slices: ReadonlyMap<string, CaseSlice>, selected: ReadonlySet<string>): VolumeView {
  const { cols, data } = slicePool.embeddings;
  const bySeries = new Map<string, Array<{ id: string; row: number; index: number }>>();
  slicePool.ids.forEach((id, row) => {
    const slice = slices.get(id);
    if (slice === undefined || slice.sliceIndex === null) return;
    const list = bySeries.get(slice.seriesUid) ?? [];
    list.push({ id, row, index: slice.sliceIndex });
    bySeries.set(slice.seriesUid, list);
  });
  const ids: string[] = [];
  const rows: Float32Array[] = [];
  const members = new Map<string, string[]>();
  const chosen: string[] = [];
  const selectedSlice = new Map<string, string>();
  for (const series of [...bySeries.keys()].sort()) {
    const list = bySeries.get(series)!.sort((a, b) => a.index - b.index);
    const key = list[Math.floor((list.length - 1) / 2)]!.id;
    const mean = new Float32Array(cols);
    for (const { row } of list) for (let c = 0; c < cols; c++) mean[c] += data[row * cols + c]! / list.length;
    ids.push(key);
    rows.push(mean);
    members.set(key, list.filter((s) => !selected.has(s.id)).map((s) => s.id));
    const taken = list.find((s) => selected.has(s.id));
    if (taken) {
      chosen.push(key);
      selectedSlice.set(key, taken.id);
    }
  }
  const out = new Float32Array(ids.length * cols);
  rows.forEach((row, i) => out.set(row, i * cols));
  return { pool: { ids, embeddings: { rows: ids.length, cols, data: out } }, members, chosen, selectedSlice };
}

/** The slice of `members` whose embedding is nearest `mean` (ties: the earlier slice). */
export function typicalSlice(slicePool: EmbeddedPool, members: readonly string[], mean: ArrayLike<number>): string {
  const { cols, data } = slicePool.embeddings;
  const rowOf = new Map(slicePool.ids.map((id, row) => [id, row]));
  let best = members[0]!;
  let bestDistance = Infinity;
  for (const id of members) {
    const row = rowOf.get(id)!;
    let d = 0;
    for (let c = 0; c < cols; c++) d += (data[row * cols + c]! - mean[c]!) ** 2;
    if (d < bestDistance) {
      bestDistance = d;
      best = id;
    }
  }
  return best;
}

/** A volume's entropy: the mean of its slices' (eq. 6 over the volume). */
export function volumeEntropy(members: readonly string[], entropy: ReadonlyMap<string, number>): number {
  return members.reduce((sum, id) => sum + entropy.get(id)!, 0) / members.length;
}

/** The slice with the highest entropy (ties: the earlier slice). */
export function mostUncertainSlice(members: readonly string[], entropy: ReadonlyMap<string, number>): string {
  return members.reduce((best, id) => (entropy.get(id)! > entropy.get(best)! ? id : best), members[0]!);
}

/**
 * `run` with each volume chosen now replaced by the slice chosen in it; and the map's ids likewise,
 * with the volumes chosen in earlier rounds (`before`) shown by the slice selected from them then.
 */
export function withChosenSlices(
  run: SelectionRun, mapIds: readonly string[], sliceOf: ReadonlyMap<string, string>, before: ReadonlyMap<string, string> = new Map(),
): { run: SelectionRun; mapIds: string[] } {
  const selected = run.report.selected.map((entry) => ({ ...entry, id: sliceOf.get(entry.id)! }));
  return { run: { ...run, report: { ...run.report, selected } }, mapIds: mapIds.map((id) => sliceOf.get(id) ?? before.get(id) ?? id) };
}
