import { useSession } from '../app';
import type { MapView } from '../types';
import { ErrorNote, Loading, useLoad } from './common';

const SIZE = 480;
const PAD = 12;

/**
 * The pool's 2-D map (t-SNE or PCA of the embeddings) with the round's picks: what the paper
 * offers as the selection's explanation. An SVG with a text summary for screen readers.
 */
export function RoundMap({ projectId, round }: { projectId: number; round: number }) {
  const { api } = useSession();
  const map = useLoad(() => api.get<MapView>(`/api/projects/${projectId}/rounds/${round}/map`), [projectId, round]);
  if (!map.data) return map.error ? <ErrorNote error={map.error} /> : <Loading what="the map" />;
  const points = map.data.points;
  const xs = points.map((p) => p.x);
  const ys = points.map((p) => p.y);
  const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
  const sx = (x: number): number => PAD + ((x - x0) / (x1 - x0 || 1)) * (SIZE - 2 * PAD);
  const sy = (y: number): number => SIZE - PAD - ((y - y0) / (y1 - y0 || 1)) * (SIZE - 2 * PAD);
  const picked = points.filter((p) => p.selectedInRound === round);
  const earlier = points.filter((p) => p.selectedInRound !== null && p.selectedInRound < round);
  const validation = points.filter((p) => p.validation);
  const summary = `${points.length} cases; ${picked.length} picked in round ${round}, ${earlier.length} in earlier rounds, ${validation.length} validation cases.`;
  return (
    <figure class="map">
      <svg viewBox={`0 0 ${SIZE} ${SIZE}`} width={SIZE} height={SIZE} role="img" aria-label={`Embedding map of round ${round}: ${summary}`}>
        <rect x={0} y={0} width={SIZE} height={SIZE} class="map-bg" />
        {points.filter((p) => !p.validation && (p.selectedInRound === null || p.selectedInRound > round)).map((p) => <circle key={p.sopUid} cx={sx(p.x)} cy={sy(p.y)} r={2.5} class="pt-pool" />)}
        {validation.map((p) => <rect key={p.sopUid} x={sx(p.x) - 4} y={sy(p.y) - 4} width={8} height={8} class="pt-validation"><title>validation case</title></rect>)}
        {earlier.map((p) => <circle key={p.sopUid} cx={sx(p.x)} cy={sy(p.y)} r={4} class="pt-earlier" />)}
        {picked.map((p) => <circle key={p.sopUid} cx={sx(p.x)} cy={sy(p.y)} r={6} class={`pt-picked pt-${p.status ?? 'open'}`}><title>{`picked in round ${round}: ${p.status ?? 'open'}`}</title></circle>)}
      </svg>
      <figcaption>{summary} <span class="legend"><span class="key pt-pool" /> pool <span class="key pt-earlier" /> earlier rounds <span class="key pt-picked" /> this round <span class="key square pt-validation" /> validation</span></figcaption>
    </figure>
  );
}
