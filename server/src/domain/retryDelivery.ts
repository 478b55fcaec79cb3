import { conflict, notFound } from '../appError';
import type { OutboxEntry } from '../outbox/outbox';
import type { ServerContext } from './context';

/**
 * An admin's "retry now" of a delivery waiting out its back-off (after the PACS is back): the
 * entry is made due at once and the outbox deliverer of this process, if it runs here (`jobs:
 * inline` on SQLite), is woken. Elsewhere — a worker process, or the job engine's outbox pass on
 * PostgreSQL — making it due is enough: that pass looks for due entries every few seconds.
 * 404 for an unknown entry, 409 `already-delivered` for one that was delivered (also when the
 * delivery finishes between the look and the update). Audited as `outbox.retry`.
 */
export async function retryDelivery(ctx: ServerContext, actor: string, id: number): Promise<OutboxEntry> {
  const entry = await ctx.sql.transaction(async (tx) => {
    const found = await ctx.outbox.get(id, tx);
    if (!found) throw notFound(`outbox entry ${id}`);
    const due = found.state === 'done' ? null : await ctx.outbox.makeDue(id, tx);
    if (!due) throw conflict('already-delivered', `outbox entry ${id} was delivered${found.doneAt ? ` at ${found.doneAt}` : ''}: there is nothing to retry`);
    await ctx.audit.record(actor, 'outbox.retry', due.projectId, { id, kind: due.kind, target: due.target, attempts: due.attempts }, tx);
    return due;
  });
  ctx.outbox.wake(); // after the commit: the pass must see the entry due
  return entry;
}
