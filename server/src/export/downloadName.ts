/** A project's name as part of a download's file name: letters, digits, `.`, `_` and `-` only (runs of anything else become one `-`). */
export function sanitisedName(name: string): string {
  const safe = name.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|[-.]+$/g, '');
  return safe === '' ? 'project' : safe.slice(0, 100);
}

/** A day as YYYYMMDD (UTC). */
export function yyyymmdd(at: Date): string {
  return at.toISOString().slice(0, 10).replace(/-/g, '');
}

/** `Content-Disposition` of a download named `fileName` (ASCII by construction: see {@link sanitisedName}). */
export function attachment(fileName: string): string {
  return `attachment; filename="${fileName.replace(/["\\\r\n]/g, '_')}"`;
}
