import type { DenseMatrix } from '../core/matrix';
import type { SelectionEntry } from '../selection/pipeline';

/** Input of {@link selectionMapSvg}. */
export interface SelectionMapInput {
  readonly ids: readonly string[];
  /** N × 2 map, row i = ids[i]. */
  readonly map: DenseMatrix;
  readonly selected: readonly SelectionEntry[];
  readonly labelled?: readonly string[];
  readonly title?: string;
  readonly width?: number;
  readonly height?: number;
}

const COLOURS = { pool: '#9e9e9e', labelled: '#1f77b4', selected: '#2ca02c', text: '#222' };

/**
 * The 2-D map as an SVG (the paper's Figure 6): the pool in grey, already-labelled images in
 * blue, this selection in green with its rank next to each point. Each point carries its id as a
 * tooltip. A plain string: no DOM needed.
 */
export function selectionMapSvg(input: SelectionMapInput): string {
  const width = input.width ?? 800;
  const height = input.height ?? 640;
  const margin = 40;
  const top = input.title ? 56 : margin;
  const { data, rows } = input.map;
  const { minX, maxX, minY, maxY } = mapBounds(input.map);
  const spanX = maxX - minX || 1;
  const spanY = maxY - minY || 1;
  const scale = Math.min((width - 2 * margin) / spanX, (height - top - margin) / spanY);
  const px = (x: number): string => (margin + (x - minX) * scale).toFixed(2);
  const py = (y: number): string => (height - margin - (y - minY) * scale).toFixed(2);
  const labelled = new Set(input.labelled ?? []);
  const selected = new Set(input.selected.map((s) => s.id));
  const radius = rows > 2000 ? 1.5 : rows > 300 ? 2.5 : 3.5;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
  ];
  if (input.title) parts.push(`<text x="${margin}" y="28" font-size="16" fill="${COLOURS.text}">${escapeXml(input.title)}</text>`);
  parts.push(`<g fill="${COLOURS.pool}" fill-opacity="0.6">`);
  for (let i = 0; i < rows; i++) {
    const id = input.ids[i]!;
    if (labelled.has(id) || selected.has(id)) continue;
    parts.push(`<circle cx="${px(data[2 * i]!)}" cy="${py(data[2 * i + 1]!)}" r="${radius}"><title>${escapeXml(id)}</title></circle>`);
  }
  parts.push('</g>', `<g fill="${COLOURS.labelled}">`);
  input.ids.forEach((id, i) => {
    if (!labelled.has(id)) return;
    parts.push(`<circle cx="${px(data[2 * i]!)}" cy="${py(data[2 * i + 1]!)}" r="${radius + 2}"><title>${escapeXml(id)} (labelled)</title></circle>`);
  });
  parts.push('</g>', `<g fill="${COLOURS.selected}" stroke="#145214" stroke-width="1">`);
  for (const s of input.selected) {
    const cx = px(s.x);
    const cy = py(s.y);
    parts.push(`<rect x="${(Number(cx) - radius - 2).toFixed(2)}" y="${(Number(cy) - radius - 2).toFixed(2)}" width="${2 * radius + 4}" height="${2 * radius + 4}"><title>${escapeXml(s.id)} — rank ${s.rank} (${s.reason})</title></rect>`);
  }
  parts.push('</g>', `<g font-size="11" fill="${COLOURS.text}">`);
  for (const s of input.selected) {
    parts.push(`<text x="${(Number(px(s.x)) + radius + 4).toFixed(2)}" y="${(Number(py(s.y)) - radius - 2).toFixed(2)}">${s.rank}</text>`);
  }
  parts.push('</g>', legend(width - 190, top - 8, labelled.size > 0), '</svg>');
  return parts.join('\n') + '\n';
}

function legend(x: number, y: number, withLabelled: boolean): string {
  const rows: Array<[string, string, string]> = [['pool', COLOURS.pool, 'circle']];
  if (withLabelled) rows.push(['already labelled', COLOURS.labelled, 'circle']);
  rows.push(['selected (rank)', COLOURS.selected, 'rect']);
  return `<g font-size="12" fill="${COLOURS.text}">` + rows
    .map(([label, colour, shape], r) => {
      const cy = y + 16 * r;
      const mark = shape === 'rect'
        ? `<rect x="${x}" y="${cy - 5}" width="10" height="10" fill="${colour}"/>`
        : `<circle cx="${x + 5}" cy="${cy}" r="5" fill="${colour}"/>`;
      return `${mark}<text x="${x + 16}" y="${cy + 4}">${label}</text>`;
    })
    .join('') + '</g>';
}

/** The bounding box of an N × 2 map. */
export function mapBounds(map: DenseMatrix): { minX: number; maxX: number; minY: number; maxY: number } {
  let minX = Infinity, maxX = -Infinity, minY = Infinity, maxY = -Infinity;
  for (let i = 0; i < map.rows; i++) {
    minX = Math.min(minX, map.data[2 * i]!);
    maxX = Math.max(maxX, map.data[2 * i]!);
    minY = Math.min(minY, map.data[2 * i + 1]!);
    maxY = Math.max(maxY, map.data[2 * i + 1]!);
  }
  return { minX, maxX, minY, maxY };
}

/** Escapes text for XML content and attributes. */
export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');
}
