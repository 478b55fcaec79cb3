import { InvalidInputError } from '../core/errors';
import { escapeXml } from './selectionMapSvg';

/** A marker shape of a series. */
export type Marker = 'circle' | 'square' | 'triangle' | 'diamond';

/** One point of a series: its mean and the half-length of its error bar (e.g. one std). */
export interface ChartPoint {
  readonly x: number;
  readonly y: number;
  readonly error?: number;
}

/** One line of a chart. */
export interface ChartSeries {
  readonly label: string;
  readonly colour: string;
  readonly marker: Marker;
  readonly dashed?: boolean;
  readonly points: readonly ChartPoint[];
}

/** Input of {@link lineChartSvg}. */
export interface LineChartInput {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly ChartSeries[];
  /** Tick positions of the x axis (default: every x that occurs). */
  readonly xTicks?: readonly number[];
  readonly width?: number;
  readonly height?: number;
  /** A small line of text under the chart (e.g. the experiment's profile). */
  readonly note?: string;
}

/**
 * A line chart with error bars as an SVG string (the paper's Figures 4, 7, 8: a metric against
 * the labelling budget, one line per method). Series that share an x are nudged sideways a little
 * so that their error bars do not hide each other; the legend sits to the right of the plot.
 */
export function lineChartSvg(input: LineChartInput): string {
  const width = input.width ?? 760;
  const noteLines = input.note ? input.note.split('; ') : [];
  const height = (input.height ?? 440) + 14 * noteLines.length;
  const left = 70, right = 230, top = 44, bottom = 56 + 14 * noteLines.length;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const points = input.series.flatMap((s) => s.points.filter((p) => Number.isFinite(p.y)));
  if (points.length === 0) throw new InvalidInputError('empty-input', `chart "${input.title}" has no finite point`);
  const xs = [...new Set(points.map((p) => p.x))].sort((a, b) => a - b);
  const xTicks = input.xTicks ?? xs;
  const xMin = Math.min(...xs, ...xTicks);
  const xMax = Math.max(...xs, ...xTicks);
  const lo = Math.min(...points.map((p) => p.y - (p.error ?? 0)));
  const hi = Math.max(...points.map((p) => p.y + (p.error ?? 0)));
  const yTicks = niceTicks(lo, hi, 6);
  const yMin = yTicks[0]!;
  const yMax = yTicks[yTicks.length - 1]!;
  // Leave room inside the frame for the sideways nudge of the outermost series and its marker.
  const spacing = Math.min(8, plotW / Math.max(1, xs.length) / (input.series.length + 1));
  const inset = 12 + spacing * (input.series.length - 1) / 2;
  const px = (x: number): number => left + inset + (xMax > xMin ? (x - xMin) / (xMax - xMin) : 0.5) * (plotW - 2 * inset);
  const py = (y: number): number => top + (1 - (y - yMin) / (yMax - yMin)) * plotH;
  const f = (v: number): string => v.toFixed(2);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, sans-serif">`,
    '<rect width="100%" height="100%" fill="white"/>',
    `<text x="${left}" y="26" font-size="16" fill="#222">${escapeXml(input.title)}</text>`,
    `<g stroke="#e4e4e4" stroke-width="1">`,
    ...yTicks.map((t) => `<line x1="${left}" x2="${left + plotW}" y1="${f(py(t))}" y2="${f(py(t))}"/>`),
    '</g>',
    `<rect x="${left}" y="${top}" width="${plotW}" height="${plotH}" fill="none" stroke="#444"/>`,
    `<g font-size="12" fill="#222">`,
    ...yTicks.map((t) => `<text x="${left - 6}" y="${f(py(t) + 4)}" text-anchor="end">${formatTick(t, yTicks)}</text>`),
    ...xTicks.map((t) => `<text x="${f(px(t))}" y="${top + plotH + 18}" text-anchor="middle">${formatTick(t, xTicks)}</text>`),
    `<text x="${left + plotW / 2}" y="${top + plotH + 42}" text-anchor="middle" font-size="13">${escapeXml(input.xLabel)}</text>`,
    ...noteSvg(noteLines, 10, height - 14 * noteLines.length + 4),
    `<text transform="translate(18 ${top + plotH / 2}) rotate(-90)" text-anchor="middle" font-size="13">${escapeXml(input.yLabel)}</text>`,
    '</g>',
  ];
  input.series.forEach((series, s) => {
    const shift = (s - (input.series.length - 1) / 2) * spacing;
    const finite = series.points.filter((p) => Number.isFinite(p.y)).slice().sort((a, b) => a.x - b.x);
    if (finite.length === 0) return;
    const g: string[] = [`<g stroke="${series.colour}" fill="${series.colour}"><title>${escapeXml(series.label)}</title>`];
    if (finite.length > 1) {
      const d = finite.map((p, i) => `${i === 0 ? 'M' : 'L'}${f(px(p.x) + shift)} ${f(py(p.y))}`).join(' ');
      g.push(`<path d="${d}" fill="none" stroke-width="2"${series.dashed ? ' stroke-dasharray="6 4"' : ''}/>`);
    }
    for (const p of finite) {
      const cx = px(p.x) + shift;
      if (p.error !== undefined && p.error > 0) {
        g.push(`<path d="M${f(cx)} ${f(py(p.y - p.error))} V${f(py(p.y + p.error))} M${f(cx - 4)} ${f(py(p.y - p.error))} H${f(cx + 4)} M${f(cx - 4)} ${f(py(p.y + p.error))} H${f(cx + 4)}" fill="none" stroke-width="1.2"/>`);
      }
      g.push(markerSvg(series.marker, cx, py(p.y), 4.5));
    }
    g.push('</g>');
    parts.push(...g);
  });
  const lx = left + plotW + 18;
  parts.push(`<g font-size="12" fill="#222">`);
  input.series.forEach((series, i) => {
    const y = top + 10 + 20 * i;
    parts.push(
      `<line x1="${lx}" x2="${lx + 26}" y1="${y}" y2="${y}" stroke="${series.colour}" stroke-width="2"${series.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
      `<g fill="${series.colour}" stroke="${series.colour}">${markerSvg(series.marker, lx + 13, y, 4.5)}</g>`,
      `<text x="${lx + 34}" y="${y + 4}">${escapeXml(series.label)}</text>`,
    );
  });
  parts.push('</g>', '</svg>');
  return parts.join('\n') + '\n';
}

/** A marker centred on (x, y) with "radius" r. */
export function markerSvg(marker: Marker, x: number, y: number, r: number): string {
  const f = (v: number): string => v.toFixed(2);
  switch (marker) {
    case 'circle':
      return `<circle cx="${f(x)}" cy="${f(y)}" r="${r}"/>`;
    case 'square':
      return `<rect x="${f(x - r)}" y="${f(y - r)}" width="${2 * r}" height="${2 * r}"/>`;
    case 'triangle':
      return `<path d="M${f(x)} ${f(y - 1.2 * r)} L${f(x + 1.1 * r)} ${f(y + 0.8 * r)} L${f(x - 1.1 * r)} ${f(y + 0.8 * r)} Z"/>`;
    case 'diamond':
      return `<path d="M${f(x)} ${f(y - 1.3 * r)} L${f(x + 1.1 * r)} ${f(y)} L${f(x)} ${f(y + 1.3 * r)} L${f(x - 1.1 * r)} ${f(y)} Z"/>`;
  }
}

/**
 * Round tick values covering [lo, hi]: a step of 1, 2 or 5 × 10ⁿ giving at most about `count`
 * intervals, the first tick ≤ lo and the last ≥ hi.
 */
export function niceTicks(lo: number, hi: number, count: number): number[] {
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) throw new InvalidInputError('not-finite', `axis range [${lo}, ${hi}] is not finite`);
  if (hi <= lo) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.05;
    lo -= pad;
    hi += pad;
  }
  const raw = (hi - lo) / Math.max(1, count);
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw)!;
  const first = Math.floor(lo / step + 1e-9) * step;
  const ticks: number[] = [];
  for (let t = first; t < hi + step - 1e-9 * step; t += step) ticks.push(Number(t.toPrecision(12)));
  if (ticks[ticks.length - 1]! < hi) ticks.push(Number((ticks[ticks.length - 1]! + step).toPrecision(12)));
  return ticks;
}

function formatTick(value: number, ticks: readonly number[]): string {
  const step = ticks.length > 1 ? Math.abs(ticks[1]! - ticks[0]!) : 1;
  const digits = Math.max(0, Math.min(6, -Math.floor(Math.log10(step) + 1e-9)));
  return value.toFixed(digits);
}

/** Lines of small grey text starting at baseline y (one per line, 14 px apart). */
export function noteSvg(lines: readonly string[], x: number, y: number): string[] {
  return lines.map((line, i) => `<text x="${x}" y="${y + 14 * i}" font-size="10" fill="#666">${escapeXml(line)}</text>`);
}
