import { InvalidInputError } from '../core/errors';
import { indexIds } from '../selection/validation';
import { CsvLineReader, parseNumberField } from './csv';

/** Parses the `id,entropy` CSV (header required) into a map; duplicate ids are an error. */
export function parseEntropyCsv(text: string, source = 'entropy'): Map<string, number> {
  const ids: string[] = [];
  const values: number[] = [];
  let header: string[] | null = null;
  const reader = new CsvLineReader((fields, line) => {
    if (!header) {
      if (fields.length !== 2 || fields[0]!.trim().toLowerCase() !== 'id') {
        throw new InvalidInputError('parse-error', `${source}: line ${line}: the header must be "id,entropy", got "${fields.join(',')}"`);
      }
      header = fields;
      return;
    }
    if (fields.length !== 2) throw new InvalidInputError('ragged-rows', `${source}: line ${line} has ${fields.length} fields, expected 2 (id,entropy)`);
    const id = fields[0]!.trim();
    const value = parseNumberField(fields[1]!, `${source}: line ${line}`);
    ids.push(id);
    values.push(value);
  });
  reader.push(text);
  reader.finish();
  if (!header) throw new InvalidInputError('empty-input', `${source}: the file is empty (expected a header "id,entropy")`);
  indexIds(ids, source);
  return new Map(ids.map((id, i) => [id, values[i]!]));
}

/** Parses a list of ids, one per line (blank lines and lines starting with # are ignored). */
export function parseIdList(text: string, source = 'ids'): string[] {
  const ids = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('#'));
  indexIds(ids, source);
  return ids;
}
