import { useSession } from '../app';
import { instantIn } from '../format';
import { PROJECT_TABS, type ProjectTab } from '../route';
import type { ProjectView } from '../types';
import { ErrorNote, Loading, PageTitle, Section, useAction, useLoad } from './common';
import { CurveView } from './curveView';
import { DataHealth } from './dataHealth';
import { ExportView } from './exportView';
import { LiveJobs } from './liveJobs';
import { EditSettings } from './projectForm';
import { RoundsView } from './roundsView';

/** One project, in tabs (links: each tab has its own URL). */
export function ProjectPage({ id, tab }: { id: number; tab: ProjectTab }) {
  const { api } = useSession();
  const project = useLoad(() => api.get<ProjectView>(`/api/projects/${id}`), [id]);
  if (!project.data) return <><PageTitle>Project {id}</PageTitle>{project.error ? <ErrorNote error={project.error} /> : <Loading what="the project" />}</>;
  const p = project.data;
  return (
    <>
      <PageTitle>{p.name} <span class={`status status-${p.settings.status}`}>{p.settings.status}</span></PageTitle>
      <nav aria-label="Project sections" class="tabs">
        <ul>
          {PROJECT_TABS.map((t) => <li key={t.tab}><a href={`#/projects/${id}/${t.tab}`} aria-current={t.tab === tab ? 'page' : undefined}>{t.label}</a></li>)}
        </ul>
      </nav>
      <ErrorNote error={project.error} />
      {tab === 'overview' && <Overview project={p} reload={project.reload} />}
      {tab === 'settings' && <Section title="Settings"><EditSettings project={p} onSaved={() => project.reload()} /></Section>}
      {tab === 'rounds' && <RoundsView project={p} reload={project.reload} />}
      {tab === 'curve' && <CurveView project={p} reload={project.reload} />}
      {tab === 'data' && <DataHealth project={p} />}
      {tab === 'export' && <ExportView project={p} />}
    </>
  );
}

function Overview({ project: p, reload }: { project: ProjectView; reload: () => void }) {
  const { api } = useSession();
  const action = useAction();
  const setStatus = (status: string): void => void action.run(async () => {
    await api.send('PATCH', `/api/projects/${p.id}`, { status });
    reload();
  });
  const queue = (what: 'sync' | 'rounds' | 'site-encoder'): void => void action.run(async () => {
    await api.send('POST', `/api/projects/${p.id}/${what}`, what === 'site-encoder' ? {} : undefined);
    reload();
  });
  const active = p.settings.status === 'active';
  return (
    <>
      <Section title="Status">
        <dl class="facts">
          <dt>Pool</dt><dd>{p.pool.embedded} embedded, {p.pool.failed} failed (<a href={`#/projects/${p.id}/data`}>data health</a>)</dd>
          <dt>Budget</dt><dd>{p.budget.used} of {p.budget.total} selected ({p.budget.remaining} left; cold start {p.budget.coldStart}, {p.budget.perRound} per round)</dd>
          <dt>Latest round</dt><dd>{p.latestRound ? `${p.latestRound.number}: ${p.latestRound.labelled} of ${p.latestRound.size} labelled, ${instantIn(p.latestRound.createdAt)}` : 'none yet'}</dd>
          <dt>Masks</dt><dd>{p.labelled} (of them {p.validation.labelled} of {p.validation.size} validation cases)</dd>
          <dt>α</dt><dd>{p.settings.alpha}</dd>
          <dt>Selection unit</dt><dd>{selectionText(p.settings.selection)}</dd>
          <dt>Schedule</dt><dd>{p.settings.schedule ? `${p.settings.schedule} (${p.settings.timeZone}); next run ${instantIn(p.nextScheduledRun, p.settings.timeZone)}` : 'none'}</dd>
        </dl>
        <ErrorNote error={action.error} />
        <div class="actions">
          <button type="button" disabled={!active || action.busy} onClick={() => queue('sync')}>Sync now</button>
          <button type="button" disabled={!active || action.busy} onClick={() => queue('rounds')}>Queue a round</button>
          <button type="button" disabled={!active || action.busy || p.pool.embedded < 2} onClick={() => queue('site-encoder')}>Train a site encoder</button>
          {p.settings.status !== 'active' && <button type="button" disabled={action.busy} onClick={() => setStatus('active')}>Set active</button>}
          {p.settings.status === 'active' && <button type="button" disabled={action.busy} onClick={() => setStatus('paused')}>Pause</button>}
          {p.settings.status !== 'archived' && <button type="button" disabled={action.busy} onClick={() => { if (confirm(`Archive "${p.name}"? It becomes read-only: no claims, masks, syncs or rounds.`)) setStatus('archived'); }}>Archive</button>}
        </div>
        <p class="help">Paused: no sync or round is queued (the schedule skips it); annotators may still label. Archived: read-only. A site encoder learns from this pool's images (no labels) as a job; a new project then uses it as encoder self-supervised with the model the job names.</p>
      </Section>
      <Section title="Jobs"><LiveJobs projectId={p.id} onFinished={reload} /></Section>
    </>
  );
}

/** "slice, one every 3 mm, ≤ 2 per volume" */
function selectionText(s: ProjectView['settings']['selection']): string {
  return [s.unit, s.sliceSpacingMm !== null && `one every ${s.sliceSpacingMm} mm`, s.maxPerVolume !== null && `≤ ${s.maxPerVolume} per volume`].filter(Boolean).join(', ');
}
