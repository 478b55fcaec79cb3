import { InvalidInputError } from '../core/errors';

/**
 * Splits CSV text into lines incrementally (chunks may end mid-line) and each line into fields
 * (RFC 4180 quoting: a field in double quotes may hold commas and doubled quotes). Blank lines
 * are skipped; `\r\n` and `\n` both end a line. Quoted fields may not span lines.
 */
export class CsvLineReader {
  private rest = '';
  private lineNumber = 0;

  constructor(private readonly onRow: (fields: string[], lineNumber: number) => void) {}

  push(chunk: string): void {
    const text = this.rest + chunk;
    let start = 0;
    for (;;) {
      const end = text.indexOf('\n', start);
      if (end < 0) break;
      this.line(text.slice(start, end));
      start = end + 1;
    }
    this.rest = text.slice(start);
  }

  finish(): void {
    if (this.rest.length > 0) this.line(this.rest);
    this.rest = '';
  }

  private line(raw: string): void {
    this.lineNumber++;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim().length === 0) return;
    this.onRow(splitCsvLine(line, this.lineNumber), this.lineNumber);
  }
}

/** Splits one CSV line into fields. */
export function splitCsvLine(line: string, lineNumber: number): string[] {
  if (!line.includes('"')) return line.split(',');
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let p = 0; p < line.length; p++) {
    const ch = line[p]!;
    if (quoted) {
      if (ch === '"' && line[p + 1] === '"') {
        field += '"';
        p++;
      } else if (ch === '"') {
        quoted = false;
      } else {
        field += ch;
      }
    } else if (ch === '"' && field.length === 0) {
      quoted = true;
    } else if (ch === ',') {
      fields.push(field);
      field = '';
    } else {
      field += ch;
    }
  }
  if (quoted) throw new InvalidInputError('parse-error', `line ${lineNumber}: unterminated quoted field`);
  fields.push(field);
  return fields;
}

/** Parses a CSV number field strictly (no empty strings, no trailing garbage). */
export function parseNumberField(text: string, where: string): number {
  const trimmed = text.trim();
  const value = trimmed.length === 0 ? NaN : Number(trimmed);
  if (!Number.isFinite(value)) {
    throw new InvalidInputError('not-finite', `${where}: "${text}" is not a finite number`);
  }
  return value;
}
