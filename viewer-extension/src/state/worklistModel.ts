import type { ProjectView, WorklistItem } from '@scanselect/server';

/** One row of the worklist panel, ready to render. */
export interface WorklistRow {
  readonly sopUid: string;
  readonly rank: number;
  readonly priority: WorklistItem['priority'];
  readonly reason: string;
  readonly status: WorklistItem['status'];
  /** Who holds it, when claimed. */
  readonly holder: string | null;
  /** The case open in the viewer. */
  readonly isOpen: boolean;
  /** Whether "claim & open" is offered (open cases, and cases this user holds). */
  readonly claimable: boolean;
  /** A tooltip: entropy, diversity and score when the round computed them. */
  readonly detail: string;
  /** Where a slice of a volume lies in the viewer's stack, e.g. "slice 92/128"; null for an image. */
  readonly slice: string | null;
}

/** The header of the worklist panel. */
export interface WorklistSummary {
  readonly budget: string;
  readonly round: string;
  readonly progress: string;
  /** Fraction of the total budget used, 0…1. */
  readonly budgetFraction: number;
}

const fmt = (v: number | null, digits = 3): string | null => (v === null || !Number.isFinite(v) ? null : v.toFixed(digits));

/** Rows in rank order. `me` is this user's name as the server reports it (null: unknown). */
export function worklistRows(items: readonly WorklistItem[], openSopUid: string | null, me: string | null): WorklistRow[] {
  return [...items]
    .sort((a, b) => a.round - b.round || a.rank - b.rank)
    .map((item) => {
      const mine = item.status === 'claimed' && me !== null && item.claimedBy === me;
      const detail = [
        `round ${item.round}`,
        fmt(item.entropy) && `entropy ${fmt(item.entropy)}`,
        fmt(item.diversity) && `diversity ${fmt(item.diversity)}`,
        fmt(item.score) && `score ${fmt(item.score)}`,
      ].filter(Boolean).join(' · ');
      return {
        sopUid: item.sopUid,
        rank: item.rank,
        priority: item.priority,
        reason: item.reason,
        status: item.status,
        holder: item.status === 'claimed' ? item.claimedBy : null,
        isOpen: item.sopUid === openSopUid,
        claimable: item.status === 'open' || mine,
        detail,
        slice: sliceText(item.slice ?? null, item.frame ?? null),
      };
    });
}

/**
 * "slice 92/128": the slice's place as the viewer numbers its stack. The server counts slices
 * along the normal row × column (index 0 first); Cornerstone's stack of a series of single-frame
 * slices runs the other way (it sorts by descending distance along that normal), so the viewer's
 * k-th image is index n − k. The frames of one multi-frame instance stay in frame order, so a
 * frame case is image `frame`. test/viewerVolume.test.ts checks both against the viewport's own
 * position.
 */
export function sliceText(slice: WorklistItem['slice'], frame: number | null = null): string | null {
  if (slice === null) return null;
  return `slice ${frame ?? slice.count - slice.index}/${slice.count}`;
}

/** Budget used/total, the latest round and its progress, and any running job's stage. */
export function worklistSummary(project: ProjectView | null, runningJob: { kind: string; progress: number; stage: string | null } | null): WorklistSummary {
  if (!project) return { budget: '', round: '', progress: '', budgetFraction: 0 };
  const { used, total } = project.budget;
  const round = project.latestRound;
  const job = runningJob ? ` · ${runningJob.kind} ${Math.round(runningJob.progress * 100)} %${runningJob.stage ? ` (${runningJob.stage})` : ''}` : '';
  return {
    budget: `budget ${used} / ${total} used`,
    round: round ? `round ${round.number} (${round.kind === 'coldstart' ? 'cold start' : 'active learning'})` : 'no round yet',
    progress: (round ? `${round.labelled} / ${round.size} labelled` : '') + job,
    budgetFraction: total > 0 ? Math.min(1, used / total) : 0,
  };
}

/**
 * The case to open after a submit: a case this user still holds, else the open case of best
 * rank, never the one just submitted; null when the worklist is done (the next round will come).
 */
export function nextCase(items: readonly WorklistItem[], justSubmitted: string | null, me: string | null): WorklistItem | null {
  const candidates = items.filter((i) => i.sopUid !== justSubmitted).sort((a, b) => a.round - b.round || a.rank - b.rank);
  const held = candidates.find((i) => i.status === 'claimed' && me !== null && i.claimedBy === me);
  return held ?? candidates.find((i) => i.status === 'open') ?? null;
}
