import { useEffect, useRef, useState } from 'preact/hooks';
import { useSession } from '../app';
import { duration, instantIn, percent } from '../format';
import { etaSeconds, followJobs } from '../jobStream';
import type { Job } from '../types';
import { ErrorNote, useAction, useLoad } from './common';

/**
 * A project's jobs as they run (Server-Sent Events): stage, progress, an ETA, cancel; and the
 * recent failed ones with retry. `onFinished` is called when a job ends (to reload what it made).
 */
export function LiveJobs({ projectId, onFinished }: { projectId: number; onFinished: (job: Job) => void }) {
  const { api, token } = useSession();
  const [jobs, setJobs] = useState<ReadonlyMap<number, Job>>(new Map());
  const [connected, setConnected] = useState(false);
  const firstSeen = useRef(new Map<number, { at: number; progress: number }>());
  const finished = useRef(onFinished);
  finished.current = onFinished;
  const recent = useLoad(() => api.get<Job[]>(`/api/jobs?project=${projectId}`), [projectId]);
  const action = useAction();

  useEffect(() => followJobs(token, projectId, (job) => {
    setJobs((before) => {
      const previous = before.get(job.id);
      const next = new Map(before);
      next.set(job.id, job);
      if (previous && (previous.state === 'running' || previous.state === 'queued') && (job.state === 'succeeded' || job.state === 'failed')) {
        setTimeout(() => finished.current(job), 0);
        recent.reload();
      }
      return next;
    });
    if (job.state === 'running' && !firstSeen.current.has(job.id)) firstSeen.current.set(job.id, { at: Date.now(), progress: job.progress });
  }, setConnected), [projectId, token]);

  const active = [...jobs.values()].filter((j) => j.state === 'running' || j.state === 'queued');
  const failed = (recent.data ?? []).filter((j) => j.state === 'failed').slice(-5).reverse();
  return (
    <div class="live-jobs">
      <p class="muted" aria-live="polite">{connected ? 'Live: job progress updates as it happens.' : 'Connecting to the job stream…'}</p>
      <ErrorNote error={action.error} />
      {active.length === 0 ? <p>No job is queued or running.</p> : (
        <ul class="jobs">
          {active.map((job) => {
            const first = firstSeen.current.get(job.id);
            const eta = first ? etaSeconds(first, { at: Date.now(), progress: job.progress }) : null;
            return (
              <li key={job.id} class="job">
                <strong>{job.kind} job {job.id}</strong> — {job.state}{job.cancelRequestedBy ? ` (cancel requested by ${job.cancelRequestedBy})` : ''}
                <div role="status" aria-live="polite" aria-atomic="true">
                  <progress max={1} value={job.progress} aria-label={`${job.kind} job ${job.id} progress`} /> {percent(job.progress)}
                  {job.stage && <span class="stage"> · {job.stage}</span>}
                  {eta !== null && <span> · about {duration(eta)} left</span>}
                </div>
                <button type="button" disabled={action.busy || Boolean(job.cancelRequestedBy)} onClick={() => void action.run(() => api.send('POST', `/api/jobs/${job.id}/cancel`))}>Cancel job {job.id}</button>
              </li>
            );
          })}
        </ul>
      )}
      {failed.length > 0 && (
        <table>
          <caption>Recent failed jobs</caption>
          <thead><tr><th scope="col">Job</th><th scope="col">Kind</th><th scope="col">Ended</th><th scope="col">Error</th><th scope="col"><span class="sr-only">Action</span></th></tr></thead>
          <tbody>
            {failed.map((job) => (
              <tr key={job.id}>
                <td>{job.id}</td><td>{job.kind}</td><td>{instantIn(job.finishedAt)}</td><td>{job.error}</td>
                <td><button type="button" disabled={action.busy} onClick={() => void action.run(async () => { await api.send('POST', `/api/jobs/${job.id}/retry`); recent.reload(); })}>Retry job {job.id}</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
