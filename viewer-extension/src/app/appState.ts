import type { MapView, MaskReceipt, ProjectView, WorklistItem } from '@scanselect/server';
import type { MaskTool } from '../segmentation/maskEditor';
import type { SegmentSpec } from '../segmentation/segmentClasses';

/** The case shown in the viewer (from the URL), with its worklist entry when it has one. */
export interface OpenCaseState {
  readonly projectId: number;
  readonly sopUid: string;
  readonly studyUid: string;
  readonly seriesUid: string;
  /** Its worklist entry (null: not on any worklist — view only). */
  readonly item: WorklistItem | null;
}

/** Where the mask of the open case is. */
export interface MaskState {
  readonly phase: 'idle' | 'preparing' | 'ready' | 'submitting' | 'accepted' | 'failed';
  readonly segments: readonly SegmentSpec[];
  readonly activeSegment: number;
  readonly tool: MaskTool | null;
  /** Brush radius, mm. */
  readonly brushSize: number;
  readonly message: string | null;
  /** The SEG bytes of a submit that failed are kept: Retry sends them again. */
  readonly canRetry: boolean;
  readonly receipt: MaskReceipt | null;
  /**
   * A mask of this case that was not accepted is kept in the browser (IndexedDB, survives a
   * reload): why it was refused and when it was stored. Retry sends its SEG, Discard forgets it.
   */
  readonly unsent: { readonly error: string; readonly savedAt: number } | null;
  /**
   * Starting from the round model's prediction: `none` (not offered: a cold-start case, or none
   * on a worklist), `available` (the button), `loading`, `confirm` (painting exists: replace it?).
   */
  readonly prediction: 'none' | 'available' | 'loading' | 'confirm';
}

export interface OverlayState {
  readonly phase: 'none' | 'loading' | 'shown' | 'unavailable';
  readonly visible: boolean;
  readonly opacity: number;
  readonly message: string | null;
}

export interface Notice {
  readonly kind: 'error' | 'info' | 'success';
  readonly text: string;
}

/** Everything the panels render. */
export interface AppState {
  readonly signedIn: boolean;
  readonly projects: readonly ProjectView[];
  readonly project: ProjectView | null;
  readonly worklist: readonly WorklistItem[];
  readonly map: MapView | null;
  readonly openCase: OpenCaseState | null;
  /** A sync or round of the project that is queued or running (live via SSE). */
  readonly activeJob: ProjectView['activeJobs'][number] | null;
  readonly live: 'off' | 'connecting' | 'live' | 'reconnecting';
  readonly mask: MaskState;
  readonly overlay: OverlayState;
  readonly notice: Notice | null;
  /** A claim/open in progress (buttons disabled). */
  readonly busy: boolean;
}

export const INITIAL_MASK: MaskState = { phase: 'idle', segments: [], activeSegment: 1, tool: null, brushSize: 8, message: null, canRetry: false, receipt: null, unsent: null, prediction: 'none' };
export const INITIAL_OVERLAY: OverlayState = { phase: 'none', visible: true, opacity: 0.5, message: null };

export const INITIAL_STATE: AppState = {
  signedIn: false,
  projects: [],
  project: null,
  worklist: [],
  map: null,
  openCase: null,
  activeJob: null,
  live: 'off',
  mask: INITIAL_MASK,
  overlay: INITIAL_OVERLAY,
  notice: null,
  busy: false,
};
