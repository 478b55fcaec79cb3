import { exceedsDepth } from './jsonBody';

const bytes = (s: string): Uint8Array => Buffer.from(s, 'utf8');

describe('JSON nesting depth, before parsing', () => {
  it('counts arrays and objects, not brackets inside strings or after escapes', () => {
    expect(exceedsDepth(bytes('{"a":[1,{"b":[]}]}'), 4)).toBe(false);
    expect(exceedsDepth(bytes('{"a":[1,{"b":[[]]}]}'), 4)).toBe(true);
    expect(exceedsDepth(bytes(`{"s":"${'['.repeat(100)}"}`), 2)).toBe(false);
    expect(exceedsDepth(bytes(`{"s":"\\"${'{'.repeat(100)}"}`), 2)).toBe(false);
    expect(exceedsDepth(bytes(`{"s":"\\\\",${'"a":['.repeat(3)}`), 2)).toBe(true); // an escaped backslash ends the string
  });

  it('stops at the limit on 200,000 brackets without recursion', () => {
    expect(exceedsDepth(bytes('['.repeat(200_000)), 32)).toBe(true);
    expect(exceedsDepth(bytes('[]'.repeat(200_000)), 1)).toBe(false);
  });
});
