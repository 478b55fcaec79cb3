import { selectionMapSvg, escapeXml } from './selectionMapSvg';

describe('selectionMapSvg', () => {
  const map = { rows: 4, cols: 2, data: Float64Array.from([0, 0, 1, 1, 2, 0, 3, 3]) };
  const svg = selectionMapSvg({
    ids: ['a', 'b', 'c<d>', 'e'],
    map,
    labelled: ['b'],
    selected: [{ id: 'e', rank: 1, cluster: null, reason: 'score', x: 3, y: 3 }],
    title: 'Round & 1',
  });

  it('draws the pool grey, labelled blue, selected green with ranks', () => {
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg).toContain('Round &amp; 1');
    expect(svg.match(/<circle [^>]*><title>/g)).toHaveLength(3); // a, c<d> grey; b blue
    expect(svg).toContain('<title>b (labelled)</title>');
    expect(svg).toContain('<title>c&lt;d&gt;</title>');
    expect(svg).toContain('<title>e — rank 1 (score)</title>');
    expect(svg).toMatch(/<text [^>]*>1<\/text>/);
  });

  it('puts every point inside the canvas', () => {
    for (const m of svg.matchAll(/cx="([\d.]+)" cy="([\d.]+)"/g)) {
      expect(Number(m[1])).toBeGreaterThanOrEqual(0);
      expect(Number(m[1])).toBeLessThanOrEqual(800);
      expect(Number(m[2])).toBeLessThanOrEqual(640);
    }
  });

  it('escapes XML', () => {
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&apos;&amp;&apos;&lt;/a&gt;');
  });
});
