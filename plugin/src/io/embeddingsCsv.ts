import { InvalidInputError } from '../core/errors';
import type { EmbeddedPool } from '../selection/pipeline';
import { indexIds } from '../selection/validation';
import { CsvLineReader, parseNumberField } from './csv';

/**
 * Incremental parser of the embeddings CSV: a header `id,<name>,<name>,…`, then one row per
 * image (its id, then its vector). Feed it chunks with `push` (a 50,000 × 2048 file is too big
 * for one string) and call `finish` for the pool. Values are stored as Float32.
 */
export class EmbeddingsCsvParser {
  private readonly reader: CsvLineReader;
  private header: string[] | null = null;
  private readonly ids: string[] = [];
  private data = new Float32Array(1024);
  private length = 0;

  constructor(private readonly source = 'embeddings') {
    this.reader = new CsvLineReader((fields, line) => this.row(fields, line));
  }

  push(chunk: string): void {
    this.reader.push(chunk);
  }

  finish(): EmbeddedPool {
    this.reader.finish();
    if (!this.header) throw new InvalidInputError('empty-input', `${this.source}: the file is empty (expected a header "id,<name>,…")`);
    if (this.ids.length === 0) throw new InvalidInputError('empty-input', `${this.source}: no rows after the header`);
    indexIds(this.ids, this.source);
    const cols = this.header.length - 1;
    return { ids: this.ids, embeddings: { rows: this.ids.length, cols, data: this.data.slice(0, this.length) } };
  }

  private row(fields: string[], line: number): void {
    if (!this.header) {
      if (fields.length < 2 || fields[0]!.trim().toLowerCase() !== 'id') {
        throw new InvalidInputError('parse-error', `${this.source}: line ${line}: the header must be "id,<name>,<name>,…", got "${fields.slice(0, 3).join(',')}${fields.length > 3 ? ',…' : ''}"`);
      }
      this.header = fields;
      return;
    }
    const cols = this.header.length - 1;
    if (fields.length !== cols + 1) {
      throw new InvalidInputError('ragged-rows', `${this.source}: line ${line} has ${fields.length - 1} values, the header names ${cols}`);
    }
    const id = fields[0]!.trim();
    if (id.length === 0) throw new InvalidInputError('unknown-id', `${this.source}: line ${line} has an empty id`);
    this.ids.push(id);
    this.ensure(this.length + cols);
    for (let c = 0; c < cols; c++) {
      this.data[this.length + c] = parseNumberField(fields[c + 1]!, `${this.source}: line ${line}, column "${this.header[c + 1]}"`);
    }
    this.length += cols;
  }

  private ensure(size: number): void {
    if (size <= this.data.length) return;
    let capacity = this.data.length;
    while (capacity < size) capacity *= 2;
    const grown = new Float32Array(capacity);
    grown.set(this.data.subarray(0, this.length));
    this.data = grown;
  }
}

/** Parses a whole embeddings CSV held in one string. */
export function parseEmbeddingsCsv(text: string, source = 'embeddings'): EmbeddedPool {
  const parser = new EmbeddingsCsvParser(source);
  parser.push(text);
  return parser.finish();
}

/** Writes a pool as an embeddings CSV (header `id,f0,f1,…`). */
export function formatEmbeddingsCsv(pool: EmbeddedPool): string {
  const { cols, data } = pool.embeddings;
  const lines = [['id', ...Array.from({ length: cols }, (_, c) => `f${c}`)].join(',')];
  pool.ids.forEach((id, i) => {
    const values: string[] = [];
    for (let c = 0; c < cols; c++) values.push(String(data[i * cols + c]));
    lines.push(`${quoteField(id)},${values.join(',')}`);
  });
  return lines.join('\n') + '\n';
}

/** Quotes a CSV field when it needs it. */
export function quoteField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
