import { useState } from 'preact/hooks';
import { useSession } from '../app';
import { instantIn } from '../format';
import type { InstanceRow, ProjectView, SyncStatus } from '../types';
import { ErrorNote, Loading, Pager, Section, useAction, useLoad } from './common';

const LIMIT = 25;

/** The last sync's files that were no instance (not DICOM, no UIDs), by reason. */
function skippedOf(status: SyncStatus): ReadonlyArray<{ reason: string; count: number }> {
  const result = status.lastSync?.result as { skippedReasons?: Array<{ reason: string; count: number }> } | null | undefined;
  return result?.skippedReasons ?? [];
}

/** The pool's health: what the last sync did, and every instance it could not use, with the reason. */
export function DataHealth({ project }: { project: ProjectView }) {
  const { api } = useSession();
  const status = useLoad(() => api.get<SyncStatus>(`/api/projects/${project.id}/sync-status`), [project.id]);
  const [offset, setOffset] = useState(0);
  const failed = useLoad(() => api.page<InstanceRow>(`/api/projects/${project.id}/instances?status=failed&limit=${LIMIT}&offset=${offset}`), [project.id, offset]);
  const action = useAction();
  const s = status.data;
  return (
    <>
      <Section title="Sync">
        <ErrorNote error={status.error ?? action.error} />
        {!s && !status.error && <Loading what="the sync status" />}
        {s && (
          <dl class="facts">
            <dt>Embedded</dt><dd>{s.embedded}</dd>
            <dt>Not usable</dt><dd>{s.failed}</dd>
            <dt>Last sync</dt><dd>{s.lastSync ? `job ${s.lastSync.jobId}, ${s.lastSync.state}, ${instantIn(s.lastSync.finishedAt)}` : 'never'}</dd>
            <dt>Volumes</dt><dd>{s.volumes.volumes} series form a volume ({s.volumes.slices} slices); {s.volumes.refused} series of several slices do not</dd>
          </dl>
        )}
        {s && s.volumes.reasons.length > 0 && (
          <table>
            <caption>Why series are not one volume (their slices stay single images)</caption>
            <thead><tr><th scope="col">Reason</th><th scope="col">Series</th></tr></thead>
            <tbody>{s.volumes.reasons.map((r) => <tr key={r.reason}><td>{r.reason}</td><td>{r.count}</td></tr>)}</tbody>
          </table>
        )}
        {s && skippedOf(s).length > 0 && (
          <table>
            <caption>Files the last sync could not read as an instance at all</caption>
            <thead><tr><th scope="col">Reason</th><th scope="col">Files</th></tr></thead>
            <tbody>{skippedOf(s).map((r) => <tr key={r.reason}><td>{r.reason}</td><td>{r.count}</td></tr>)}</tbody>
          </table>
        )}
        <p class="help">Studies outside the project's filters are not listed by the source (a PACS applies the filters to its search), so they appear nowhere here; change the filters in the settings to widen the pool.</p>
        {s && s.reasons.length > 0 && (
          <table>
            <caption>Why instances were not used</caption>
            <thead><tr><th scope="col">Reason</th><th scope="col">Instances</th></tr></thead>
            <tbody>{s.reasons.map((r) => <tr key={r.reason}><td>{r.reason}</td><td>{r.count}</td></tr>)}</tbody>
          </table>
        )}
        <button type="button" disabled={action.busy || project.settings.status !== 'active'} onClick={() => void action.run(async () => { await api.send('POST', `/api/projects/${project.id}/sync`); status.reload(); })}>Sync now</button>
      </Section>
      <Section title="Instances not used">
        <ErrorNote error={failed.error} />
        {failed.data && failed.data.total === 0 && <p>Every synced instance was embedded.</p>}
        {failed.data && failed.data.total > 0 && (
          <>
            <table>
              <caption>Undecodable or filtered-out instances</caption>
              <thead><tr><th scope="col">SOP Instance UID</th><th scope="col">Modality</th><th scope="col">Synced</th><th scope="col">Reason</th></tr></thead>
              <tbody>{failed.data.items.map((i) => <tr key={i.sopUid}><td class="uid">{i.sopUid}</td><td>{i.modality ?? '—'}</td><td>{instantIn(i.syncedAt)}</td><td>{i.error}</td></tr>)}</tbody>
            </table>
            <Pager offset={offset} limit={LIMIT} total={failed.data.total} onOffset={setOffset} label="Instances not used" />
          </>
        )}
      </Section>
    </>
  );
}
