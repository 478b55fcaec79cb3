import type { UncertaintyMap } from '../api/scanSelectClient';
import type { CornerstoneLibraries, StackViewport } from '../ohif/ohifTypes';
import { entropyToRgba } from './colorMap';
import { overlayTransform } from './overlayTransform';

/** CSS class of the overlay canvas (the end-to-end test reads its pixels). */
export const OVERLAY_CLASS = 'scanselect-uncertainty-overlay';

/**
 * The case's entropy map fused over the image: a canvas of our own on top of the viewport
 * element, redrawn on every IMAGE_RENDERED (zoom, pan, window, scroll, resize) through the
 * viewport's image → world → canvas mapping, so that it stays aligned pixel for pixel. OHIF has
 * no service for a client-side RGBA layer (a fused display set would have to be a DICOM object).
 */
export class UncertaintyOverlay {
  private source: HTMLCanvasElement | null = null;
  private canvas: HTMLCanvasElement | null = null;
  private viewport: StackViewport | null = null;
  private opacity = 0.5;
  private visible = true;
  private readonly draw = (): void => this.redraw();

  constructor(private readonly cs: () => CornerstoneLibraries) {}

  /** Shows `map` (entropy, scale 0 … `max`) over the image in `viewport`. */
  show(viewport: StackViewport, map: UncertaintyMap, max: number): void {
    this.detach();
    const source = document.createElement('canvas');
    source.width = map.width;
    source.height = map.height;
    source.getContext('2d')!.putImageData(new ImageData(entropyToRgba(map.values, { max }), map.width, map.height), 0, 0);
    const canvas = document.createElement('canvas');
    canvas.className = OVERLAY_CLASS;
    canvas.setAttribute('data-testid', OVERLAY_CLASS);
    // Below OHIF's viewport overlays (text, SVG tools), above the image and the segmentation.
    canvas.style.cssText = 'position:absolute;left:0;top:0;width:100%;height:100%;pointer-events:none;z-index:1';
    viewport.element.appendChild(canvas);
    viewport.element.addEventListener(this.cs().cornerstone.Enums.Events.IMAGE_RENDERED, this.draw);
    this.source = source;
    this.canvas = canvas;
    this.viewport = viewport;
    this.redraw();
  }

  setOpacity(opacity: number): void {
    this.opacity = Math.min(1, Math.max(0, opacity));
    this.redraw();
  }

  setVisible(visible: boolean): void {
    this.visible = visible;
    this.redraw();
  }

  get attached(): boolean {
    return this.canvas !== null;
  }

  /** Removes the canvas and the listener (mode exit, another case). */
  detach(): void {
    if (this.viewport) this.viewport.element.removeEventListener(this.cs().cornerstone.Enums.Events.IMAGE_RENDERED, this.draw);
    this.canvas?.remove();
    this.canvas = null;
    this.source = null;
    this.viewport = null;
  }

  private redraw(): void {
    const { canvas, source, viewport } = this;
    if (!canvas || !source || !viewport) return;
    const element = viewport.element;
    const dpr = window.devicePixelRatio || 1;
    const width = Math.round(element.clientWidth * dpr);
    const height = Math.round(element.clientHeight * dpr);
    if (canvas.width !== width) canvas.width = width;
    if (canvas.height !== height) canvas.height = height;
    const g = canvas.getContext('2d')!;
    g.setTransform(1, 0, 0, 1, 0, 0);
    g.clearRect(0, 0, width, height);
    const imageId = viewport.getCurrentImageId();
    const image = imageId ? this.cs().cornerstone.cache.getImage(imageId) : undefined;
    if (!this.visible || !imageId || !image) return;
    // Pixel centres are at integer image coordinates, so the image's edges are at −0.5 and size − 0.5.
    const toCanvas = (i: number, j: number): number[] | null => {
      const world = this.cs().cornerstone.utilities.imageToWorldCoords(imageId, [i, j]);
      return world ? viewport.worldToCanvas(world) : null;
    };
    const origin = toCanvas(-0.5, -0.5);
    const xEnd = toCanvas(image.columns - 0.5, -0.5);
    const yEnd = toCanvas(-0.5, image.rows - 0.5);
    if (!origin || !xEnd || !yEnd) return;
    g.setTransform(...overlayTransform(origin, xEnd, yEnd, source.width, source.height, dpr));
    g.imageSmoothingEnabled = false;
    g.globalAlpha = this.opacity;
    g.drawImage(source, 0, 0);
  }
}
