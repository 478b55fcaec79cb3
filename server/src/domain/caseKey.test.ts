import { caseKey, parseCaseKey } from './caseKey';

describe('caseKey', () => {
  it('names a whole instance by its UID and a frame by UID and frame number, and reads both back', () => {
    expect(caseKey('1.2.840.1', null)).toBe('1.2.840.1');
    expect(caseKey('1.2.840.1', 12)).toBe('1.2.840.1:12');
    expect(parseCaseKey('1.2.840.1')).toEqual({ sopUid: '1.2.840.1', frame: null });
    expect(parseCaseKey('1.2.840.1:12')).toEqual({ sopUid: '1.2.840.1', frame: 12 });
  });

  it('refuses to name frame 0 or a fraction, and reads a malformed frame as part of the id (which is then no UID)', () => {
    expect(() => caseKey('1.2', 0)).toThrow(/not a frame number/);
    expect(() => caseKey('1.2', 1.5)).toThrow(/not a frame number/);
    for (const id of ['1.2:0', '1.2:x', '1.2:', '1.2:-3', '1.2:1:2']) expect(parseCaseKey(id).sopUid).not.toMatch(/^[0-9.]+$/);
  });
});
