import { useState } from 'preact/hooks';
import { useSession } from '../app';
import { duration, instantIn } from '../format';
import type { ProjectView, Round } from '../types';
import { ErrorNote, Loading, Section, useAction, useLoad } from './common';
import { LiveJobs } from './liveJobs';
import { RoundMap } from './roundMap';

/** The project's rounds (what each chose, trained and who labelled it), the running job, and a round's map. */
export function RoundsView({ project, reload }: { project: ProjectView; reload: () => void }) {
  const { api } = useSession();
  const rounds = useLoad(() => api.get<Round[]>(`/api/projects/${project.id}/rounds`), [project.id]);
  const [shown, setShown] = useState<number | null>(null);
  const download = useAction();
  const list = rounds.data ?? [];
  const mapRound = shown ?? list[list.length - 1]?.number ?? null;
  return (
    <>
      <Section title="Running now">
        <LiveJobs projectId={project.id} onFinished={() => { rounds.reload(); reload(); }} />
      </Section>
      <Section title="Rounds">
        <ErrorNote error={rounds.error ?? download.error} />
        {!rounds.data && !rounds.error && <Loading what="rounds" />}
        {rounds.data && list.length === 0 && <p>No round yet: sync, then queue the cold start.</p>}
        {list.length > 0 && (
          <table>
            <caption>Rounds of {project.name}</caption>
            <thead>
              <tr>
                <th scope="col">Round</th><th scope="col">Kind</th><th scope="col">Size</th><th scope="col">Labelled</th><th scope="col">When</th><th scope="col">α</th>
                <th scope="col">Training</th><th scope="col">Backend</th><th scope="col">Labelled by</th><th scope="col"><span class="sr-only">Actions</span></th>
              </tr>
            </thead>
            <tbody>
              {list.map((r) => (
                <tr key={r.number}>
                  <th scope="row">{r.number}</th>
                  <td>{r.kind === 'coldstart' ? 'cold start' : 'active learning'}</td>
                  <td>{r.size}</td>
                  <td>{r.labelled}</td>
                  <td>{instantIn(r.createdAt)}</td>
                  <td>{r.alpha ?? '—'}</td>
                  <td>{r.report.training ? `${r.report.training.images} images, ${r.report.training.epochs} epochs, ${duration(r.report.training.seconds)}` : '—'}</td>
                  <td>{r.report.training?.backend ?? '—'}</td>
                  <td>{r.labelledBy && Object.keys(r.labelledBy).length > 0 ? Object.entries(r.labelledBy).map(([who, n]) => `${who}: ${n}`).join(', ') : '—'}</td>
                  <td>
                    <button type="button" onClick={() => setShown(r.number)} aria-pressed={mapRound === r.number}>Map of round {r.number}</button>
                    {r.kind === 'active' && <button type="button" disabled={download.busy} onClick={() => void download.run(() => api.download(`/api/projects/${project.id}/rounds/${r.number}/model`, `round-${r.number}-model.zip`))}>Download model {r.number}</button>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Section>
      {mapRound !== null && <Section title={`Map of round ${mapRound}`}><RoundMap projectId={project.id} round={mapRound} /></Section>}
    </>
  );
}
