/**
 * The geometry of a series of single-frame slices: whether they form one volume, and in which order.
 *
 * DICOM gives each slice its Image Position (Patient) — the centre of its first pixel, in mm — and
 * Image Orientation (Patient) — the row and column direction cosines. The slices of one volume
 * share the orientation (and the frame of reference and the matrix size); their order is their
 * position projected on the normal n = row × column, not their Instance Number, which many
 * scanners and exports get wrong. This module checks that and measures the spacing.
 *
 * What is tolerated, and what is refused with a reason:
 * - orientation: every slice's cosines within {@link ORIENTATION_TOLERANCE} of the first one's
 *   (and each vector of unit length, the two orthogonal, to the same tolerance); else
 *   `mixed-orientation` / `invalid-orientation`;
 * - positions along n: two slices closer than {@link DUPLICATE_TOLERANCE_MM} are `duplicate-position`
 *   (several acquisitions or time points in one series, which are not one volume);
 * - spacing: the median gap between neighbours is the slice spacing; a gap larger than
 *   {@link GAP_FACTOR} × the median is a `gap` (a missing slice, or two stacks); unequal gaps within
 *   that bound are accepted and reported (`uniform: false`, largest relative deviation);
 * - an in-plane shift of successive slices (gantry tilt) is accepted and reported (`tiltMm`);
 * - matrix size and frame of reference must agree (`mixed-size`, `mixed-frame-of-reference`);
 *   a slice without position or orientation is `missing-geometry`.
 * A single slice is a volume of one slice with no spacing.
 */

/** What one slice contributes (from its DICOM header). */
export interface SliceGeometry {
  /** The caller's key for the slice (e.g. its SOP Instance UID). */
  readonly id: string;
  /** Image Position (Patient), mm; null when absent. */
  readonly position: readonly number[] | null;
  /** Image Orientation (Patient): row cosines then column cosines; null when absent. */
  readonly orientation: readonly number[] | null;
  readonly rows: number;
  readonly columns: number;
  /** Frame of Reference UID, when present. */
  readonly frameOfReference?: string | null;
}

/** Why slices do not form one volume. */
export type SeriesGeometryProblem =
  | 'empty' | 'missing-geometry' | 'invalid-orientation' | 'mixed-orientation' | 'mixed-size'
  | 'mixed-frame-of-reference' | 'duplicate-position' | 'gap';

/** A volume: the slices in order along the normal, and how regular they are. */
export interface SeriesVolume {
  readonly ok: true;
  /** Slice ids ordered by position along the normal (ascending). */
  readonly order: readonly string[];
  /** Position of each ordered slice along the normal, mm, relative to the first. */
  readonly offsetsMm: readonly number[];
  /** Unit normal (row × column cosines). */
  readonly normal: readonly [number, number, number];
  /** Median distance between neighbouring slices, mm (null for one slice). */
  readonly spacingMm: number | null;
  /** Whether every gap is within {@link SPACING_UNIFORMITY} of the median. */
  readonly uniform: boolean;
  /** Largest |gap − median| / median (0 for fewer than 3 slices). */
  readonly maxSpacingDeviation: number;
  /** Largest in-plane distance of a slice's position from the first slice's normal line, mm. */
  readonly tiltMm: number;
}

/** Slices that are not one volume, and why. */
export interface SeriesGeometryRefusal {
  readonly ok: false;
  readonly problem: SeriesGeometryProblem;
  /** A sentence naming the slices involved and the numbers. */
  readonly message: string;
}

/** Largest difference between direction cosines still read as the same orientation. */
export const ORIENTATION_TOLERANCE = 1e-3;
/** Two slices closer than this along the normal are the same position. */
export const DUPLICATE_TOLERANCE_MM = 1e-3;
/** A gap larger than this many median spacings is a missing slice (or two stacks). */
export const GAP_FACTOR = 1.5;
/** Gaps within this fraction of the median count as uniform spacing. */
export const SPACING_UNIFORMITY = 0.01;

const refuse = (problem: SeriesGeometryProblem, message: string): SeriesGeometryRefusal => ({ ok: false, problem, message });

function finiteVector(v: readonly number[] | null, length: number): v is readonly number[] {
  return v !== null && v.length === length && v.every((x) => typeof x === 'number' && Number.isFinite(x));
}

function normalOf(o: readonly number[]): [number, number, number] | null {
  const r = [o[0]!, o[1]!, o[2]!];
  const c = [o[3]!, o[4]!, o[5]!];
  const dot = r[0]! * c[0]! + r[1]! * c[1]! + r[2]! * c[2]!;
  const lr = Math.hypot(r[0]!, r[1]!, r[2]!);
  const lc = Math.hypot(c[0]!, c[1]!, c[2]!);
  if (Math.abs(lr - 1) > ORIENTATION_TOLERANCE || Math.abs(lc - 1) > ORIENTATION_TOLERANCE || Math.abs(dot) > ORIENTATION_TOLERANCE) return null;
  const n: [number, number, number] = [r[1]! * c[2]! - r[2]! * c[1]!, r[2]! * c[0]! - r[0]! * c[2]!, r[0]! * c[1]! - r[1]! * c[0]!];
  const ln = Math.hypot(...n);
  return [n[0] / ln, n[1] / ln, n[2] / ln];
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Orders `slices` into one volume, or says why they are not one. */
export function seriesGeometry(slices: readonly SliceGeometry[]): SeriesVolume | SeriesGeometryRefusal {
  if (slices.length === 0) return refuse('empty', 'the series has no slices');
  for (const s of slices) {
    if (!finiteVector(s.position, 3) || !finiteVector(s.orientation, 6)) {
      return refuse('missing-geometry', `slice ${s.id} has no valid Image Position (Patient) or Image Orientation (Patient)`);
    }
  }
  const first = slices[0]!;
  const normal = normalOf(first.orientation!);
  if (normal === null) return refuse('invalid-orientation', `slice ${first.id}: the orientation cosines are not two orthogonal unit vectors`);
  for (const s of slices) {
    const diff = Math.max(...s.orientation!.map((v, i) => Math.abs(v - first.orientation![i]!)));
    if (diff > ORIENTATION_TOLERANCE) {
      return refuse('mixed-orientation', `slice ${s.id} is oriented differently from slice ${first.id} (cosines differ by up to ${diff.toFixed(4)})`);
    }
    if (s.rows !== first.rows || s.columns !== first.columns) {
      return refuse('mixed-size', `slice ${s.id} is ${s.columns}×${s.rows}, slice ${first.id} is ${first.columns}×${first.rows}`);
    }
    if ((s.frameOfReference ?? null) !== (first.frameOfReference ?? null)) {
      return refuse('mixed-frame-of-reference', `slices ${first.id} and ${s.id} have different frames of reference`);
    }
  }
  const p0 = first.position!;
  const along = slices.map((s) => {
    const d = [s.position![0]! - p0[0]!, s.position![1]! - p0[1]!, s.position![2]! - p0[2]!];
    const t = d[0]! * normal[0] + d[1]! * normal[1] + d[2]! * normal[2];
    const inPlane = Math.hypot(d[0]! - t * normal[0], d[1]! - t * normal[1], d[2]! - t * normal[2]);
    return { id: s.id, t, inPlane };
  });
  along.sort((a, b) => a.t - b.t || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const gaps: number[] = [];
  for (let i = 1; i < along.length; i++) {
    const gap = along[i]!.t - along[i - 1]!.t;
    if (gap < DUPLICATE_TOLERANCE_MM) {
      return refuse('duplicate-position', `slices ${along[i - 1]!.id} and ${along[i]!.id} are at the same position (${gap.toFixed(4)} mm apart): several acquisitions in one series are not one volume`);
    }
    gaps.push(gap);
  }
  const spacing = gaps.length > 0 ? median(gaps) : null;
  let maxDeviation = 0;
  if (spacing !== null) {
    for (let i = 0; i < gaps.length; i++) {
      if (gaps[i]! > GAP_FACTOR * spacing) {
        return refuse('gap', `a gap of ${gaps[i]!.toFixed(2)} mm between slices ${along[i]!.id} and ${along[i + 1]!.id}, against a spacing of ${spacing.toFixed(2)} mm (more than ${GAP_FACTOR}×): a slice is missing or the series holds two stacks`);
      }
      maxDeviation = Math.max(maxDeviation, Math.abs(gaps[i]! - spacing) / spacing);
    }
  }
  const t0 = along[0]!.t;
  return {
    ok: true,
    order: along.map((a) => a.id),
    offsetsMm: along.map((a) => a.t - t0),
    normal,
    spacingMm: spacing,
    uniform: maxDeviation <= SPACING_UNIFORMITY,
    maxSpacingDeviation: maxDeviation,
    tiltMm: Math.max(...along.map((a) => a.inPlane)),
  };
}
