import { createReadStream, promises as fs } from 'node:fs';
import { TextDecoder } from 'node:util';
import { EmbeddingsCsvParser, parseEntropyCsv, parseIdList, type EmbeddedPool } from '@scanselect/plugin';
import { UsageError } from './errors';

/** Streams an embeddings CSV into a pool (files of several GB never become one string). */
export async function readEmbeddings(file: string): Promise<EmbeddedPool> {
  await assertReadableFile(file, '--embeddings');
  const parser = new EmbeddingsCsvParser(file);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const stream = createReadStream(file, { highWaterMark: 1 << 20 });
  let offset = 0;
  for await (const chunk of stream) {
    parser.push(utf8(decoder, chunk as Buffer, file, '--embeddings', offset, true));
    offset += (chunk as Buffer).length;
  }
  parser.push(utf8(decoder, new Uint8Array(), file, '--embeddings', offset, false));
  return parser.finish();
}

/** Reads the `id,entropy` CSV. */
export async function readEntropy(file: string): Promise<Map<string, number>> {
  await assertReadableFile(file, '--entropy');
  return parseEntropyCsv(utf8(new TextDecoder('utf-8', { fatal: true }), await fs.readFile(file), file, '--entropy', 0, false), file);
}

/** Reads a list of ids, one per line. */
export async function readIds(file: string, option: string): Promise<string[]> {
  await assertReadableFile(file, option);
  return parseIdList(utf8(new TextDecoder('utf-8', { fatal: true }), await fs.readFile(file), file, option, 0, false), file);
}

/** Writes text to a file, or to stdout when no file is given. */
export async function writeOutput(text: string, file: string | undefined): Promise<void> {
  if (file === undefined) {
    process.stdout.write(text);
    return;
  }
  await fs.writeFile(file, text);
}

async function assertReadableFile(file: string, option: string): Promise<void> {
  let stat;
  try {
    stat = await fs.stat(file);
  } catch {
    throw new UsageError(`${option}: cannot read "${file}" (no such file)`);
  }
  if (!stat.isFile()) throw new UsageError(`${option}: "${file}" is not a file`);
}

/**
 * Decodes UTF-8 strictly: a file with bytes that are not UTF-8 is refused (exit 2) instead of
 * having them silently replaced, which would change ids without a word.
 */
function utf8(decoder: TextDecoder, bytes: Uint8Array, file: string, option: string, offset: number, more: boolean): string {
  try {
    return decoder.decode(bytes, { stream: more });
  } catch {
    throw new UsageError(`${option}: "${file}" is not UTF-8 text (invalid bytes after byte ${offset}; save it as UTF-8)`);
  }
}
