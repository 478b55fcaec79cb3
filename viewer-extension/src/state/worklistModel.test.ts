import type { ProjectView, WorklistItem } from '@scanselect/server';
import { nextCase, sliceText, worklistRows, worklistSummary } from './worklistModel';

function item(rank: number, status: WorklistItem['status'], extra: Partial<WorklistItem> = {}): WorklistItem {
  return {
    sopUid: `sop-${rank}`, instanceUid: `sop-${rank}`, frame: null, studyUid: `study-${rank}`, seriesUid: `series-${rank}`, round: 1, rank, priority: rank === 1 ? 'high' : 'low', reason: 'entropy', cluster: null,
    entropy: 0.5, diversity: 0.25, score: 0.4, x: 0, y: 0, status, claimedBy: status === 'claimed' ? 'Dr A' : null, leaseExpiresAt: null, labelledAt: null, validation: false, slice: null, ...extra,
  };
}

describe('worklistRows', () => {
  it('orders by rank, marks the open case, and offers claim on open cases and on cases I hold only', () => {
    const rows = worklistRows([item(3, 'open'), item(1, 'claimed'), item(2, 'labelled'), item(4, 'claimed', { claimedBy: 'Dr B' })], 'sop-3', 'Dr A');
    expect(rows.map((r) => [r.rank, r.status, r.holder, r.isOpen, r.claimable])).toEqual([
      [1, 'claimed', 'Dr A', false, true],
      [2, 'labelled', null, false, false],
      [3, 'open', null, true, true],
      [4, 'claimed', 'Dr B', false, false],
    ]);
  });

  it('does not offer a claimed case to a user whose name is unknown', () => {
    expect(worklistRows([item(1, 'claimed')], null, null)[0]!.claimable).toBe(false);
  });

  it('describes entropy, diversity and score when the round computed them', () => {
    expect(worklistRows([item(1, 'open')], null, null)[0]!.detail).toBe('round 1 · entropy 0.500 · diversity 0.250 · score 0.400');
    expect(worklistRows([item(1, 'open', { round: 0, entropy: null, diversity: null, score: null })], null, null)[0]!.detail).toBe('round 0');
  });

  it('says where a slice of a volume lies in the viewer\'s stack (which runs against the normal), and nothing for an image', () => {
    expect(worklistRows([item(1, 'open', { slice: { index: 36, count: 128, offsetMm: 54 } })], null, null)[0]!.slice).toBe('slice 92/128');
    expect(worklistRows([item(1, 'open', { slice: { index: 0, count: 9, offsetMm: 0 } })], null, null)[0]!.slice).toBe('slice 9/9');
    expect(worklistRows([item(1, 'open')], null, null)[0]!.slice).toBeNull();
  });
});

describe('sliceText', () => {
  it('numbers a slice of a series against the normal (as Cornerstone stacks it), a frame of a multi-frame volume by its frame', () => {
    expect(sliceText(null)).toBeNull();
    expect(sliceText({ index: 0, count: 9, offsetMm: 0 })).toBe('slice 9/9');
    expect(sliceText({ index: 4, count: 6, offsetMm: 6 }, 5)).toBe('slice 5/6');
  });
});

describe('nextCase', () => {
  it('prefers a case I still hold, then the best-ranked open case, never the one just submitted', () => {
    const items = [item(1, 'labelled'), item(2, 'open'), item(3, 'claimed'), item(4, 'open')];
    expect(nextCase(items, 'sop-1', 'Dr A')!.sopUid).toBe('sop-3');
    expect(nextCase(items, 'sop-1', 'Dr B')!.sopUid).toBe('sop-2');
    expect(nextCase(items, 'sop-2', null)!.sopUid).toBe('sop-4');
  });

  it('answers null when nothing is left to do', () => {
    expect(nextCase([item(1, 'labelled'), item(2, 'claimed', { claimedBy: 'Dr B' })], null, 'Dr A')).toBeNull();
    expect(nextCase([], null, null)).toBeNull();
  });
});

describe('worklistSummary', () => {
  const project = {
    budget: { coldStart: 4, perRound: 2, total: 8, used: 6, remaining: 2 },
    latestRound: { number: 1, kind: 'active', size: 2, labelled: 1, createdAt: '' },
  } as unknown as ProjectView;

  it('shows budget, round and progress, and a running job', () => {
    expect(worklistSummary(project, null)).toEqual({ budget: 'budget 6 / 8 used', round: 'round 1 (active learning)', progress: '1 / 2 labelled', budgetFraction: 0.75 });
    expect(worklistSummary(project, { kind: 'round', progress: 0.42, stage: 'training' }).progress).toBe('1 / 2 labelled · round 42 % (training)');
  });

  it('handles a project without rounds and no project', () => {
    expect(worklistSummary({ ...project, latestRound: null } as ProjectView, null).round).toBe('no round yet');
    expect(worklistSummary(null, null).budget).toBe('');
  });
});
