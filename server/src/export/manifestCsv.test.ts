import { caseName, MANIFEST_COLUMNS, manifestCsv, type ManifestRow } from './manifestCsv';

const row: ManifestRow = {
  case: '0001', sopUid: '1.2.3', frame: null, studyUid: '1.2', seriesUid: '1.2.4', round: 0, rank: 1, priority: 'high', reason: 'medoid', validation: false,
  annotator: 'Dr. Doe', labelledAt: '2026-01-02T03:04:05.000Z', image: 'images/0001.png', mask: 'masks/0001.png', seg: null,
};

/** An RFC 4180 parser, independent of the writer: fields, quoted fields with doubled quotes, CRLF records. */
function parseCsv(text: string): string[][] {
  const records: string[][] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  const endField = (): void => {
    fields.push(field);
    field = '';
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted && ch === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (ch === '"' && (quoted || field === '')) {
      quoted = !quoted;
    } else if (quoted) {
      field += ch;
    } else if (ch === ',') {
      endField();
    } else if (ch === '\r' && text[i + 1] === '\n') {
      endField();
      records.push(fields);
      fields = [];
      i++;
    } else {
      field += ch;
    }
  }
  return records;
}

describe('manifestCsv', () => {
  it('writes the header and one CRLF-ended row per case, the frame column empty for a whole instance and the SEG column when there is none', () => {
    const csv = manifestCsv([row, { ...row, case: '0002', frame: 7, round: 1, rank: 2, validation: true, seg: 'seg/0002.dcm' }]);
    expect(csv).toBe(
      'case,sop_uid,frame,study_uid,series_uid,round,rank,priority,reason,validation,annotator,labelled_at,image,mask,seg\r\n' +
      '0001,1.2.3,,1.2,1.2.4,0,1,high,medoid,false,Dr. Doe,2026-01-02T03:04:05.000Z,images/0001.png,masks/0001.png,\r\n' +
      '0002,1.2.3,7,1.2,1.2.4,1,2,high,medoid,true,Dr. Doe,2026-01-02T03:04:05.000Z,images/0001.png,masks/0001.png,seg/0002.dcm\r\n');
    expect(parseCsv(csv)[0]).toEqual([...MANIFEST_COLUMNS]);
  });

  it('quotes fields with commas, quotes and line breaks (quotes doubled), and they parse back unchanged', () => {
    const names = ['Doe, Jane', 'say "hi"', 'two\nlines', 'cr\rhere', '"', 'plain'];
    const csv = manifestCsv(names.map((annotator) => ({ ...row, annotator })));
    expect(csv).toContain(',"Doe, Jane",');
    expect(csv).toContain(',"say ""hi""",');
    expect(csv).toContain(',"two\nlines",');
    expect(csv).toContain(',"""",');
    expect(csv).toContain(',plain,');
    expect(parseCsv(csv).slice(1).map((r) => r[MANIFEST_COLUMNS.indexOf('annotator')])).toEqual(names);
    expect(parseCsv(csv).every((r) => r.length === MANIFEST_COLUMNS.length)).toBe(true);
  });

  it('names cases by a zero-padded index of at least four digits', () => {
    expect([caseName(0, 3), caseName(41, 42), caseName(9999, 10000), caseName(0, 12345)]).toEqual(['0001', '0042', '10000', '00001']);
  });
});
