import { PNG } from 'pngjs';
import { lineChartSvg, niceTicks } from './lineChartSvg';
import { selectionFigureSvg } from './selectionFigureSvg';
import { svgToPng } from './svgToPng';

describe('niceTicks', () => {
  it('covers the range with steps of 1, 2 or 5 × 10ⁿ', () => {
    expect(niceTicks(0.883, 0.951, 6)).toEqual([0.88, 0.9, 0.92, 0.94, 0.96]); // raw step 0.0113 → 0.02
    expect(niceTicks(2.1, 9.8, 6)).toEqual([2, 4, 6, 8, 10]);
    expect(niceTicks(5, 5, 4)[0]).toBeLessThan(5);
    expect(() => niceTicks(NaN, 1, 4)).toThrow(/not finite/);
  });
});

describe('lineChartSvg', () => {
  const input = {
    title: 'Dice <test>',
    xLabel: 'budget',
    yLabel: 'Dice',
    series: [
      { label: 'Random', colour: '#555555', marker: 'circle' as const, dashed: true, points: [{ x: 8, y: 0.8, error: 0.05 }, { x: 12, y: 0.85, error: 0.02 }] },
      { label: 'Ours', colour: '#1f77b4', marker: 'square' as const, points: [{ x: 8, y: 0.9 }, { x: 12, y: NaN }] },
    ],
  };
  const svg = lineChartSvg(input);

  it('draws a line per series with markers, error bars and a legend', () => {
    expect(svg).toContain('Dice &lt;test&gt;');
    expect(svg.match(/<path d="M[\d.]+ [\d.]+ L[\d.]+ [\d.]+" fill="none" stroke-width="2" stroke-dasharray/g)).toHaveLength(1);
    expect(svg.match(/ V[\d.]+ M/g)).toHaveLength(2); // two error bars
    expect(svg).toContain('>Random</text>');
    expect(svg).toContain('>Ours</text>');
  });

  it('keeps every mark inside the frame', () => {
    const frame = /<rect x="(\d+)" y="(\d+)" width="([\d.]+)" height="([\d.]+)" fill="none"/.exec(svg)!;
    const [x0, y0, w, h] = frame.slice(1).map(Number) as [number, number, number, number];
    for (const m of svg.matchAll(/<circle cx="([\d.]+)" cy="([\d.]+)"/g)) {
      const [cx, cy] = [Number(m[1]), Number(m[2])];
      if (cx > x0 + w) continue; // legend
      expect(cx).toBeGreaterThan(x0);
      expect(cy).toBeGreaterThan(y0);
      expect(cy).toBeLessThan(y0 + h);
    }
  });

  it('refuses a chart without a finite point', () => {
    expect(() => lineChartSvg({ ...input, series: [{ ...input.series[1]!, points: [{ x: 1, y: NaN }] }] })).toThrow(/no finite point/);
  });
});

describe('selectionFigureSvg', () => {
  const ids = ['p1', 'p2', 'p3', 'c1', 'a1', 't1', 't2'];
  const map = { rows: 7, cols: 2, data: Float64Array.from([0, 0, 1, 0, 2, 1, 3, 3, 4, 1, 5, 0, 6, 2]) };
  const svg = selectionFigureSvg({ title: 'run 1', ids, map, test: ['t1', 't2'], coldStart: ['c1'], acquired: ['a1'] });

  it('draws both panels: pool grey, cold start blue, acquired green squares, test orange triangles', () => {
    expect(svg).toContain('cold start + active learning (1 + 1)');
    expect(svg.match(/<title>t\d \(test\)<\/title>/g)).toHaveLength(4); // 2 test × 2 panels
    expect(svg.match(/<title>c1 \(cold start\)<\/title>/g)).toHaveLength(2);
    expect(svg.match(/<rect [^>]*><title>a1 \(active learning\)<\/title><\/rect>/g)).toHaveLength(1);
    // a1 is a grey pool point on the left (not yet acquired) and not on the right.
    expect(svg.match(/<circle [^>]*r="2"><title>a1<\/title>/g)).toHaveLength(1);
    expect(svg.match(/<circle [^>]*r="2"><title>p\d<\/title>/g)).toHaveLength(6);
  });

  it('draws one panel without active learning, and rejects ids not in the map', () => {
    expect(selectionFigureSvg({ title: 'x', ids, map, test: ['t1'], coldStart: ['c1'], acquired: [] })).not.toContain('active learning');
    expect(() => selectionFigureSvg({ title: 'x', ids, map, test: ['zz'], coldStart: [], acquired: [] })).toThrow(/"zz" is not in the map/);
    expect(() => selectionFigureSvg({ title: 'x', ids: ids.slice(1), map, test: [], coldStart: [], acquired: [] })).toThrow(/N × 2 map/);
  });
});

describe('svgToPng', () => {
  it('rasterises at the requested scale with the drawing in it', () => {
    const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="40" height="30"><rect width="100%" height="100%" fill="white"/><rect x="10" y="5" width="20" height="10" fill="#ff0000"/></svg>';
    const png = PNG.sync.read(svgToPng(svg, 2));
    expect([png.width, png.height]).toEqual([80, 60]);
    const at = (x: number, y: number): number[] => Array.from(png.data.subarray(4 * (y * 80 + x), 4 * (y * 80 + x) + 4));
    expect(at(40, 20)).toEqual([255, 0, 0, 255]);
    expect(at(2, 2)).toEqual([255, 255, 255, 255]);
  });
});
