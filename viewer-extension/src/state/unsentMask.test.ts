import { describeAge, isUnsentMask, makeUnsentMask, unsentLabelCounts, unsentMaskKey } from './unsentMask';

const fields = { projectId: 3, sopUid: '1.2.3', labels: Uint8Array.from([0, 1, 1, 2, 0, 0]), rows: 2, columns: 3, seg: Uint8Array.from([1, 2, 3]), error: 'HTTP 409: claimed by someone' };

describe('unsent masks', () => {
  it('are keyed by project and case', () => {
    expect(unsentMaskKey(3, '1.2.3')).toBe('3:1.2.3');
    expect(unsentMaskKey(12, '1.2.3')).not.toBe(unsentMaskKey(1, '21.2.3'));
  });

  it('are made with a timestamp, and checked', () => {
    const mask = makeUnsentMask(fields, 1000);
    expect(mask).toEqual({ ...fields, savedAt: 1000 });
    expect(isUnsentMask(mask)).toBe(true);
    expect(() => makeUnsentMask({ ...fields, rows: 3 })).toThrow(/6 values, not 3 × 3/);
    expect(() => makeUnsentMask({ ...fields, projectId: 0 })).toThrow(/project id/);
    expect(() => makeUnsentMask({ ...fields, sopUid: '' })).toThrow(/SOP/);
    expect(() => makeUnsentMask({ ...fields, seg: new Uint8Array(0) })).toThrow(/empty/);
  });

  it('refuse what is not a record read back', () => {
    const mask = makeUnsentMask(fields, 1000);
    expect(isUnsentMask(null)).toBe(false);
    expect(isUnsentMask({ ...mask, labels: [0, 1] })).toBe(false);
    expect(isUnsentMask({ ...mask, rows: 5 })).toBe(false);
    expect(isUnsentMask({ ...mask, savedAt: 'now' })).toBe(false);
    expect(isUnsentMask({ ...mask, seg: undefined })).toBe(false);
  });

  it('count their painted pixels per segment', () => {
    expect(unsentLabelCounts(makeUnsentMask(fields))).toEqual({ 1: 2, 2: 1 });
  });

  it('tell their age', () => {
    const t = 10 * 86_400_000;
    expect(describeAge(t, t + 30_000)).toBe('just now');
    expect(describeAge(t + 5000, t)).toBe('just now'); // a clock set back
    expect(describeAge(t, t + 60_000)).toBe('1 minute ago');
    expect(describeAge(t, t + 5 * 60_000)).toBe('5 minutes ago');
    expect(describeAge(t, t + 3 * 3_600_000)).toBe('3 hours ago');
    expect(describeAge(t, t + 3 * 86_400_000)).toBe('3 days ago');
  });
});
