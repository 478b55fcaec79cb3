import { useState } from 'preact/hooks';
import { useSession } from '../app';
import { instantIn } from '../format';
import type { ProjectView, Token, WorklistItem } from '../types';
import { AuditLogView } from './auditLogView';
import { ErrorNote, Loading, PageTitle, Section, useAction, useLoad } from './common';

/** Tokens (issue, revoke), who holds which case, and the audit log. */
export function PeoplePage() {
  return (
    <>
      <PageTitle>People and access</PageTitle>
      <Tokens />
      <Claims />
      <AuditLogView />
    </>
  );
}

function Tokens() {
  const { api } = useSession();
  const tokens = useLoad(() => api.get<Token[]>('/api/tokens'), []);
  const [name, setName] = useState('');
  const [role, setRole] = useState('annotator');
  const [issued, setIssued] = useState<{ name: string; token: string } | null>(null);
  const action = useAction();
  const create = (e: Event): void => {
    e.preventDefault();
    void action.run(async () => {
      const created = await api.send<{ name: string; token: string }>('POST', '/api/tokens', { name, role });
      setIssued(created);
      setName('');
      tokens.reload();
    });
  };
  return (
    <Section title="API tokens">
      <form class="inline" onSubmit={create}>
        <label for="token-name">Name</label>
        <input id="token-name" value={name} onInput={(e) => setName(e.currentTarget.value)} required />
        <label for="token-role">Role</label>
        <select id="token-role" value={role} onChange={(e) => setRole(e.currentTarget.value)}>
          <option value="annotator">annotator</option><option value="admin">admin</option><option value="service">service</option>
        </select>
        <button type="submit" disabled={action.busy}>Issue token</button>
      </form>
      <ErrorNote error={action.error ?? tokens.error} />
      {issued && (
        <div class="issued" role="status">
          <p>Token for <strong>{issued.name}</strong>, shown once — copy it now:</p>
          <input readOnly aria-label={`New token for ${issued.name}`} value={issued.token} onFocus={(e) => e.currentTarget.select()} data-testid="issued-token" />
          <button type="button" onClick={() => void navigator.clipboard?.writeText(issued.token)}>Copy</button>
          <button type="button" onClick={() => setIssued(null)}>Done</button>
        </div>
      )}
      {!tokens.data && !tokens.error && <Loading what="tokens" />}
      {tokens.data && (
        <table>
          <caption>Tokens ({tokens.data.filter((t) => !t.revokedAt).length} active)</caption>
          <thead><tr><th scope="col">Name</th><th scope="col">Role</th><th scope="col">Issued</th><th scope="col">Revoked</th><th scope="col"><span class="sr-only">Action</span></th></tr></thead>
          <tbody>
            {tokens.data.map((t) => (
              <tr key={t.id}>
                <th scope="row">{t.name}</th><td>{t.role}</td><td>{instantIn(t.createdAt)}</td><td>{t.revokedAt ? instantIn(t.revokedAt) : 'active'}</td>
                <td>{!t.revokedAt && <button type="button" disabled={action.busy} onClick={() => { if (confirm(`Revoke the token of ${t.name}? Its holder is refused from now on.`)) void action.run(async () => { await api.send('DELETE', `/api/tokens/${t.id}`); tokens.reload(); }); }}>Revoke {t.name}</button>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}

/** Cases held by a claim now, in every project, with their holder and lease end; an admin may release any. */
function Claims() {
  const { api } = useSession();
  const claims = useLoad(async () => {
    const projects = await api.get<ProjectView[]>('/api/projects');
    const lists = await Promise.all(projects.map(async (p) => (await api.get<WorklistItem[]>(`/api/projects/${p.id}/worklist?all=true&status=claimed`)).map((item) => ({ project: p, item }))));
    return lists.flat();
  }, []);
  const action = useAction();
  return (
    <Section title="Claims">
      <ErrorNote error={action.error ?? claims.error} />
      {!claims.data && !claims.error && <Loading what="claims" />}
      {claims.data && claims.data.length === 0 && <p>No case is claimed now.</p>}
      {claims.data && claims.data.length > 0 && (
        <table>
          <caption>Claimed cases ({claims.data.length})</caption>
          <thead><tr><th scope="col">Project</th><th scope="col">Case</th><th scope="col">Held by</th><th scope="col">Until</th><th scope="col"><span class="sr-only">Action</span></th></tr></thead>
          <tbody>
            {claims.data.map(({ project, item }) => (
              <tr key={`${project.id}:${item.sopUid}`}>
                <td>{project.name}</td><td class="uid">round {item.round}, rank {item.rank}</td><td>{item.claimedBy}</td><td>{instantIn(item.leaseExpiresAt)}</td>
                <td><button type="button" disabled={action.busy} onClick={() => void action.run(async () => { await api.send('DELETE', `/api/projects/${project.id}/cases/${encodeURIComponent(item.sopUid)}/claim`); claims.reload(); })}>Release (held by {item.claimedBy})</button></td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Section>
  );
}
