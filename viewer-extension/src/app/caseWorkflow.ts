import type { MaskReceipt, ProjectView } from '@scanselect/server';
import { ApiError } from '../api/apiError';
import type { StackViewport } from '../ohif/ohifTypes';
import { UncertaintyOverlay } from '../overlay/uncertaintyOverlay';
import { MaskEditor, type MaskTool } from '../segmentation/maskEditor';
import { decodePng } from '../segmentation/pngDecode';
import { paintedPixels, predictionLabels } from '../segmentation/prediction';
import { datasetToPart10 } from '../segmentation/segSerializer';
import { segmentsForClasses } from '../segmentation/segmentClasses';
import type { CaseQuery } from '../state/caseUrl';
import { showsCaseImage, type CaseImage } from '../state/shownImage';
import { makeUnsentMask, type UnsentMask } from '../state/unsentMask';
import { browserUnsentMaskStore, type UnsentMaskStore } from '../state/unsentMaskStore';
import { INITIAL_MASK, INITIAL_OVERLAY, type MaskState, type OverlayState } from './appState';
import type { ScanSelectApp } from './ScanSelectApp';

/** How long to wait for the case's image to appear in the viewport. */
const IMAGE_TIMEOUT_MS = 120_000;
const POLL_MS = 250;

/** A SEG that was built but not yet accepted by the server. */
interface PendingMask {
  readonly projectId: number;
  readonly sopUid: string;
  readonly bytes: Uint8Array<ArrayBuffer>;
}

/**
 * The open case: once its image is in the viewport, a labelmap with one segment per project
 * class and the brush active; the uncertainty overlay when a model has predicted the case; and
 * the start from the model's prediction; Submit (SEG → server). A SEG the server did not accept stays in the viewer and its bytes are
 * kept, so that Retry sends exactly what was built; with the painting (label map) it is also
 * stored in IndexedDB, so that after a reload the case opens with the painting restored and
 * Retry sending / Discard offered. The record goes when a mask of the case is accepted.
 */
export class CaseWorkflow {
  private readonly editor: MaskEditor;
  private readonly overlay: UncertaintyOverlay;
  private generation = 0;
  private pending: PendingMask | null = null;
  private viewport: StackViewport | null = null;

  constructor(private readonly app: ScanSelectApp, private readonly unsentStore: UnsentMaskStore | null = browserUnsentMaskStore()) {
    this.editor = new MaskEditor(app.ohif, () => app.cornerstone());
    this.overlay = new UncertaintyOverlay(() => app.cornerstone());
  }

  /** Where the shown image lies in the viewport's stack: 1-based position and count (diagnostics), or null. */
  stackPosition(): { position: number; count: number } | null {
    const viewport = this.viewport;
    if (!viewport) return null;
    return { position: viewport.getCurrentImageIdIndex() + 1, count: viewport.getImageIds().length };
  }

  /**
   * Where image pixel (column i, row j) of the open case is on the page (client CSS pixels), or
   * null before the image is shown (diagnostics; the end-to-end test paints through it).
   */
  imageToClient(i: number, j: number): [number, number] | null {
    const viewport = this.viewport;
    const imageId = viewport?.getCurrentImageId();
    if (!viewport || !imageId) return null;
    const world = this.app.cornerstone().cornerstone.utilities.imageToWorldCoords(imageId, [i, j]);
    if (!world) return null;
    const [x, y] = viewport.worldToCanvas(world);
    const box = viewport.element.getBoundingClientRect();
    return [box.left + x, box.top + y];
  }

  /** Painted pixels per segment (diagnostics and the end-to-end test). */
  labelCounts(): Record<number, number> {
    return this.editor.labelCounts();
  }

  /** The mode was entered for the case in `query` (or for a study that is no ScanSelect case). */
  async enter(query: CaseQuery): Promise<void> {
    const generation = ++this.generation;
    this.overlay.detach();
    this.editor.reset();
    this.viewport = null;
    const { store } = this.app;
    const previous = store.state;
    if (query.projectId === null || query.sopUid === null || query.studyUid === null) {
      store.update({ openCase: null, mask: INITIAL_MASK, overlay: INITIAL_OVERLAY });
      return;
    }
    if (this.pending && this.pending.sopUid !== query.sopUid) this.pending = null;
    store.update({
      openCase: { projectId: query.projectId, sopUid: query.sopUid, studyUid: query.studyUid, seriesUid: query.seriesUid ?? '', item: previous.worklist.find((w) => w.sopUid === query.sopUid) ?? null },
      mask: { ...INITIAL_MASK, phase: 'preparing', brushSize: previous.mask.brushSize, canRetry: this.pending !== null },
      overlay: { ...INITIAL_OVERLAY, visible: previous.overlay.visible, opacity: previous.overlay.opacity },
    });
    if (!store.state.signedIn) {
      this.setMask({ phase: 'idle', message: 'Sign in to paint and submit a mask.' });
      return;
    }
    // Read early, so that the painting is restored in the same step as the mask becomes ready.
    const unsent = this.loadUnsent(query.projectId, query.sopUid);
    await this.refreshItem();
    // A frame of a multi-frame volume: OHIF opens its instance at frame 1, and the stack is scrolled to the case's frame.
    const item = this.app.state.openCase?.item;
    const shown = await this.waitForImage({ sopUid: item?.instanceUid ?? query.sopUid, frame: item?.frame ?? null }, generation);
    if (!shown || generation !== this.generation) return;
    this.viewport = shown.viewport;
    const project = await this.projectOf(query.projectId);
    if (!project || generation !== this.generation) return;
    const stored = await unsent;
    if (generation !== this.generation) return;
    await this.prepareMask(shown.viewportId, project, generation);
    if (generation !== this.generation) return;
    this.restoreUnsent(shown.viewport, stored);
    await this.prepareOverlay(shown.viewport, project, query.sopUid, generation);
  }

  /** The mode is left (another study is opened): the overlay goes; OHIF drops the segmentation itself. */
  exit(): void {
    this.generation++;
    this.overlay.detach();
    this.editor.reset();
    this.viewport = null;
  }

  /** Reloads the open case's worklist entry (status, holder). */
  async refreshItem(): Promise<void> {
    const open = this.app.state.openCase;
    if (!open) return;
    const listed = this.app.state.worklist.find((w) => w.sopUid === open.sopUid);
    const item = listed ?? (await this.app.client.caseItem(open.projectId, open.sopUid).catch(() => null));
    if (this.app.state.openCase?.sopUid === open.sopUid) this.app.store.update({ openCase: { ...open, item } });
  }

  activateTool(tool: MaskTool): void {
    try {
      this.editor.activateTool(tool);
      this.setMask({ tool });
    } catch (error) {
      this.app.fail(`Activating the ${tool} failed`, error);
    }
  }

  selectSegment(segmentIndex: number): void {
    this.editor.selectSegment(segmentIndex);
    this.setMask({ activeSegment: segmentIndex });
  }

  setBrushSize(mm: number): void {
    this.editor.setBrushSize(mm);
    this.setMask({ brushSize: mm });
  }

  setOverlayVisible(visible: boolean): void {
    this.overlay.setVisible(visible);
    this.setOverlay({ visible });
  }

  setOverlayOpacity(opacity: number): void {
    this.overlay.setOpacity(opacity);
    this.setOverlay({ opacity });
  }

  /**
   * Writes the round model's predicted label map (`…/prediction`, a PNG at the image's size)
   * into the open case's labelmap, as a start to correct with the brush and eraser. When pixels
   * are painted already, it first asks (in the panel) whether to replace them; `replace` is the
   * answer yes. A cold-start case has no prediction (the button is not offered).
   */
  async startFromPrediction(replace = false): Promise<void> {
    const open = this.app.state.openCase;
    const viewport = this.viewport;
    const mask = this.app.state.mask;
    if (!open || !viewport || mask.prediction === 'none' || mask.prediction === 'loading' || !['ready', 'failed', 'accepted'].includes(mask.phase)) return;
    const painted = paintedPixels(this.editor.labelCounts());
    if (painted > 0 && !replace) {
      this.setMask({ prediction: 'confirm', message: `${painted} pixel${painted === 1 ? ' is' : 's are'} painted already: replace the painting with the model's prediction?` });
      return;
    }
    const generation = this.generation;
    this.setMask({ prediction: 'loading', message: 'Loading the model\'s prediction …' });
    try {
      const imageId = viewport.getCurrentImageId();
      const image = imageId ? this.app.cornerstone().cornerstone.cache.getImage(imageId) : undefined;
      if (!imageId || !image) throw new Error('the case\'s image is not shown');
      const bytes = await this.app.client.prediction(open.projectId, open.sopUid);
      if (generation !== this.generation) return;
      const { segments } = this.app.state.mask;
      // The image's pixel count bounds the PNG before it is inflated (a bigger one is refused unread).
      const predicted = predictionLabels(await decodePng(bytes, { maxPixels: image.rows * image.columns }), image, segments.length);
      if (generation !== this.generation) return;
      this.editor.writeLabels(imageId, predicted.labels);
      const classes = segments.filter((seg) => predicted.counts[seg.segmentIndex]).map((seg) => `${seg.label} ${predicted.counts[seg.segmentIndex]} px`);
      const round = open.item ? `round ${open.item.round} ` : '';
      this.setMask({
        prediction: 'available',
        message: classes.length > 0
          ? `Started from the ${round}model's prediction (${classes.join(', ')}): correct it with the brush and eraser, then submit.`
          : `The ${round}model predicted background only: nothing to start from.`,
      });
    } catch (error) {
      if (generation !== this.generation) return;
      const text = error instanceof ApiError ? error.describe() : error instanceof Error ? error.message : String(error);
      this.setMask({ prediction: 'available', message: `The model's prediction could not be used: ${text}.` });
      if (error instanceof ApiError && error.status === 401) this.app.fail('Loading the prediction failed', error);
    }
  }

  /** The answer no to "replace the painting with the prediction?". */
  keepPainting(): void {
    if (this.app.state.mask.prediction === 'confirm') this.setMask({ prediction: 'available', message: null });
  }

  /** Builds the SEG of what is painted and posts it; `retry` sends the bytes kept from a failed submit. */
  async submit(retry = false): Promise<void> {
    const open = this.app.state.openCase;
    if (!open || this.app.state.mask.phase === 'submitting') return;
    this.app.store.update({ notice: null }); // an earlier case's "accepted" would mislead now
    let bytes: Uint8Array<ArrayBuffer>;
    try {
      if (retry && this.pending?.sopUid === open.sopUid) {
        bytes = this.pending.bytes;
      } else {
        const counts = this.editor.labelCounts();
        if (Object.values(counts).every((n) => n === 0)) {
          this.setMask({ message: 'Nothing is painted yet: paint at least one class, then submit.' });
          return;
        }
        const project = this.app.state.project;
        bytes = datasetToPart10(this.editor.generate(`ScanSelect mask${project ? ` (${project.name})` : ''}`));
        this.pending = { projectId: open.projectId, sopUid: open.sopUid, bytes };
      }
    } catch (error) {
      this.setMask({ message: `The DICOM SEG could not be built: ${error instanceof Error ? error.message : String(error)}` });
      return;
    }
    this.setMask({ phase: 'submitting', message: `Sending the SEG (${Math.round(bytes.length / 1024)} kB) …` });
    try {
      const receipt = await this.sendClaimed(open.projectId, open.sopUid, bytes);
      this.pending = null;
      await this.unsentStore?.delete(open.projectId, open.sopUid).catch(() => undefined);
      const names = receipt.classesPresent.map((c) => this.app.state.mask.segments.find((s) => s.segmentIndex === c)?.label ?? `class ${c}`);
      this.setMask({ phase: 'accepted', canRetry: false, unsent: null, receipt, message: `Accepted: ${names.join(', ') || 'no class'} labelled${receipt.queuedRoundJob !== null ? '; the next round was queued' : ''}.` });
      this.app.notify({ kind: 'success', text: `Mask of case ${this.app.rankOf(open.sopUid)} accepted.` });
      await this.app.advanceAfterSubmit(open.sopUid);
    } catch (error) {
      const text = error instanceof ApiError ? error.describe() : String(error);
      const hint = error instanceof ApiError && error.unreachable ? ' The mask stays here; Retry when the server is back.' : error instanceof ApiError && error.status === 409 ? ' The mask stays here; claim the case again or ask who holds it.' : ' The mask stays here.';
      this.setMask({ phase: 'failed', canRetry: true, message: `Not accepted: ${text}.${hint}` });
      await this.keepUnsent(open.projectId, open.sopUid, bytes, text);
      if (error instanceof ApiError && error.status === 401) return this.app.fail('Submitting the mask failed', error); // sign in again, then Retry
      this.app.toast({ kind: 'error', text: `The mask was not accepted: ${error instanceof ApiError ? error.message : text}` });
      void this.app.refresh(); // the worklist shows who holds the case now
    }
  }

  /**
   * Posts the SEG. Only the holder of a live claim may submit: when the claim ran out or was
   * released meanwhile (`claim-required`) and nobody else took the case, it is claimed again and
   * sent once more; a case someone else holds stays theirs (that refusal reaches the caller).
   */
  private async sendClaimed(projectId: number, sopUid: string, bytes: Uint8Array<ArrayBuffer>): Promise<MaskReceipt> {
    try {
      return await this.app.client.submitSeg(projectId, sopUid, bytes);
    } catch (error) {
      if (!(error instanceof ApiError && error.code === 'claim-required')) throw error;
      await this.app.client.claim(projectId, sopUid);
      return this.app.client.submitSeg(projectId, sopUid, bytes);
    }
  }

  /** Forgets the unsent mask of the open case (stored and in memory) and clears its painting. */
  async discardUnsent(): Promise<void> {
    const open = this.app.state.openCase;
    if (!open || this.app.state.mask.phase === 'submitting') return;
    this.pending = null;
    try {
      await this.unsentStore?.delete(open.projectId, open.sopUid);
    } catch (error) {
      this.setMask({ message: `The kept mask could not be deleted from the browser: ${error instanceof Error ? error.message : String(error)}` });
      return;
    }
    const imageId = this.viewport?.getCurrentImageId();
    try {
      if (imageId && this.editor.id) this.editor.writeLabels(imageId, new Uint8Array(this.editor.readLabels(imageId).labels.length));
    } catch {
      // no labelmap to clear
    }
    this.setMask({ phase: 'ready', canRetry: false, unsent: null, message: 'The mask that was not accepted was discarded.' });
  }

  /** Stores a refused SEG with the painting it was built from (IndexedDB), so that a reload keeps it. */
  private async keepUnsent(projectId: number, sopUid: string, seg: Uint8Array, error: string): Promise<void> {
    const imageId = this.viewport?.getCurrentImageId();
    if (!this.unsentStore || !imageId) return;
    try {
      const { labels, rows, columns } = this.editor.readLabels(imageId);
      const record = makeUnsentMask({ projectId, sopUid, labels, rows, columns, seg, error });
      await this.unsentStore.put(record);
      if (this.app.state.openCase?.sopUid === sopUid) this.setMask({ unsent: { error, savedAt: record.savedAt } });
    } catch (failure) {
      if (this.app.state.openCase?.sopUid === sopUid) this.setMask({ message: `${this.app.state.mask.message ?? ''} It could not be kept in the browser (${failure instanceof Error ? failure.message : String(failure)}): do not reload the page.` });
    }
  }

  /** The unsent mask of a case stored in IndexedDB, or why it could not be read. */
  private async loadUnsent(projectId: number, sopUid: string): Promise<UnsentMask | Error | null> {
    try {
      return (await this.unsentStore?.get(projectId, sopUid)) ?? null;
    } catch (error) {
      return error instanceof Error ? error : new Error(String(error));
    }
  }

  /** When a mask of this case was not accepted before (stored in IndexedDB), writes its painting back and offers Retry / Discard. */
  private restoreUnsent(viewport: StackViewport, record: UnsentMask | Error | null): void {
    if (!record || this.app.state.mask.phase !== 'ready') return;
    if (record instanceof Error) {
      this.setMask({ message: `The masks kept in the browser could not be read: ${record.message}` });
      return;
    }
    const { projectId, sopUid } = record;
    const imageId = viewport.getCurrentImageId();
    try {
      if (!imageId) throw new Error('the case\'s image is not shown');
      this.editor.writeLabels(imageId, record.labels);
    } catch (error) {
      this.setMask({ message: `A mask of this case was not accepted yet (${record.error}), but its painting could not be restored: ${error instanceof Error ? error.message : String(error)}. Retry sends its SEG.` });
    }
    this.pending = { projectId, sopUid, bytes: new Uint8Array(record.seg) };
    this.setMask({ canRetry: true, unsent: { error: record.error, savedAt: record.savedAt } });
  }

  private async projectOf(projectId: number): Promise<ProjectView | null> {
    const known = this.app.state.project;
    if (known?.id === projectId) return known;
    try {
      return await this.app.client.project(projectId);
    } catch (error) {
      this.app.fail('Loading the case\'s project failed', error);
      return null;
    }
  }

  /** Waits until the active viewport shows the case's image (loaded in the cache). */
  private async waitForImage(image: CaseImage, generation: number): Promise<{ viewportId: string; viewport: StackViewport } | null> {
    const deadline = Date.now() + IMAGE_TIMEOUT_MS;
    const { viewportGridService, cornerstoneViewportService } = this.app.ohif.servicesManager.services;
    while (generation === this.generation) {
      try {
        const viewportId = viewportGridService.getActiveViewportId();
        const viewport = viewportId ? cornerstoneViewportService.getCornerstoneViewport(viewportId) : null;
        const imageId = viewport?.getCurrentImageId();
        if (viewport && imageId && showsCaseImage(imageId, image) && this.app.cornerstone().cornerstone.cache.getImage(imageId)) return { viewportId, viewport };
        if (viewport && imageId && image.frame !== null && imageId.includes(image.sopUid)) {
          const index = viewport.getImageIds().findIndex((id) => showsCaseImage(id, image));
          if (index >= 0 && index !== viewport.getCurrentImageIdIndex()) await viewport.setImageIdIndex(index);
        }
      } catch {
        // the viewport is being set up
      }
      if (Date.now() > deadline) {
        this.setMask({ phase: 'failed', message: 'The case\'s image did not appear in the viewer.' });
        return null;
      }
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    return null;
  }

  private async prepareMask(viewportId: string, project: ProjectView, generation: number): Promise<void> {
    const segments = segmentsForClasses(project.settings.classes, project.settings.classColors ?? []);
    try {
      await this.editor.create(viewportId, `ScanSelect: ${project.name}`, segments);
      if (generation !== this.generation) return;
      this.editor.setBrushSize(this.app.state.mask.brushSize);
      this.editor.activateTool('brush');
      const item = this.app.state.openCase?.item;
      const note = !item ? 'This case is on no worklist: view only.' : item.status === 'labelled' ? 'This case is already labelled; a new mask replaces it.' : null;
      // Only a case chosen by an active-learning round (it has an entropy) was predicted by a model.
      const prediction = item && item.entropy !== null ? 'available' : 'none';
      this.setMask({ phase: 'ready', segments, activeSegment: segments[0]?.segmentIndex ?? 1, tool: 'brush', message: note, prediction });
    } catch (error) {
      this.setMask({ phase: 'failed', message: `The segmentation could not be created: ${error instanceof Error ? error.message : String(error)}` });
    }
  }

  private async prepareOverlay(viewport: StackViewport, project: ProjectView, sopUid: string, generation: number): Promise<void> {
    const item = this.app.state.openCase?.item;
    if (!item || item.entropy === null) {
      this.setOverlay({ phase: 'unavailable', message: item ? 'Chosen by the cold start: no model has predicted this case yet.' : 'No uncertainty map: the case is on no worklist.' });
      return;
    }
    this.setOverlay({ phase: 'loading', message: null });
    try {
      const map = await this.app.client.uncertainty(project.id, sopUid);
      if (generation !== this.generation) return;
      // Fixed scale 0 … log C with C = classes + background, as the server's PNG heat map.
      this.overlay.show(viewport, map, Math.log(project.settings.classes.length + 1));
      this.overlay.setOpacity(this.app.state.overlay.opacity);
      this.overlay.setVisible(this.app.state.overlay.visible);
      this.setOverlay({ phase: 'shown', message: `Entropy of the round ${item.round} model (${map.width} × ${map.height}), mean ${item.entropy.toFixed(3)}.` });
    } catch (error) {
      this.setOverlay({ phase: 'unavailable', message: error instanceof ApiError ? error.describe() : String(error) });
    }
  }

  private setMask(patch: Partial<MaskState>): void {
    this.app.store.update({ mask: { ...this.app.store.state.mask, ...patch } });
  }

  private setOverlay(patch: Partial<OverlayState>): void {
    this.app.store.update({ overlay: { ...this.app.store.state.overlay, ...patch } });
  }
}
