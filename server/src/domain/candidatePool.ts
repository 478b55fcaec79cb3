/**
 * Which synced cases a round selects from, by the project's selection unit (projectConfig.ts,
 * `selection`): every image, or the slices of the project's volumes (all, or one every k mm), and
 * the groups a per-volume cap counts in. Cases already selected stay in the pool whatever the unit
 * (the acquisition measures diversity against them).
 */
import type { EmbeddedPool } from '@scanselect/plugin';
import type { SelectionSettings } from '../projects/projectConfig';
import { withoutIds } from './poolFilter';

/** Where a synced case lies: its series, and its place in the series' volume (null: not a slice of one). */
export interface CaseSlice {
  readonly seriesUid: string;
  readonly sliceIndex: number | null;
  readonly offsetMm: number | null;
}

/** The pool a round selects from, and the per-volume cap to keep. */
export interface CandidatePool {
  readonly pool: EmbeddedPool;
  /** The volume (series) of each pool id, in pool order, when a cap applies. */
  readonly groups?: readonly string[];
  readonly maxPerGroup?: number;
  /** What the unit left out, in words (for the round's notes). */
  readonly notes: readonly string[];
}

/** Slices closer than this to the next multiple of the spacing still count as on it. */
const SPACING_TOLERANCE_MM = 1e-3;

/**
 * The candidate pool of `selection` over `pool`. `slices` describes every pool id (an id it does
 * not know counts as an image outside any volume); `keep` are ids that stay whatever the unit.
 */
export function candidatePool(pool: EmbeddedPool, slices: ReadonlyMap<string, CaseSlice>, selection: SelectionSettings, keep: ReadonlySet<string>): CandidatePool {
  const notes: string[] = [];
  let out = pool;
  if (selection.unit === 'slice' || selection.unit === 'volume') {
    const drop = new Set<string>();
    let images = 0;
    let skipped = 0;
    const spaced = selection.sliceSpacingMm === null ? null : everyKMm(pool.ids, slices, selection.sliceSpacingMm);
    for (const id of pool.ids) {
      if (keep.has(id)) continue;
      const slice = slices.get(id);
      if (slice?.sliceIndex === null || slice === undefined) {
        drop.add(id);
        images++;
      } else if (spaced !== null && !spaced.has(id)) {
        drop.add(id);
        skipped++;
      }
    }
    if (images > 0) notes.push(`selection unit ${selection.unit}: ${images} image(s) that are not slices of a volume left out`);
    if (skipped > 0) notes.push(`one slice every ${selection.sliceSpacingMm} mm: ${skipped} slice(s) in between left out`);
    out = withoutIds(pool, drop);
  }
  if (selection.maxPerVolume === null) return { pool: out, notes };
  // Images outside any volume are each their own group (a series of radiographs is not one patient's volume).
  const groups = out.ids.map((id) => {
    const slice = slices.get(id);
    return slice !== undefined && slice.sliceIndex !== null ? `series:${slice.seriesUid}` : `image:${id}`;
  });
  return { pool: out, groups, maxPerGroup: selection.maxPerVolume, notes };
}

/**
 * Per volume, the slices at the first slice and then every `spacingMm` along the normal: walking
 * in order, a slice is kept when it lies at least `spacingMm` beyond the last kept one.
 */
function everyKMm(ids: readonly string[], slices: ReadonlyMap<string, CaseSlice>, spacingMm: number): Set<string> {
  const bySeries = new Map<string, Array<{ id: string; offset: number }>>();
  for (const id of ids) {
    const slice = slices.get(id);
    if (slice === undefined || slice.sliceIndex === null || slice.offsetMm === null) continue;
    const list = bySeries.get(slice.seriesUid) ?? [];
    list.push({ id, offset: slice.offsetMm });
    bySeries.set(slice.seriesUid, list);
  }
  const kept = new Set<string>();
  for (const list of bySeries.values()) {
    list.sort((a, b) => a.offset - b.offset);
    let last = -Infinity;
    for (const { id, offset } of list) {
      if (offset - last >= spacingMm - SPACING_TOLERANCE_MM) {
        kept.add(id);
        last = offset;
      }
    }
  }
  return kept;
}
