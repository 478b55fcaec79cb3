import { InvalidInputError } from '@scanselect/plugin';
import { AppError } from '../appError';
import { PacsError } from '../pacs/dicomWebClient';
import { jobErrorText, redactLocations } from './jobError';

describe('job errors as clients see them', () => {
  it('replaces server paths and URLs, keeps the rest of the sentence', () => {
    expect(redactLocations('cannot read /srv/models/x/model.json: ENOENT')).toBe('cannot read <path>: ENOENT');
    expect(redactLocations("ENOENT: no such file or directory, open '/etc/shadow'")).toBe("ENOENT: no such file or directory, open '<path>'");
    expect(redactLocations('fetch http://10.1.2.3:8042/dicom-web/studies?x=1 failed')).toBe('fetch <url> failed');
    expect(redactLocations('file:///var/lib/x.json and C:\\data\\models\\m.json')).toBe('<url> and <path>');
    expect(redactLocations('budget 10/20 used; instance 1.2.840.1 not found')).toBe('budget 10/20 used; instance 1.2.840.1 not found');
  });

  it('shows only our own wording to every role; anything else in full only as the detail', () => {
    const content = new SyntaxError('Unexpected token \'r\', "root:x:0:0:root:/root:/bin/bash" is not valid JSON');
    expect(jobErrorText('sync', content)).toEqual({ public: 'the sync job failed with an internal error; an admin can read the details', detail: content.message });
    expect(jobErrorText('round', new AppError(409, 'empty-pool', 'project "p" has no embedded images yet: run a sync first')).public).toBe('project "p" has no embedded images yet: run a sync first');
    expect(jobErrorText('sync', new PacsError('unreachable', 'PACS http://pacs:8042/dicom-web is unreachable')).public).toBe('PACS <url> is unreachable');
    expect(jobErrorText('sync', new InvalidInputError('parse-error', 'cannot read /m/model.json: Unexpected token, "root:x:0:0" is not valid JSON')).public)
      .toBe('the sync job failed: invalid input (parse-error); an admin can read the details');
    expect(jobErrorText('sync', new AppError(400, 'x', 'y'.repeat(2000))).public).toHaveLength(500);
  });
});
