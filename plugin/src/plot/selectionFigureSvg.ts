import { InvalidInputError } from '../core/errors';
import type { DenseMatrix } from '../core/matrix';
import { markerSvg, noteSvg } from './lineChartSvg';
import { escapeXml, mapBounds } from './selectionMapSvg';

/** Input of {@link selectionFigureSvg}. */
export interface SelectionFigureInput {
  readonly title: string;
  /** Every image of the figure; row i of `map` is ids[i]. */
  readonly ids: readonly string[];
  /** N × 2 map of all images (pool and test). */
  readonly map: DenseMatrix;
  /** Held-out test images (never selected). */
  readonly test: readonly string[];
  /** The cold-start selection (B₀). */
  readonly coldStart: readonly string[];
  /** Images acquired by active learning (may be empty: then only the left panel is drawn). */
  readonly acquired: readonly string[];
  /** Titles of the two panels. */
  readonly leftTitle?: string;
  readonly rightTitle?: string;
  /** A small line of text under the figure (e.g. the experiment's profile). */
  readonly note?: string;
}

const COLOURS = { pool: '#a0a0a0', coldStart: '#1f77b4', acquired: '#2ca02c', test: '#ff7f0e' };

/**
 * The paper's Figure 6: the 2-D map of one run. Left: the cold start — unlabelled pool as small
 * grey dots, cold-start picks as blue points, test images as orange triangles. Right: the same
 * with the actively acquired images as green squares. Every mark carries its id as a tooltip.
 */
export function selectionFigureSvg(input: SelectionFigureInput): string {
  const { map, ids } = input;
  if (map.cols !== 2 || map.rows !== ids.length) throw new InvalidInputError('ragged-rows', `the figure needs an N × 2 map for ${ids.length} ids, got ${map.rows} × ${map.cols}`);
  const index = new Map(ids.map((id, i) => [id, i]));
  for (const id of [...input.test, ...input.coldStart, ...input.acquired]) {
    if (!index.has(id)) throw new InvalidInputError('unknown-id', `"${id}" is not in the map`);
  }
  const panels = input.acquired.length > 0 ? 2 : 1;
  const top = 60;
  const { minX, maxX, minY, maxY } = mapBounds(map);
  // Equal scale on both axes (distances in the map are what the selection used); the panel's
  // height follows the map's aspect ratio within limits.
  const panel = 440;
  const inner = panel - 60; // the frame is panel − 20 wide, with 20 px inside it on each side
  const spanX = maxX - minX || 1;
  const spanY = maxY - minY || 1;
  const innerH = Math.max(200, Math.min(inner, (inner * spanY) / spanX));
  const scale = Math.min(inner / spanX, innerH / spanY);
  const offX = (inner - spanX * scale) / 2;
  const offY = (innerH - spanY * scale) / 2;
  const panelH = innerH + 40;
  const width = panels * panel + 20;
  const noteLines = input.note ? input.note.split('; ') : [];
  const height = top + panelH + 44 + 14 * noteLines.length;
  const f = (v: number): string => v.toFixed(2);
  const test = new Set(input.test);
  const cold = new Set(input.coldStart);
  const acquired = new Set(input.acquired);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="DejaVu Sans, sans-serif">`,
    '<rect width="100%" height="100%" fill="white"/>',
    `<text x="20" y="26" font-size="16" fill="#222">${escapeXml(input.title)}</text>`,
  ];
  for (let p = 0; p < panels; p++) {
    const ox = 20 + p * panel;
    const x = (i: number): number => ox + 20 + offX + (map.data[2 * i]! - minX) * scale;
    const y = (i: number): number => top + 20 + innerH - offY - (map.data[2 * i + 1]! - minY) * scale;
    const title = p === 0 ? (input.leftTitle ?? `cold start (${cold.size})`) : (input.rightTitle ?? `cold start + active learning (${cold.size} + ${acquired.size})`);
    parts.push(
      `<rect x="${ox}" y="${top}" width="${panel - 20}" height="${panelH}" fill="none" stroke="#ccc"/>`,
      `<text x="${ox + 8}" y="${top - 8}" font-size="13" fill="#222">${escapeXml(title)}</text>`,
      `<g fill="${COLOURS.pool}">`,
    );
    ids.forEach((id, i) => {
      const unlabelled = !test.has(id) && !cold.has(id) && (p === 0 || !acquired.has(id));
      if (unlabelled) parts.push(`<circle cx="${f(x(i))}" cy="${f(y(i))}" r="2"><title>${escapeXml(id)}</title></circle>`);
    });
    parts.push('</g>', `<g fill="${COLOURS.test}">`);
    for (const id of input.test) parts.push(tip(markerSvg('triangle', x(index.get(id)!), y(index.get(id)!), 4.5), `${id} (test)`));
    parts.push('</g>', `<g fill="${COLOURS.coldStart}" stroke="#0d3d63" stroke-width="0.8">`);
    for (const id of input.coldStart) parts.push(tip(markerSvg('circle', x(index.get(id)!), y(index.get(id)!), 5), `${id} (cold start)`));
    parts.push('</g>');
    if (p === 1) {
      parts.push(`<g fill="${COLOURS.acquired}" stroke="#145214" stroke-width="0.8">`);
      for (const id of input.acquired) parts.push(tip(markerSvg('square', x(index.get(id)!), y(index.get(id)!), 5), `${id} (active learning)`));
      parts.push('</g>');
    }
  }
  const legend: Array<{ label: string; colour: string; marker: 'circle' | 'square' | 'triangle'; r: number }> = [
    { label: 'unlabelled pool', colour: COLOURS.pool, marker: 'circle', r: 2.5 },
    { label: 'cold-start picks', colour: COLOURS.coldStart, marker: 'circle', r: 5 },
    ...(panels === 2 ? [{ label: 'active-learning picks', colour: COLOURS.acquired, marker: 'square' as const, r: 5 }] : []),
    { label: 'test images', colour: COLOURS.test, marker: 'triangle', r: 4.5 },
  ];
  parts.push(`<g font-size="12" fill="#222">`);
  legend.forEach(({ label, colour, marker, r }, i) => {
    const lx = 24 + i * 170;
    const ly = top + panelH + 26;
    parts.push(`<g fill="${colour}">${markerSvg(marker, lx, ly, r)}</g>`, `<text x="${lx + 10}" y="${ly + 4}">${label}</text>`);
  });
  parts.push('</g>');
  parts.push(...noteSvg(noteLines, 20, top + panelH + 50));
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

function tip(mark: string, text: string): string {
  return mark.replace(/\/>$/, `><title>${escapeXml(text)}</title></${mark.slice(1, mark.indexOf(' '))}>`);
}
