import type { AppState } from '../app/appState';
import type { ScanSelectApp } from '../app/ScanSelectApp';
import { MASK_TOOLS, type MaskTool } from '../segmentation/maskEditor';
import { cssColour } from '../segmentation/segmentClasses';
import { describeAge } from '../state/unsentMask';
import { worklistRows, worklistSummary } from '../state/worklistModel';
import { h, Section, STYLE } from './dom';

const PRIORITY_COLOUR: Record<string, string> = { high: '#ff8a80', medium: '#ffd180', low: '#9aa3b2' };
const TOOL_LABEL: Record<MaskTool, string> = { brush: 'Brush', eraser: 'Eraser', threshold: 'Threshold', windowLevel: 'Window/level' };

/** Who is signed in and whether live updates flow (sign-in itself is a dialog over the page, or the identity provider's pages). */
function signInSection(app: ScanSelectApp): Section<AppState> {
  return new Section((s) => [s.signedIn, s.live], (s) => {
    if (s.signedIn) {
      return [h('div', { style: `${STYLE.muted};display:flex;justify-content:space-between;align-items:center` },
        h('span', { testId: 'scanselect-live', text: `signed in · ${s.live === 'live' ? 'live updates on' : s.live}` }),
        h('button', { testId: 'scanselect-sign-out', style: STYLE.button, text: 'Sign out', on: { click: () => app.signOut() } }))];
    }
    if (app.auth === 'oidc') {
      // OHIF signs in through the identity provider itself; the panel waits for its token.
      return [h('div', {},
        h('div', { style: STYLE.heading, text: 'Not signed in' }),
        h('div', { testId: 'scanselect-oidc-waiting', style: STYLE.muted, text: 'Waiting for the sign-in through the identity provider…' }))];
    }
    return [h('div', {},
      h('div', { style: STYLE.heading, text: 'Not signed in' }),
      h('button', { testId: 'scanselect-sign-in', style: STYLE.primary, text: 'Sign in', on: { click: () => app.showSignIn() } }))];
  });
}

/** Project picker, budget and round progress. */
function projectSection(app: ScanSelectApp): Section<AppState> {
  const summaryOf = (s: AppState) => worklistSummary(s.project, s.activeJob && s.activeJob.state !== 'queued' ? s.activeJob : null);
  return new Section((s) => [s.signedIn, s.projects.map((p) => [p.id, p.name]), s.project?.id, summaryOf(s), s.activeJob?.state], (s) => {
    if (!s.signedIn) return [];
    const select = h('select', { testId: 'scanselect-project', style: STYLE.input, on: { change: () => void app.selectProject(Number(select.value)) } },
      ...s.projects.map((p) => {
        const option = h('option', { text: p.name, attrs: { value: String(p.id) } });
        option.selected = p.id === s.project?.id;
        return option;
      }));
    const summary = summaryOf(s);
    const queued = s.activeJob?.state === 'queued' ? ` · ${s.activeJob.kind} queued` : '';
    return [
      h('div', { style: STYLE.heading, text: 'Project' }), select,
      h('div', { testId: 'scanselect-budget', style: 'margin-top:6px', text: summary.budget }),
      h('div', { style: 'height:4px;background:#233;border-radius:2px;margin:2px 0 4px' }, h('div', { style: `height:4px;width:${Math.round(summary.budgetFraction * 100)}%;background:#5acce6;border-radius:2px` })),
      h('div', { testId: 'scanselect-round', text: summary.round }),
      h('div', { testId: 'scanselect-progress', style: STYLE.muted, text: summary.progress + queued }),
    ];
  });
}

function noticeSection(): Section<AppState> {
  return new Section((s) => s.notice, (s) => (s.notice ? [h('div', { testId: 'scanselect-notice', style: `${s.notice.kind === 'error' ? STYLE.error : s.notice.kind === 'success' ? STYLE.success : STYLE.muted};margin:6px 0`, text: s.notice.text })] : []));
}

/** The worklist: one row per case, rank order, "Claim & open" on open cases. */
function worklistSection(app: ScanSelectApp): Section<AppState> {
  const rowsOf = (s: AppState) => worklistRows(s.worklist, s.openCase?.sopUid ?? null, app.session.me);
  return new Section((s) => [s.signedIn, rowsOf(s), s.busy], (s) => {
    if (!s.signedIn || !s.project) return [];
    const rows = rowsOf(s);
    if (rows.length === 0) return [h('div', { style: STYLE.muted, text: 'No worklist yet: the cold start has not run.' })];
    const table = h('table', { testId: 'scanselect-worklist', style: 'width:100%;border-collapse:collapse;margin-top:4px' },
      h('tr', { style: STYLE.muted }, ...['#', 'priority · reason / status', ''].map((t) => h('th', { style: 'text-align:left;font-weight:400', text: t }))));
    for (const row of rows) {
      const status = row.status === 'claimed' ? (row.holder === app.session.me ? 'claimed by you' : `claimed by ${row.holder ?? '?'}`) : row.status;
      const action = row.claimable
        ? h('button', { testId: 'scanselect-claim', style: `${row.isOpen ? STYLE.active : STYLE.button};white-space:nowrap`, text: row.status === 'claimed' ? 'Open' : 'Claim & open', attrs: { 'data-sop': row.sopUid, ...(s.busy ? { disabled: '' } : {}) }, on: { click: () => void app.claimAndOpen(row.sopUid) } })
        : null;
      table.append(h('tr', { testId: 'scanselect-worklist-row', title: row.detail, style: `border-top:1px solid #233;${row.isOpen ? 'background:#12324f' : ''}`, attrs: { 'data-sop': row.sopUid, 'data-status': row.status, 'data-rank': String(row.rank) } },
        h('td', { style: 'padding:3px 4px 3px 0', text: String(row.rank) }),
        h('td', {},
          h('div', {}, h('span', { style: `color:${PRIORITY_COLOUR[row.priority] ?? '#fff'}`, text: row.priority }), ` · ${row.reason}`),
          row.slice === null ? null : h('div', { testId: 'scanselect-slice', style: `${STYLE.muted};font-size:12px`, text: row.slice }),
          h('div', { style: `${STYLE.muted};font-size:12px`, text: status })),
        h('td', { style: 'text-align:right' }, action)));
    }
    return [h('div', { style: STYLE.heading, text: 'Worklist' }), table];
  });
}

/**
 * "Start from the model's prediction" for a case an active-learning round chose; when pixels are
 * painted already, the panel asks first (Replace / Keep painting) instead of the button.
 */
function predictionControls(app: ScanSelectApp, s: AppState): Node | null {
  const wf = app.caseWorkflow;
  const { mask } = s;
  if (mask.prediction === 'none') return null;
  if (mask.prediction === 'confirm') {
    return h('div', { testId: 'scanselect-prediction-confirm', style: 'margin-top:4px' },
      h('button', { testId: 'scanselect-prediction-replace', style: STYLE.button, text: 'Replace with the prediction', on: { click: () => void wf.startFromPrediction(true) } }),
      h('button', { testId: 'scanselect-prediction-keep', style: STYLE.button, text: 'Keep my painting', on: { click: () => wf.keepPainting() } }));
  }
  const enabled = mask.prediction === 'available' && (mask.phase === 'ready' || mask.phase === 'failed' || mask.phase === 'accepted');
  return h('div', { style: 'margin-top:4px' },
    h('button', {
      testId: 'scanselect-prediction', style: STYLE.button, title: 'Write the round model\'s predicted label map into the mask, to correct it instead of painting from scratch',
      text: mask.prediction === 'loading' ? 'Loading the prediction …' : 'Start from the model\'s prediction', attrs: enabled ? {} : { disabled: '' },
      on: { click: () => void wf.startFromPrediction() },
    }));
}

/** The open case: segments, tools, brush size, Submit / Retry, and the uncertainty overlay controls. */
function caseSection(app: ScanSelectApp): Section<AppState> {
  const wf = app.caseWorkflow;
  return new Section((s) => [s.openCase, { ...s.mask, brushSize: null }, { ...s.overlay, opacity: null }], (s) => {
    const open = s.openCase;
    if (!open) return [];
    const { mask, overlay } = s;
    const rank = open.item ? `#${open.item.rank} (round ${open.item.round}, ${open.item.status})` : 'not on a worklist';
    const out: Array<Node | null> = [h('div', { style: STYLE.heading, text: 'Open case' }), h('div', { testId: 'scanselect-case', attrs: { 'data-sop': open.sopUid }, text: rank })];
    if (mask.segments.length > 0) {
      out.push(h('div', { style: 'margin-top:4px' }, ...mask.segments.map((seg) => h('button', {
        testId: 'scanselect-segment', style: seg.segmentIndex === mask.activeSegment ? STYLE.active : STYLE.button, attrs: { 'data-segment': String(seg.segmentIndex) },
        on: { click: () => wf.selectSegment(seg.segmentIndex) },
      }, h('span', { style: `display:inline-block;width:10px;height:10px;margin-right:4px;background:${cssColour(seg)}` }), seg.label))));
      out.push(h('div', {}, ...(Object.keys(MASK_TOOLS) as MaskTool[]).map((tool) => h('button', {
        testId: `scanselect-tool-${tool}`, style: mask.tool === tool ? STYLE.active : STYLE.button, text: TOOL_LABEL[tool], on: { click: () => wf.activateTool(tool) },
      }))));
      const size = h('input', { testId: 'scanselect-brush-size', attrs: { type: 'range', min: '1', max: '40', step: '1', value: String(s.mask.brushSize) }, style: 'width:100%' });
      size.addEventListener('input', () => wf.setBrushSize(Number(size.value)));
      out.push(h('label', { style: STYLE.muted, text: 'Brush radius (mm)' }), size);
      out.push(predictionControls(app, s));
    }
    const canSubmit = mask.phase === 'ready' || mask.phase === 'failed' || mask.phase === 'accepted';
    out.push(h('div', {},
      h('button', { testId: 'scanselect-submit', style: STYLE.primary, text: mask.phase === 'submitting' ? 'Submitting …' : 'Submit mask', attrs: canSubmit && open.item ? {} : { disabled: '' }, on: { click: () => void wf.submit() } }),
      mask.canRetry && !mask.unsent ? h('button', { testId: 'scanselect-retry', style: STYLE.button, text: 'Retry sending', on: { click: () => void wf.submit(true) } }) : null));
    if (mask.unsent) {
      out.push(h('div', { testId: 'scanselect-unsent', style: `${STYLE.error};margin-top:4px` },
        h('div', { testId: 'scanselect-unsent-message', text: `A mask of this case was not accepted yet (${mask.unsent.error}); kept in this browser (stored ${describeAge(mask.unsent.savedAt)}):` }),
        h('button', { testId: 'scanselect-retry', style: STYLE.button, text: 'Retry sending', attrs: mask.phase === 'submitting' ? { disabled: '' } : {}, on: { click: () => void wf.submit(true) } }),
        h('button', { testId: 'scanselect-discard', style: STYLE.button, text: 'Discard', attrs: mask.phase === 'submitting' ? { disabled: '' } : {}, on: { click: () => void wf.discardUnsent() } })));
    }
    if (mask.message) out.push(h('div', { testId: 'scanselect-mask-message', attrs: { 'data-phase': mask.phase }, style: mask.phase === 'failed' ? STYLE.error : mask.phase === 'accepted' ? STYLE.success : STYLE.muted, text: mask.message }));
    out.push(h('div', { style: STYLE.heading, text: 'Uncertainty' }));
    if (overlay.phase === 'shown') {
      const toggle = h('input', { testId: 'scanselect-overlay-toggle', attrs: { type: 'checkbox' } });
      toggle.checked = overlay.visible;
      toggle.addEventListener('change', () => wf.setOverlayVisible(toggle.checked));
      const opacity = h('input', { testId: 'scanselect-overlay-opacity', attrs: { type: 'range', min: '0', max: '1', step: '0.05', value: String(s.overlay.opacity) }, style: 'width:100%' });
      opacity.addEventListener('input', () => wf.setOverlayOpacity(Number(opacity.value)));
      out.push(h('label', {}, toggle, ' show entropy map'), h('label', { style: `${STYLE.muted};display:block`, text: 'Opacity' }), opacity);
    }
    out.push(h('div', { testId: 'scanselect-overlay-message', attrs: { 'data-phase': overlay.phase }, style: STYLE.muted, text: overlay.phase === 'loading' ? 'Loading the entropy map …' : (overlay.message ?? '') }));
    return out;
  });
}

/** The worklist panel: sign-in, project, budget and round, worklist, and the open case's tools. */
export function createWorklistPanel(app: ScanSelectApp): { mount(node: HTMLDivElement): void; unmount(): void } {
  let unsubscribe: (() => void) | null = null;
  return {
    mount(node) {
      unsubscribe?.();
      const sections = [signInSection(app), projectSection(app), noticeSection(), worklistSection(app), caseSection(app)];
      node.replaceChildren(h('div', { style: STYLE.panel, testId: 'scanselect-worklist-panel' }, ...sections.map((s) => s.element)));
      const render = (state: AppState): void => sections.forEach((s) => s.update(state));
      render(app.state);
      unsubscribe = app.store.subscribe(render);
    },
    unmount() {
      unsubscribe?.();
      unsubscribe = null;
    },
  };
}
