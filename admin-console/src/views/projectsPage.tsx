import { useSession } from '../app';
import { instantIn, percent } from '../format';
import type { ProjectView } from '../types';
import { ErrorNote, Loading, PageTitle, useLoad } from './common';

/** Every project with what an admin checks first: status, budget, round, labelling, next run. */
export function ProjectsPage() {
  const { api } = useSession();
  const projects = useLoad(() => api.get<ProjectView[]>('/api/projects'), []);
  return (
    <>
      <PageTitle>Projects</PageTitle>
      <p><a class="button" href="#/projects/new">New project</a></p>
      <ErrorNote error={projects.error} />
      {!projects.data && !projects.error && <Loading what="projects" />}
      {projects.data && projects.data.length === 0 && <p>No project yet. Create one to start selecting cases.</p>}
      {projects.data && projects.data.length > 0 && (
        <table>
          <caption>Projects ({projects.data.length})</caption>
          <thead>
            <tr>
              <th scope="col">Project</th><th scope="col">Status</th><th scope="col">Budget used</th><th scope="col">Round</th>
              <th scope="col">Labelled / open</th><th scope="col">Validation</th><th scope="col">Next scheduled run</th><th scope="col">Now</th>
            </tr>
          </thead>
          <tbody>
            {projects.data.map((p) => <ProjectRow key={p.id} project={p} />)}
          </tbody>
        </table>
      )}
    </>
  );
}

function ProjectRow({ project: p }: { project: ProjectView }) {
  const labelled = p.labelled - p.validation.labelled; // validation cases are not in the budget
  const open = Math.max(0, p.budget.used - labelled);
  const job = p.activeJobs[0];
  return (
    <tr>
      <th scope="row"><a href={`#/projects/${p.id}/overview`}>{p.name}</a></th>
      <td><span class={`status status-${p.settings.status}`}>{p.settings.status}</span></td>
      <td>
        {p.budget.used} of {p.budget.total}
        <meter min={0} max={p.budget.total} value={p.budget.used} aria-label={`${p.name}: budget used`} title={percent(p.budget.used / Math.max(1, p.budget.total))} />
      </td>
      <td>{p.latestRound ? `${p.latestRound.number} (${p.latestRound.kind === 'coldstart' ? 'cold start' : 'active'})` : 'none yet'}</td>
      <td>{labelled} / {open}</td>
      <td>{p.validation.size === 0 ? 'none' : `${p.validation.labelled} of ${p.validation.size}`}</td>
      <td>{p.settings.schedule ? instantIn(p.nextScheduledRun, p.settings.timeZone) : 'no schedule'}</td>
      <td>{job ? `${job.kind} ${job.state}${job.state === 'running' ? ` ${percent(job.progress)}` : ''}` : 'idle'}</td>
    </tr>
  );
}
