import type { MapView } from '@scanselect/server';
import { hitTest, layoutMap } from './mapLayout';

const map: MapView = {
  round: 1,
  points: [
    { sopUid: 'a', x: -1, y: -1, selectedInRound: null, status: null, validation: false },
    { sopUid: 'b', x: 1, y: 1, selectedInRound: 0, status: 'labelled', validation: false },
    { sopUid: 'c', x: 0, y: 0, selectedInRound: 1, status: 'open', validation: false },
    { sopUid: 'd', x: 1, y: -1, selectedInRound: 1, status: 'claimed', validation: false },
  ],
};

describe('layoutMap', () => {
  it('fits the map into the drawing with one scale, centred, y up', () => {
    const layout = layoutMap(map, 1, null, 120, 100, 10);
    const at = (id: string) => layout.points.find((p) => p.sopUid === id)!;
    // span 2 × 2 into 100 × 80 → scale 40 (limited by height), centred horizontally: x from 20 to 100.
    expect([at('a').px, at('a').py]).toEqual([20, 90]);
    expect([at('b').px, at('b').py]).toEqual([100, 10]);
    expect([at('c').px, at('c').py]).toEqual([60, 50]);
  });

  it('classifies pool, labelled, current worklist and the open case, drawing the open case last', () => {
    const layout = layoutMap(map, 1, 'd', 100, 100);
    expect(layout.points.map((p) => [p.sopUid, p.kind])).toEqual([['a', 'pool'], ['b', 'labelled'], ['c', 'worklist'], ['d', 'open']]);
    // A case of an older round that is not labelled is not on the current worklist.
    expect(layoutMap(map, 2, null, 100, 100).points.find((p) => p.sopUid === 'c')!.kind).toBe('pool');
  });

  it('places a single point (or a degenerate map) in the middle without dividing by zero', () => {
    const single = layoutMap({ round: 0, points: [{ sopUid: 'z', x: 5, y: 5, selectedInRound: 0, status: 'open', validation: false }] }, 0, null, 80, 60);
    expect([single.points[0]!.px, single.points[0]!.py]).toEqual([40, 30]);
  });
});

describe('hitTest', () => {
  const layout = layoutMap(map, 1, 'c', 120, 100, 10);

  it('finds the nearest point within the radius', () => {
    expect(hitTest(layout, 22, 88)!.sopUid).toBe('a');
    expect(hitTest(layout, 61, 49)!.sopUid).toBe('c');
  });

  it('finds nothing farther than the radius', () => {
    expect(hitTest(layout, 40, 30, 8)).toBeNull();
  });

  it('prefers the point drawn on top when two are equally near', () => {
    const twins = layoutMap({ round: 0, points: [{ sopUid: 'p', x: 0, y: 0, selectedInRound: null, status: null, validation: false }, { sopUid: 'q', x: 0, y: 0, selectedInRound: 0, status: 'open', validation: false }] }, 0, 'q', 50, 50);
    expect(hitTest(twins, 25, 25)!.sopUid).toBe('q');
  });
});
