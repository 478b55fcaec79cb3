import { isValidUid, MAX_UID_LENGTH, newUid } from './uid';

describe('newUid', () => {
  it('derives a 2.25 UID from a random UUID: valid, at most 44 characters, unique', () => {
    const uids = Array.from({ length: 2000 }, newUid);
    for (const uid of uids) {
      expect(uid).toMatch(/^2\.25\.(0|[1-9][0-9]*)$/);
      expect(uid.length).toBeLessThanOrEqual(44);
      expect(isValidUid(uid)).toBe(true);
      expect(BigInt(uid.slice(5))).toBeLessThan(2n ** 128n);
    }
    expect(new Set(uids).size).toBe(uids.length);
  });
});

describe('isValidUid', () => {
  it('accepts dotted numeric components without leading zeros, up to 64 characters', () => {
    for (const ok of ['1.2', '1.2.840.10008.5.1.4.1.1.7', '2.25.0', `1.${'2'.repeat(MAX_UID_LENGTH - 2)}`]) expect(isValidUid(ok)).toBe(true);
    for (const bad of ['', '1', '1.', '.1', '1..2', '1.02', '1.2a', '1.2 ', ' 1.2', '1.2\0', `1.${'2'.repeat(MAX_UID_LENGTH - 1)}`, 12, null, undefined]) {
      expect(isValidUid(bad)).toBe(false);
    }
  });
});
