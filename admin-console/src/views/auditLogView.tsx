import { useState } from 'preact/hooks';
import { useSession } from '../app';
import { instantIn } from '../format';
import type { AuditEntry } from '../types';
import { ErrorNote, Pager, Section, useLoad } from './common';

const LIMIT = 50;

/** The audit log, newest first: filtered by who, what and when, a page at a time. */
export function AuditLogView() {
  const { api } = useSession();
  const facets = useLoad(() => api.get<{ actors: string[]; actions: string[] }>('/api/audit/facets'), []);
  const [filter, setFilter] = useState({ actor: '', action: '', from: '', to: '' });
  const [offset, setOffset] = useState(0);
  const query = new URLSearchParams({ limit: String(LIMIT), offset: String(offset) });
  if (filter.actor) query.set('actor', filter.actor);
  if (filter.action) query.set('action', filter.action);
  // datetime-local is the browser's local time: sent as the instant it names.
  if (filter.from) query.set('from', new Date(filter.from).toISOString());
  if (filter.to) query.set('to', new Date(filter.to).toISOString());
  const entries = useLoad(() => api.page<AuditEntry>(`/api/audit?${query.toString()}`), [query.toString()]);
  const set = (patch: Partial<typeof filter>): void => {
    setFilter((f) => ({ ...f, ...patch }));
    setOffset(0);
  };
  return (
    <Section title="Audit log">
      <form class="inline filters" onSubmit={(e) => e.preventDefault()} aria-label="Audit log filters">
        <label for="audit-actor">Who</label>
        <select id="audit-actor" value={filter.actor} onChange={(e) => set({ actor: e.currentTarget.value })}>
          <option value="">anyone</option>{(facets.data?.actors ?? []).map((a) => <option key={a}>{a}</option>)}
        </select>
        <label for="audit-action">Action</label>
        <select id="audit-action" value={filter.action} onChange={(e) => set({ action: e.currentTarget.value })}>
          <option value="">any</option>{(facets.data?.actions ?? []).map((a) => <option key={a}>{a}</option>)}
        </select>
        <label for="audit-from">From</label>
        <input id="audit-from" type="datetime-local" value={filter.from} onChange={(e) => set({ from: e.currentTarget.value })} />
        <label for="audit-to">Before</label>
        <input id="audit-to" type="datetime-local" value={filter.to} onChange={(e) => set({ to: e.currentTarget.value })} />
      </form>
      <ErrorNote error={entries.error ?? facets.error} />
      {entries.data && (
        <>
          <table>
            <caption>Audit entries ({entries.data.total} matching)</caption>
            <thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Action</th><th scope="col">Project</th><th scope="col">Details</th></tr></thead>
            <tbody>
              {entries.data.items.map((e) => (
                <tr key={e.id}><td>{instantIn(e.at)}</td><td>{e.actor}</td><td>{e.action}</td><td>{e.projectId ?? '—'}</td><td class="details">{e.details === null ? '' : JSON.stringify(e.details)}</td></tr>
              ))}
            </tbody>
          </table>
          <Pager offset={offset} limit={LIMIT} total={entries.data.total} onOffset={setOffset} label="Audit log" />
        </>
      )}
    </Section>
  );
}
