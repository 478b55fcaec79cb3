/**
 * A mask the server did not accept (refused, or the server was down), kept in the browser
 * (IndexedDB, see unsentMaskStore) so that a page reload does not lose it: the painting as the
 * image's label map and the SEG bytes that were sent. Pure: the record's shape, key and age.
 */
export interface UnsentMask {
  readonly projectId: number;
  readonly sopUid: string;
  /** The image's label map, rows × columns, value = segment index (0 = background). */
  readonly labels: Uint8Array;
  readonly rows: number;
  readonly columns: number;
  /** The DICOM SEG (Part 10) that was refused; Retry sends exactly these bytes. */
  readonly seg: Uint8Array;
  /** Why it was not accepted (the server's message, or "server unreachable"). */
  readonly error: string;
  /** When it was stored, ms since the epoch. */
  readonly savedAt: number;
}

/** The record's key in the store: one unsent mask per case of a project. */
export function unsentMaskKey(projectId: number, sopUid: string): string {
  return `${projectId}:${sopUid}`;
}

export function makeUnsentMask(fields: Omit<UnsentMask, 'savedAt'>, now = Date.now()): UnsentMask {
  if (!Number.isSafeInteger(fields.projectId) || fields.projectId <= 0) throw new Error(`invalid project id ${fields.projectId}`);
  if (!fields.sopUid) throw new Error('the case has no SOP instance UID');
  if (fields.labels.length !== fields.rows * fields.columns) throw new Error(`the label map has ${fields.labels.length} values, not ${fields.rows} × ${fields.columns}`);
  if (fields.seg.length === 0) throw new Error('the SEG is empty');
  return { ...fields, savedAt: now };
}

/** Whether `value` (read back from the store, possibly written by an older version) is a usable record. */
export function isUnsentMask(value: unknown): value is UnsentMask {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return typeof r.projectId === 'number' && typeof r.sopUid === 'string' && r.labels instanceof Uint8Array && r.seg instanceof Uint8Array
    && typeof r.rows === 'number' && typeof r.columns === 'number' && r.labels.length === r.rows * r.columns
    && typeof r.error === 'string' && typeof r.savedAt === 'number';
}

/** Painted pixels per segment index (0 excluded) of the record's label map. */
export function unsentLabelCounts(mask: UnsentMask): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const v of mask.labels) if (v) counts[v] = (counts[v] ?? 0) + 1;
  return counts;
}

/** "just now", "5 minutes ago", "3 hours ago", "2 days ago". */
export function describeAge(savedAt: number, now = Date.now()): string {
  const minutes = Math.floor(Math.max(0, now - savedAt) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} minute${minutes === 1 ? '' : 's'} ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} hour${hours === 1 ? '' : 's'} ago`;
  return `${Math.floor(hours / 24)} days ago`;
}
