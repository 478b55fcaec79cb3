import { InvalidInputError } from '../core/errors';
import { EmbeddingsCsvParser, formatEmbeddingsCsv, parseEmbeddingsCsv } from './embeddingsCsv';
import { parseEntropyCsv, parseIdList } from './scoresCsv';
import { splitCsvLine } from './csv';

describe('embeddings CSV', () => {
  it('parses a header and rows, in chunks that split lines anywhere', () => {
    const text = 'id,a,b\r\nx1,1,2\n"y,2",3.5,-4e-1\n\n';
    for (let cut = 0; cut <= text.length; cut++) {
      const parser = new EmbeddingsCsvParser();
      parser.push(text.slice(0, cut));
      parser.push(text.slice(cut));
      const pool = parser.finish();
      expect(pool.ids).toEqual(['x1', 'y,2']);
      expect(pool.embeddings.cols).toBe(2);
      expect(Array.from(pool.embeddings.data)).toEqual([1, 2, 3.5, Math.fround(-0.4)]);
    }
  });

  it('round-trips through formatEmbeddingsCsv', () => {
    const pool = { ids: ['a', 'b"c'], embeddings: { rows: 2, cols: 2, data: Float32Array.from([0.5, 1, 2, 3]) } };
    const back = parseEmbeddingsCsv(formatEmbeddingsCsv(pool));
    expect(back.ids).toEqual(pool.ids);
    expect(Array.from(back.embeddings.data)).toEqual([0.5, 1, 2, 3]);
  });

  const bad = (text: string) => () => parseEmbeddingsCsv(text, 'e.csv');
  it('names the problem: header, ragged rows, NaN, duplicates, empty', () => {
    expect(bad('')).toThrow('e.csv: the file is empty');
    expect(bad('name,a\nx,1\n')).toThrow(/header must be "id,<name>/);
    expect(bad('id,a,b\nx,1\n')).toThrow('e.csv: line 2 has 1 values, the header names 2');
    expect(bad('id,a\nx,NaN\n')).toThrow(/line 2, column "a": "NaN" is not a finite number/);
    expect(bad('id,a\nx,\n')).toThrow(/is not a finite number/);
    expect(bad('id,a\nx,1\nx,2\n')).toThrow(/id "x" appears twice/);
    expect(bad('id,a\n')).toThrow(/no rows/);
    try {
      bad('id,a\nx,1\nx,2\n')();
    } catch (e) {
      expect((e as InvalidInputError).code).toBe('duplicate-id');
    }
  });

  it('splits quoted fields', () => {
    expect(splitCsvLine('"a ""b""",c', 1)).toEqual(['a "b"', 'c']);
    expect(() => splitCsvLine('"open,c', 3)).toThrow(/line 3: unterminated/);
  });
});

describe('entropy CSV and id lists', () => {
  it('parses id,entropy', () => {
    expect([...parseEntropyCsv('id,entropy\na,0.5\nb,1\n')]).toEqual([['a', 0.5], ['b', 1]]);
    expect(() => parseEntropyCsv('id,entropy\na,x\n')).toThrow(/not a finite number/);
    expect(() => parseEntropyCsv('id,entropy\na,1\na,2\n')).toThrow(/appears twice/);
    expect(() => parseEntropyCsv('a,1\n')).toThrow(/header must be "id,entropy"/);
  });

  it('reads one id per line, skipping blanks and comments', () => {
    expect(parseIdList('a\n\n# note\n b \r\n')).toEqual(['a', 'b']);
    expect(parseIdList('')).toEqual([]);
    expect(() => parseIdList('a\na\n')).toThrow(/appears twice/);
  });
});
