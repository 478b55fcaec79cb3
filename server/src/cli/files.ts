import { createReadStream, promises as fs } from 'node:fs';
import { EmbeddingsCsvParser, parseEntropyCsv, parseIdList, type EmbeddedPool } from '@scanselect/plugin';
import { UsageError } from './errors';

/** Streams an embeddings CSV into a pool (files of several GB never become one string). */
export async function readEmbeddings(file: string): Promise<EmbeddedPool> {
  await assertReadableFile(file, '--embeddings');
  const parser = new EmbeddingsCsvParser(file);
  const stream = createReadStream(file, { encoding: 'utf8', highWaterMark: 1 << 20 });
  for await (const chunk of stream) parser.push(chunk as string);
  return parser.finish();
}

/** Reads the `id,entropy` CSV. */
export async function readEntropy(file: string): Promise<Map<string, number>> {
  await assertReadableFile(file, '--entropy');
  return parseEntropyCsv(await fs.readFile(file, 'utf8'), file);
}

/** Reads a list of ids, one per line. */
export async function readIds(file: string, option: string): Promise<string[]> {
  await assertReadableFile(file, option);
  return parseIdList(await fs.readFile(file, 'utf8'), file);
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
