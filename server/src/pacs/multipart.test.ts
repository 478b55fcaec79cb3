import { boundaryOf, buildMultipart, parseMultipart } from './multipart';

describe('multipart/related', () => {
  it('round-trips binary parts, including bytes that look like a boundary', () => {
    const parts = [new Uint8Array([0, 13, 10, 45, 45, 255]), Buffer.from('--scanselect-boundary inside'), new Uint8Array(0)];
    const { body, contentType } = buildMultipart(parts);
    const boundary = boundaryOf(contentType)!;
    expect(boundary).not.toBe('scanselect-boundary');
    const back = parseMultipart(body, boundary);
    expect(back.map((p) => Buffer.from(p.body).toString('hex'))).toEqual(parts.map((p) => Buffer.from(p).toString('hex')));
    expect(back[0]!.headers['content-type']).toBe('application/dicom');
  });

  it('reads quoted and unquoted boundaries and rejects malformed bodies', () => {
    expect(boundaryOf('multipart/related; type="application/dicom"; boundary="a b"')).toBe('a b');
    expect(boundaryOf('multipart/related; boundary=xyz; type=application/dicom')).toBe('xyz');
    expect(boundaryOf('application/dicom')).toBeNull();
    expect(() => parseMultipart(Buffer.from('no parts here'), 'b')).toThrow(/no boundary/);
    expect(() => parseMultipart(Buffer.from('--b\r\nContent-Type: x\r\n\r\nunterminated'), 'b')).toThrow(/not closed/);
  });
});
