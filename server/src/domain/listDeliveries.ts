import type { OutboxEntry, OutboxQuery } from '../outbox/outbox';
import type { ServerContext } from './context';
import { pageOf, type PageRequest, type Paged } from './page';

/** The outbox's filters as a client gives them (`GET /api/outbox`). */
export interface DeliveryFilters extends PageRequest {
  readonly projectId?: number;
  /** `failed`: pending, with at least one failed attempt (its `lastError` is the PACS's answer). */
  readonly state?: OutboxQuery['state'];
}

/**
 * Deliveries to the PACS, oldest first, with how many match. Without a limit every one is listed,
 * as before paging existed; with one, at most 500 a page.
 */
export async function listDeliveries(ctx: ServerContext, filters: DeliveryFilters): Promise<Paged<OutboxEntry>> {
  const query: OutboxQuery = {
    ...(filters.projectId !== undefined && { projectId: filters.projectId }),
    ...(filters.state !== undefined && { state: filters.state }),
  };
  const [items, total] = await Promise.all([ctx.outbox.list({ ...query, ...pageOf(filters, undefined) }), ctx.outbox.count(query)]);
  return { items, total };
}
