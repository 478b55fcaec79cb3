import type { EmbeddedPool } from '@scanselect/plugin';

/** The pool without the rows of `ids` (embeddings copied row by row, order kept). */
export function withoutIds(pool: EmbeddedPool, ids: ReadonlySet<string>): EmbeddedPool {
  if (ids.size === 0) return pool;
  const { cols, data } = pool.embeddings;
  const keep = pool.ids.flatMap((id, row) => (ids.has(id) ? [] : [row]));
  const out = data instanceof Float64Array ? new Float64Array(keep.length * cols) : new Float32Array(keep.length * cols);
  keep.forEach((row, i) => out.set(data.subarray(row * cols, (row + 1) * cols), i * cols));
  return { ids: keep.map((row) => pool.ids[row]!), embeddings: { rows: keep.length, cols, data: out } };
}
