import type { MapView } from '@scanselect/server';

/** How a point of the 2-D map is drawn (the paper's Figure 6 colours, plus the open case). */
export type PointKind = 'pool' | 'labelled' | 'worklist' | 'open';

/** A point placed in the drawing's pixel space. */
export interface PlacedPoint {
  readonly sopUid: string;
  readonly px: number;
  readonly py: number;
  readonly kind: PointKind;
  /** Round that selected it, if any. */
  readonly round: number | null;
}

export interface MapLayout {
  readonly width: number;
  readonly height: number;
  readonly points: readonly PlacedPoint[];
}

/** Draw order: later kinds on top. */
const ORDER: Record<PointKind, number> = { pool: 0, labelled: 1, worklist: 2, open: 3 };

/**
 * Places the map's points in a `width` × `height` drawing with `margin` pixels around, keeping
 * the aspect ratio (one scale for x and y, so distances mean the same in both directions; the
 * map is centred), y up as in the paper's plots. Kinds: the open case; cases labelled in any
 * round; the latest worklist's cases not yet labelled; the rest of the pool.
 */
export function layoutMap(map: MapView, latestRound: number, openSopUid: string | null, width: number, height: number, margin = 10): MapLayout {
  const xs = map.points.map((p) => p.x);
  const ys = map.points.map((p) => p.y);
  const minX = Math.min(...xs);
  const maxX = Math.max(...xs);
  const minY = Math.min(...ys);
  const maxY = Math.max(...ys);
  const spanX = maxX - minX;
  const spanY = maxY - minY;
  // A degenerate direction (one point, or all on a line) is centred rather than scaled.
  const scale = Math.min(spanX > 0 ? (width - 2 * margin) / spanX : Infinity, spanY > 0 ? (height - 2 * margin) / spanY : Infinity);
  const place = (v: number, min: number, span: number, size: number): number => (span > 0 && Number.isFinite(scale) ? (size - scale * span) / 2 + (v - min) * scale : size / 2);
  const points = map.points.map((p): PlacedPoint => {
    const kind: PointKind = p.sopUid === openSopUid ? 'open'
      : p.status === 'labelled' ? 'labelled'
      : p.selectedInRound === latestRound ? 'worklist'
      : 'pool';
    return {
      sopUid: p.sopUid,
      px: place(p.x, minX, spanX, width),
      py: height - place(p.y, minY, spanY, height),
      kind,
      round: p.selectedInRound,
    };
  });
  points.sort((a, b) => ORDER[a.kind] - ORDER[b.kind]);
  return { width, height, points };
}

/**
 * The point under (x, y) in drawing pixels: the nearest within `radius`, preferring points drawn
 * on top when two are equally near; null when none is that close.
 */
export function hitTest(layout: MapLayout, x: number, y: number, radius = 8): PlacedPoint | null {
  let best: PlacedPoint | null = null;
  let bestDistance = radius * radius;
  for (const point of layout.points) {
    const d = (point.px - x) ** 2 + (point.py - y) ** 2;
    if (d <= bestDistance) {
      best = point;
      bestDistance = d;
    }
  }
  return best;
}
