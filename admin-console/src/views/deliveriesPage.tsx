import { useState } from 'preact/hooks';
import { useSession } from '../app';
import { instantIn } from '../format';
import type { OutboxItem } from '../types';
import { ErrorNote, Loading, PageTitle, Pager, Section, useAction, useLoad } from './common';

const LIMIT = 50;
const STATES = [
  { value: 'failed', label: 'failed (retrying)' },
  { value: 'pending', label: 'pending' },
  { value: 'done', label: 'delivered' },
] as const;

/** What must reach the PACS (SEGs, key objects): failed deliveries with the PACS's answer, retry now. */
export function DeliveriesPage() {
  const { api } = useSession();
  const [state, setState] = useState<string>('failed');
  const [offset, setOffset] = useState(0);
  const items = useLoad(() => api.page<OutboxItem>(`/api/outbox?state=${state}&limit=${LIMIT}&offset=${offset}`), [state, offset]);
  const action = useAction();
  return (
    <>
      <PageTitle>Deliveries to the PACS</PageTitle>
      <Section title="Outbox">
        <p class="help">Every SEG and key object is retried with back-off until the PACS accepts it: an outage delays deliveries, it never loses them.</p>
        <label for="outbox-state">Show</label>{' '}
        <select id="outbox-state" value={state} onChange={(e) => { setState(e.currentTarget.value); setOffset(0); }}>
          {STATES.map((s) => <option key={s.value} value={s.value}>{s.label}</option>)}
        </select>
        <ErrorNote error={action.error ?? items.error} />
        {!items.data && !items.error && <Loading what="deliveries" />}
        {items.data && items.data.total === 0 && <p>None.</p>}
        {items.data && items.data.total > 0 && (
          <>
            <table>
              <caption>Deliveries ({items.data.total})</caption>
              <thead><tr><th scope="col">Id</th><th scope="col">Project</th><th scope="col">What</th><th scope="col">Attempts</th><th scope="col">Next attempt</th><th scope="col">PACS answer</th><th scope="col"><span class="sr-only">Action</span></th></tr></thead>
              <tbody>
                {items.data.items.map((o) => (
                  <tr key={o.id}>
                    <td>{o.id}</td><td>{o.projectId ?? '—'}</td><td>{o.kind} → {o.target}</td><td>{o.attempts}</td>
                    <td>{o.state === 'done' ? `delivered ${instantIn(o.doneAt)}` : instantIn(o.nextAttemptAt)}</td>
                    <td class="details">{o.lastError ?? '—'}</td>
                    <td>{o.state === 'pending' && <button type="button" disabled={action.busy} onClick={() => void action.run(async () => { await api.send('POST', `/api/outbox/${o.id}/retry`); items.reload(); })}>Retry delivery {o.id} now</button>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
            <Pager offset={offset} limit={LIMIT} total={items.data.total} onOffset={setOffset} label="Deliveries" />
          </>
        )}
      </Section>
    </>
  );
}
