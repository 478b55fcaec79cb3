import { cssColour, segmentsForClasses } from './segmentClasses';

describe('segmentsForClasses', () => {
  it('numbers segments from 1 in class order with the class names (the server matches labels)', () => {
    const segments = segmentsForClasses(['right lung', 'left lung', 'heart']);
    expect(segments.map((s) => [s.segmentIndex, s.label])).toEqual([[1, 'right lung'], [2, 'left lung'], [3, 'heart']]);
    expect(new Set(segments.map((s) => cssColour(s))).size).toBe(3);
    expect(segments.every((s) => s.color[3] === 255)).toBe(true);
  });

  it('uses given #rrggbb colours and falls back to the palette for missing or malformed ones', () => {
    const [a, b, c] = segmentsForClasses(['a', 'b', 'c'], ['#ff0000', 'not a colour']);
    expect(a!.color).toEqual([255, 0, 0, 255]);
    expect(b!.color).toEqual(segmentsForClasses(['a', 'b'])[1]!.color);
    expect(c!.color).toEqual(segmentsForClasses(['a', 'b', 'c'])[2]!.color);
  });

  it('keeps giving colours past the palette\'s length', () => {
    const many = segmentsForClasses(Array.from({ length: 20 }, (_, i) => `class ${i}`));
    expect(many).toHaveLength(20);
    expect(many[19]!.color).toEqual(many[5]!.color);
  });
});
