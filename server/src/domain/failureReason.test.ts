import { failureReason } from './failureReason';

describe('failureReason', () => {
  it('names the kinds of failure the DICOM reader reports, without the instance', () => {
    const cases: Array<[string, string]> = [
      ['instance 1.2.826.0.1.3680043.10.1341.40.9.1.1: Pixel Data has 1048 bytes, expected 2048 for 1 frame(s) of 32×32×1 at 16 bits: the file is truncated', 'truncated or corrupt pixel data'],
      ['frame has 100 bytes of pixel data, expected 2048 (32×32, 1 sample(s), 2 byte(s) each): the file is truncated or corrupt', 'truncated or corrupt pixel data'],
      ['instance 1.2.3 declares 65535 × 65535 pixels, more than the limit of 67108864', 'too large'],
      ['instance 1.2.3: transfer syntax 1.2.840.10008.1.2.4.100 (MPEG2) is not supported; supported: 1.2.840.10008.1.2.1', 'unsupported transfer syntax'],
      ['instance 1.2.3 has no Pixel Data (7FE0,0010)', 'no pixel data (not an image)'],
      ['instance 1.2.3 could not be parsed as DICOM (truncated or corrupt?): offset out of range', 'not readable as DICOM'],
      ['instance 1.2.3 frame 0: decoding failed (bad marker)', 'compressed pixel data cannot be decoded'],
      ['instance 1.2.3: Bits Allocated 12 is not supported (8, 16 or 32)', 'unsupported pixel format'],
    ];
    for (const [error, reason] of cases) expect([error, failureReason(error)]).toEqual([error, reason]);
  });

  it('groups other messages by their text before the first colon, UIDs and numbers replaced', () => {
    expect(failureReason('instance 1.2.3: Weird thing 12 happened: details')).toBe('Weird thing N happened');
    expect(failureReason('instance 4.5.6: Weird thing 99 happened: other details')).toBe('Weird thing N happened');
    expect(failureReason('encoder 1.2.840.1 refused (out of memory)')).toBe('encoder <uid> refused');
    expect(failureReason(null)).toBe('unknown');
    expect(failureReason('  ')).toBe('unknown');
    expect(failureReason('x'.repeat(500))).toHaveLength(100);
  });
});
