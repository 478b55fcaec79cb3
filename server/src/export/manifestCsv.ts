/**
 * `manifest.csv` of the data-set export: one row per labelled case, RFC 4180 (CRLF line ends,
 * a field quoted when it holds a comma, a quote or a line break, quotes doubled inside).
 */
import { quoteField } from '@scanselect/plugin';
import type { LabelledCase } from './labelledCases';

/** The header, in this order. */
export const MANIFEST_COLUMNS = [
  'case', 'sop_uid', 'frame', 'study_uid', 'series_uid', 'round', 'rank', 'priority', 'reason', 'validation', 'annotator', 'labelled_at', 'image', 'mask', 'seg',
] as const;

/** One row: the case's index (the files' name), its identifiers, how it was chosen, who labelled it, and its files in the zip. */
export type ManifestRow = Pick<LabelledCase, 'sopUid' | 'frame' | 'studyUid' | 'seriesUid' | 'round' | 'rank' | 'priority' | 'reason' | 'validation' | 'annotator' | 'labelledAt'> & {
  readonly case: string;
  readonly image: string;
  readonly mask: string;
  /** The case's SEG in the archive (as uploaded, or written from the label map); null leaves the column empty. */
  readonly seg: string | null;
};

/** The whole file (header and rows, each line ended by CRLF). */
export function manifestCsv(rows: readonly ManifestRow[]): string {
  const lines = [MANIFEST_COLUMNS.join(',')];
  for (const r of rows) {
    const fields = [r.case, r.sopUid, r.frame === null ? '' : String(r.frame), r.studyUid, r.seriesUid, String(r.round), String(r.rank), r.priority, r.reason, String(r.validation), r.annotator, r.labelledAt, r.image, r.mask, r.seg ?? ''];
    lines.push(fields.map(quoteField).join(','));
  }
  return lines.map((line) => `${line}\r\n`).join('');
}

/** The zero-padded index of case `i` (0-based) of `count`: 0001 … at least four digits. */
export function caseName(i: number, count: number): string {
  return String(i + 1).padStart(Math.max(4, String(count).length), '0');
}
