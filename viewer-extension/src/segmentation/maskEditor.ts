import type { CornerstoneLibraries, OhifContext } from '../ohif/ohifTypes';
import { EXPLICIT_VR_LITTLE_ENDIAN, SEGMENTATION_SOP_CLASS, type NaturalDataset } from './segSerializer';
import type { SegmentSpec } from './segmentClasses';

/** The mask tools offered, and the Cornerstone3D tools of mode-segmentation's `default` tool group behind them. */
export const MASK_TOOLS = {
  brush: 'CircularBrush',
  eraser: 'CircularEraser',
  /** Paints only pixels whose intensity is near the clicked one (range from a small neighbourhood). */
  threshold: 'ThresholdCircularBrushDynamic',
  /** Back to window/level (no painting). */
  windowLevel: 'WindowLevel',
} as const;
export type MaskTool = keyof typeof MASK_TOOLS;

const TOOL_GROUP = 'default';

/**
 * The labelmap of the open case, through OHIF's segmentation commands: created for the active
 * viewport with one segment per project class, painted with the brush / eraser / threshold
 * tools, read back, and exported as a DICOM SEG dataset by OHIF's `generateSegmentation` (the
 * cornerstone adapters). Classic BINARY SEG, uncompressed, is asked for: any PACS and the
 * ScanSelect server read it (Label Map SEG is recent).
 */
export class MaskEditor {
  private segmentationId: string | null = null;

  constructor(private readonly ohif: OhifContext, private readonly cs: () => CornerstoneLibraries) {}

  /** The segmentation of the open case, once {@link create} succeeded. */
  get id(): string | null {
    return this.segmentationId;
  }

  /** Forgets the segmentation (OHIF removes it itself on mode exit). */
  reset(): void {
    this.segmentationId = null;
  }

  /** Creates an empty labelmap on `viewportId` with the project's segments; segment 1 active. */
  async create(viewportId: string, label: string, segments: readonly SegmentSpec[]): Promise<string> {
    const { commandsManager, servicesManager } = this.ohif;
    const segmentationId = (await commandsManager.runCommand('createLabelmapForViewport', { viewportId, options: { label, createInitialSegment: false } })) as string;
    const { segmentationService } = servicesManager.services;
    for (const segment of segments) segmentationService.addSegment(segmentationId, { segmentIndex: segment.segmentIndex, label: segment.label, color: segment.color });
    if (segments.length > 0) segmentationService.setActiveSegment(segmentationId, segments[0]!.segmentIndex);
    this.segmentationId = segmentationId;
    return segmentationId;
  }

  selectSegment(segmentIndex: number): void {
    if (this.segmentationId) this.ohif.servicesManager.services.segmentationService.setActiveSegment(this.segmentationId, segmentIndex);
  }

  activateTool(tool: MaskTool): void {
    this.ohif.commandsManager.runCommand('setToolActive', { toolName: MASK_TOOLS[tool], toolGroupId: TOOL_GROUP });
  }

  /** Brush, eraser and threshold radius in mm. */
  setBrushSize(mm: number): void {
    this.ohif.commandsManager.runCommand('setBrushSize', { value: mm, toolNames: [MASK_TOOLS.brush, MASK_TOOLS.eraser, MASK_TOOLS.threshold] });
  }

  /** Painted pixels per segment index (0 excluded), read from the labelmap images. */
  labelCounts(): Record<number, number> {
    const counts: Record<number, number> = {};
    if (!this.segmentationId) return counts;
    const { cornerstone, cornerstoneTools } = this.cs();
    const labelmap = cornerstoneTools.segmentation.state.getSegmentation(this.segmentationId)?.representationData.Labelmap;
    for (const imageId of labelmap?.imageIds ?? []) {
      const pixels = cornerstone.cache.getImage(imageId)?.getPixelData();
      if (!pixels) continue;
      for (let i = 0; i < pixels.length; i++) {
        const v = pixels[i]!;
        if (v) counts[v] = (counts[v] ?? 0) + 1;
      }
    }
    return counts;
  }

  /**
   * Writes `labels` (rows × columns of the source image `imageId`, value = segment index) into
   * its labelmap image, every pixel — what was painted there is replaced — through the image's
   * VoxelManager, then tells Cornerstone the segmentation's data changed so the viewport redraws
   * it (and OHIF's segmentation panel updates). Answers how many pixels changed.
   */
  writeLabels(imageId: string, labels: Uint8Array): number {
    if (!this.segmentationId) throw new Error('there is no segmentation yet');
    const { cornerstoneTools } = this.cs();
    const image = this.labelmapImage(imageId);
    if (image.rows * image.columns !== labels.length) throw new Error(`the labelmap is ${image.columns} × ${image.rows} pixels, the labels ${labels.length}`);
    let changed = 0;
    const voxels = image.voxelManager;
    if (voxels) {
      for (let k = 0; k < labels.length; k++) {
        if (voxels.getAtIndex(k) === labels[k]) continue;
        voxels.setAtIndex(k, labels[k]!);
        changed++;
      }
    } else {
      // Cornerstone3D 1.x: the pixel array is the labelmap.
      const pixels = image.getPixelData() as unknown as { [k: number]: number; length: number };
      for (let k = 0; k < labels.length; k++) {
        if (pixels[k] === labels[k]) continue;
        pixels[k] = labels[k]!;
        changed++;
      }
    }
    cornerstoneTools.segmentation.triggerSegmentationEvents.triggerSegmentationDataModified(this.segmentationId);
    return changed;
  }

  /** The labelmap of the source image `imageId` as labels (rows × columns, value = segment index): what {@link writeLabels} takes. */
  readLabels(imageId: string): { labels: Uint8Array; rows: number; columns: number } {
    if (!this.segmentationId) throw new Error('there is no segmentation yet');
    const image = this.labelmapImage(imageId);
    const labels = new Uint8Array(image.rows * image.columns);
    const voxels = image.voxelManager;
    const pixels = voxels ? null : (image.getPixelData() as unknown as { [k: number]: number; length: number });
    for (let k = 0; k < labels.length; k++) labels[k] = voxels ? voxels.getAtIndex(k) : pixels![k]!;
    return { labels, rows: image.rows, columns: image.columns };
  }

  /** The labelmap image of the source image `imageId`. */
  private labelmapImage(imageId: string) {
    const { cornerstone, cornerstoneTools } = this.cs();
    const labelmapIds = cornerstoneTools.segmentation.state.getSegmentation(this.segmentationId!)?.representationData.Labelmap?.imageIds ?? [];
    const images = labelmapIds.map((id) => cornerstone.cache.getImage(id)).filter((image) => image !== undefined);
    // One labelmap image per source image; a single-image stack may not record the reference.
    const image = images.find((i) => i.referencedImageId === imageId) ?? (images.length === 1 ? images[0] : undefined);
    if (!image) throw new Error('the labelmap of the shown image was not found');
    return image;
  }

  /** The SEG dataset of the current labelmap (naturalized dcmjs, BINARY, explicit VR little endian). */
  generate(seriesDescription: string): NaturalDataset {
    if (!this.segmentationId) throw new Error('there is no segmentation to submit yet');
    const generated = this.ohif.commandsManager.runCommand('generateSegmentation', {
      segmentationId: this.segmentationId,
      // The adapters read `transferSyntaxUid` before `transferSyntaxUID`, and OHIF's defaults set
      // both to RLE Lossless (bit-packed BINARY frames RLE-encoded, which the server refuses).
      options: { SeriesDescription: seriesDescription, sopClassUID: SEGMENTATION_SOP_CLASS, transferSyntaxUID: EXPLICIT_VR_LITTLE_ENDIAN, transferSyntaxUid: EXPLICIT_VR_LITTLE_ENDIAN },
    }) as { dataset?: NaturalDataset } | undefined;
    if (!generated?.dataset) throw new Error('OHIF did not produce a DICOM SEG for this segmentation');
    return generated.dataset;
  }
}
