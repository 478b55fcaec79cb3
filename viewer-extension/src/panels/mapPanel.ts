import type { AppState } from '../app/appState';
import type { ScanSelectApp } from '../app/ScanSelectApp';
import { hitTest, layoutMap, type MapLayout, type PointKind } from '../map/mapLayout';
import { h, Section, STYLE } from './dom';

const SVG = 'http://www.w3.org/2000/svg';
const SIZE = 280;
/** Fill and radius per kind: pool grey, labelled blue, worklist green (as the CLI's --plot), open case orange with a ring. */
const LOOK: Record<PointKind, { fill: string; r: number }> = {
  pool: { fill: '#7b8494', r: 2.5 },
  labelled: { fill: '#4f8bff', r: 4 },
  worklist: { fill: '#34c759', r: 4.5 },
  open: { fill: '#ff9f0a', r: 6.5 },
};

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
  return element;
}

function drawing(app: ScanSelectApp, layout: MapLayout): SVGSVGElement {
  const root = svg('svg', { viewBox: `0 0 ${layout.width} ${layout.height}`, width: '100%', 'data-testid': 'scanselect-map', style: 'background:#04121f;border:1px solid #233;cursor:pointer;display:block' });
  for (const p of layout.points) {
    const look = LOOK[p.kind];
    const circle = svg('circle', { cx: p.px.toFixed(1), cy: p.py.toFixed(1), r: look.r, fill: look.fill, 'data-sop': p.sopUid, 'data-kind': p.kind });
    if (p.kind === 'open') {
      circle.setAttribute('stroke', '#fff');
      circle.setAttribute('stroke-width', '1.5');
      circle.setAttribute('data-testid', 'scanselect-map-open');
      root.append(svg('circle', { cx: p.px.toFixed(1), cy: p.py.toFixed(1), r: look.r + 5, fill: 'none', stroke: '#ff9f0a', 'stroke-width': 1.5 }));
    }
    const title = svg('title', {});
    title.textContent = `${p.kind}${p.round !== null ? ` · selected in round ${p.round}` : ''}`;
    circle.append(title);
    root.append(circle);
  }
  root.addEventListener('click', (event) => {
    const box = root.getBoundingClientRect();
    const x = ((event.clientX - box.left) / box.width) * layout.width;
    const y = ((event.clientY - box.top) / box.height) * layout.height;
    const hit = hitTest(layout, x, y, 10);
    if (hit) void app.openFromMap(hit.sopUid);
  });
  return root;
}

function legend(): HTMLElement {
  return h('div', { style: `${STYLE.muted};margin-top:4px;display:flex;flex-wrap:wrap;gap:8px` },
    ...(Object.keys(LOOK) as PointKind[]).map((kind) => h('span', {},
      h('span', { style: `display:inline-block;width:9px;height:9px;border-radius:50%;margin-right:3px;background:${LOOK[kind].fill}` }),
      kind === 'worklist' ? 'current worklist' : kind === 'open' ? 'open case' : kind)));
}

/**
 * The embedding map panel: the latest round's 2-D map of the pool (the paper's Figure 6 made
 * usable) — pool grey, labelled blue, the current worklist green, the open case highlighted;
 * clicking a point opens that case (claiming it if it is an open worklist case).
 */
export function createMapPanel(app: ScanSelectApp): { mount(node: HTMLDivElement): void; unmount(): void } {
  let unsubscribe: (() => void) | null = null;
  const section = new Section<AppState>((s) => [s.signedIn, s.map, s.project?.latestRound?.number, s.openCase?.sopUid], (s) => {
    if (!s.signedIn) return [h('div', { style: STYLE.muted, text: 'Sign in (worklist panel) to see the map.' })];
    if (!s.map || !s.project?.latestRound) return [h('div', { style: STYLE.muted, text: 'No map yet: the cold start has not run.' })];
    const layout = layoutMap(s.map, s.project.latestRound.number, s.openCase?.sopUid ?? null, SIZE, SIZE);
    return [
      h('div', { style: STYLE.muted, text: `Round ${s.map.round} map of ${s.map.points.length} cases (${s.project.settings.projection}). Click a point to open it.` }),
      drawing(app, layout),
      legend(),
    ];
  });
  return {
    mount(node) {
      unsubscribe?.();
      node.replaceChildren(h('div', { style: STYLE.panel, testId: 'scanselect-map-panel' }, h('div', { style: STYLE.heading, text: 'Embedding map' }), section.element));
      section.update(app.state);
      unsubscribe = app.store.subscribe((state) => section.update(state));
    },
    unmount() {
      unsubscribe?.();
      unsubscribe = null;
    },
  };
}
